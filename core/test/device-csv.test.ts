import { describe, expect, it } from 'vitest';
import { parseCsv, parseDevicesCsv } from '@ioc/core';

describe('devices from CSV', () => {
  it('reads id, kind, area, location, enabled and other columns as attributes', () => {
    const csv = '\uFEFFid,kind,area,lat,lon,enabled,model,note\r\n' +
      'air-1,air,hue-phu-hoi,16.46,107.59,,PMS7003,"roof, north side"\r\n' +
      'spk-2,speaker,,,,false,,"says ""xin chào""\nline two"\n\n';
    const { devices, errors } = parseDevicesCsv(csv);
    expect(errors).toEqual([]);
    expect(devices).toEqual([
      { line: 2, id: 'air-1', kind: 'air', areaId: 'hue-phu-hoi', lat: 16.46, lon: 107.59, enabled: undefined, attributes: { model: 'PMS7003', note: 'roof, north side' } },
      { line: 3, id: 'spk-2', kind: 'speaker', areaId: undefined, lat: undefined, lon: undefined, enabled: false, attributes: { note: 'says "xin chào"\nline two' } },
    ]);
  });

  it('names the line of each malformed row and keeps the good ones', () => {
    const { devices, errors } = parseDevicesCsv('id,kind,lat,lon\na,air,x,1\nb,air\nc,air,1,2\nd,air,1,2,3\n');
    expect(devices.map((d) => d.id)).toEqual(['c']);
    expect(errors).toEqual([
      { line: 2, message: 'lat "x" is not a number' },
      { line: 3, message: '2 fields where the header has 4' },
      { line: 5, message: '5 fields where the header has 4' },
    ]);
    expect(parseDevicesCsv('id,kind,enabled\na,air,maybe').errors).toEqual([{ line: 2, message: 'enabled "maybe" must be true or false' }]);
  });

  it('refuses a missing header, missing columns, duplicated columns and an unclosed quote', () => {
    expect(parseDevicesCsv('').errors[0]?.message).toMatch(/empty/);
    expect(parseDevicesCsv('id,area\nx,y').errors).toEqual([{ line: 1, message: 'the header lacks kind' }]);
    expect(parseDevicesCsv('id,kind,id\n').errors).toEqual([{ line: 1, message: 'column "id" appears twice' }]);
    expect(parseCsv('a,"b\nc').error).toBe('line 1: a quoted field is not closed');
  });
});
