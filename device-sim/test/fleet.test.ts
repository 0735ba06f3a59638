import { describe, expect, it } from 'vitest';
import { containsPoint, findArea, loadHueAreas } from '@ioc/core';
import { hueAirFleet } from '@ioc/device-sim';

describe('hueAirFleet', () => {
  const communes = loadHueAreas().filter((a) => a.level !== 'city');
  const fleet = hueAirFleet();

  it('places one air-quality station in each of the 40 communes and wards', () => {
    expect(communes).toHaveLength(40);
    expect(fleet).toHaveLength(40);
    expect(new Set(fleet.map((d) => d.areaId))).toEqual(new Set(communes.map((a) => a.id)));
    for (const device of fleet) expect(device.id).toBe(`air-${device.areaId}-1`);
  });

  it('puts each station inside its own commune', () => {
    for (const device of fleet) {
      const area = communes.find((a) => a.id === device.areaId)!;
      expect(containsPoint(area.geometry, device.lon, device.lat), device.id).toBe(true);
      expect(findArea(device.lon, device.lat)?.id, device.id).toBe(device.areaId);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(hueAirFleet()).toEqual(fleet);
    const other = hueAirFleet({ seed: 7 });
    expect(other.map((d) => d.id)).toEqual(fleet.map((d) => d.id));
    expect(other.map((d) => [d.lat, d.lon])).not.toEqual(fleet.map((d) => [d.lat, d.lon]));
  });
});
