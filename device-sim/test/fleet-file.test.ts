import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { containsPoint, loadHueAreas } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { buildFleet, distanceToWater, loadFleetFile, randomPointInArea, seededRandom, SIM_KINDS } from '@ioc/device-sim';

describe('fleet files', () => {
  const dir = tempDir('ioc-fleet-file-');
  const communes = loadHueAreas().filter((a) => a.level !== 'city');
  afterAll(() => dir.remove());

  it('the default fleet gives every commune air, noise and water sensors, a camera and a speaker cluster, inside it', () => {
    const fleet = buildFleet(loadFleetFile());
    expect(new Set(fleet.map((d) => d.id)).size).toBe(fleet.length);
    for (const area of communes) {
      const here = fleet.filter((d) => d.areaId === area.id);
      for (const kind of ['air', 'noise', 'water', 'camera'] as const) expect(here.some((d) => d.kind === kind), `${area.id} ${kind}`).toBe(true);
      expect(here.filter((d) => d.kind === 'speaker').length, area.id).toBeGreaterThanOrEqual(4);
      for (const device of here) expect(containsPoint(area.geometry, device.lon, device.lat), device.id).toBe(true);
    }
    expect(fleet.filter((d) => d.kind === 'air').length).toBeGreaterThanOrEqual(40);
  });

  it('puts water gauges on river or lagoon banks, much nearer the water than random points', () => {
    const fleet = buildFleet(loadFleetFile());
    const random = seededRandom(5);
    const gauges = fleet.filter((d) => d.kind === 'water');
    const gaugeDistance = gauges.map((d) => distanceToWater(d.lon, d.lat)).sort((a, b) => a - b);
    const randomDistance = gauges
      .map((d) => randomPointInArea(communes.find((a) => a.id === d.areaId)!, random))
      .map((p) => distanceToWater(p.lon, p.lat))
      .sort((a, b) => a - b);
    const median = (values: number[]) => values[Math.floor(values.length / 2)]!;
    expect(median(gaugeDistance)).toBeLessThan(median(randomDistance) / 3);
    expect(median(gaugeDistance)).toBeLessThan(0.01); // ≈ 1 km
  });

  it('reads YAML and JSON alike, with area overrides, intervals and a seed', () => {
    const data = { name: 'small', seed: 7, areas: ['19753', '20035'], per_area: { air: 2, speaker: 3 }, area_overrides: { '20035': { water: 1 } }, interval: { air: '5s', water: 60 } };
    writeFileSync(join(dir.path, 'small.yaml'), stringify(data));
    writeFileSync(join(dir.path, 'small.json'), JSON.stringify(data));
    const spec = loadFleetFile(join(dir.path, 'small.yaml'));
    expect(loadFleetFile(join(dir.path, 'small.json'))).toEqual({ ...spec });
    const fleet = buildFleet(spec);
    expect(fleet.map((d) => d.id)).toEqual(['air-19753-1', 'air-19753-2', 'speaker-19753-1', 'speaker-19753-2', 'speaker-19753-3', 'water-20035-1']);
    expect(fleet.find((d) => d.kind === 'air')!.intervalMs).toBe(5000);
    expect(fleet.find((d) => d.kind === 'water')!.intervalMs).toBe(60_000);
    expect(buildFleet(spec)).toEqual(fleet);
    expect(buildFleet({ ...spec, seed: 8 }).map((d) => d.lat)).not.toEqual(fleet.map((d) => d.lat));
    expect(SIM_KINDS).toContain('speaker');
  });

  it('explains what is wrong with a bad fleet file', () => {
    const write = (name: string, text: string) => {
      writeFileSync(join(dir.path, name), text);
      return join(dir.path, name);
    };
    expect(() => loadFleetFile(join(dir.path, 'none.yaml'))).toThrow(/none\.yaml: no such file/);
    expect(() => loadFleetFile(write('bad.json', '{'))).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadFleetFile(write('kind.yaml', 'per_area: { drone: 1 }'))).toThrow(/per_area: unknown device kind "drone"/);
    expect(() => loadFleetFile(write('count.yaml', 'per_area: { air: -1 }'))).toThrow(/per_area.air must be a whole number/);
    expect(() => loadFleetFile(write('field.yaml', 'devices: 3'))).toThrow(/unknown field "devices"/);
    expect(() => loadFleetFile(write('interval.yaml', 'interval: { air: soon }'))).toThrow(/interval.air must be a duration/);
    expect(() => buildFleet(loadFleetFile(write('area.yaml', 'areas: ["999"]\nper_area: { air: 1 }')))).toThrow(/unknown area "999"/);
  });
});
