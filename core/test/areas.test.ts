import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundingBox, containsPoint, ConfigError, findArea, loadAreaSet, loadCommonConfig, loadHueAreas } from '@ioc/core';

interface CommunePoint {
  properties: { id: string; name: string };
  geometry: { type: 'Point'; coordinates: [number, number] };
}

const points = (
  JSON.parse(readFileSync(new URL('../data/hue/hue-commune-points.geojson', import.meta.url), 'utf8')) as { features: CommunePoint[] }
).features;

describe('Huế areas', () => {
  const areas = loadHueAreas();

  it('are the city outline first, then 40 communes and wards of it, names NFC', () => {
    expect(areas).toHaveLength(41);
    const [city, ...communes] = areas;
    expect(city?.level).toBe('city');
    expect(communes).toHaveLength(40);
    expect(new Set(communes.map((a) => a.id)).size).toBe(40);
    for (const commune of communes) {
      expect(['ward', 'commune']).toContain(commune.level);
      expect(commune.parentId).toBe(city?.id);
      expect(commune.name).toBe(commune.name.normalize('NFC'));
    }
  });

  it('each hold their own commune anchor point', () => {
    expect(points).toHaveLength(40);
    for (const point of points) {
      const [lon, lat] = point.geometry.coordinates;
      const own = areas.find((a) => a.id === point.properties.id);
      expect(own, point.properties.name).toBeDefined();
      expect(containsPoint(own!.geometry, lon, lat), point.properties.name).toBe(true);
      expect(findArea(lon, lat)?.id, point.properties.name).toBe(point.properties.id);
    }
  });

  it('lie inside the city outline, and a point far away lies in none', () => {
    const city = areas[0]!;
    for (const point of points) expect(containsPoint(city.geometry, ...point.geometry.coordinates)).toBe(true);
    expect(findArea(105.85, 21.03)).toBeUndefined(); // Hà Nội
    const [minLon, minLat, maxLon, maxLat] = boundingBox(city.geometry);
    expect(minLon).toBeLessThan(maxLon);
    expect(minLat).toBeLessThan(maxLat);
    expect(minLon).toBeGreaterThan(106.5);
    expect(maxLon).toBeLessThan(108.5);
  });

  it('respect holes in polygons', () => {
    const square = (x: number, size: number) => [
      [x, x],
      [x + size, x],
      [x + size, x + size],
      [x, x + size],
      [x, x],
    ];
    const donut = { type: 'Polygon' as const, coordinates: [square(0, 10), square(4, 2)] };
    expect(containsPoint(donut, 1, 1)).toBe(true);
    expect(containsPoint(donut, 5, 5)).toBe(false);
    expect(containsPoint({ type: 'MultiPolygon', coordinates: [[square(0, 1)], [square(5, 1)]] }, 5.5, 5.5)).toBe(true);
  });

  it('carry their attribution', () => {
    expect(loadAreaSet().attribution).toMatch(/^Huế boundaries: .*CC BY-SA 4\.0/);
  });
});

describe('area sets from a directory (IOC_AREAS_DIR)', () => {
  const small = new URL('../../test/fixtures/areas-small/', import.meta.url).pathname;

  it('loads another province: its areas, parents first, names NFC, and its attribution', () => {
    const set = loadAreaSet(small);
    expect(set.areas.map((a) => [a.id, a.level, a.parentId])).toEqual([['T', 'city', null], ['T-1', 'commune', 'T'], ['T-2', 'ward', 'T']]);
    expect(set.areas[2]?.name).toBe('Phường Đông'.normalize('NFC'));
    expect(set.attribution).toBe("Test areas: two made-up squares for the IOC's tests (CC0).");
    expect(findArea(108.25, 16.05, set.areas)?.id).toBe('T-2');
    expect(findArea(108.15, 16.05, set.areas)?.id).toBe('T-1');
    expect(loadCommonConfig({ IOC_AREAS_DIR: small }).areasDir).toBe(small.replace(/\/$/, ''));
  });

  it.each([
    ['no areas file', {}, /areas\.geojson: missing/],
    ['no attribution', { 'areas.geojson': readFileSync(join(small, 'areas.geojson'), 'utf8') }, /attribution\.txt: missing/],
    ['an empty attribution', { 'areas.geojson': readFileSync(join(small, 'areas.geojson'), 'utf8'), 'attribution.txt': ' \n' }, /attribution\.txt: is empty/],
    ['malformed JSON', { 'areas.geojson': '{', 'attribution.txt': 'x' }, /areas\.geojson: .*JSON/],
    ['a bad level', { 'areas.geojson': readFileSync(join(small, 'areas.geojson'), 'utf8').replace('"ward"', '"district"'), 'attribution.txt': 'x' }, /feature 2 \("T-2"\): properties\.level must be one of city, ward, commune/],
    ['an unknown parent', { 'areas.geojson': readFileSync(join(small, 'areas.geojson'), 'utf8').replace('"parent_id": "T"', '"parent_id": "Q"'), 'attribution.txt': 'x' }, /"T-1" names an unknown parent "Q"/],
  ])('refuses a directory with %s, naming IOC_AREAS_DIR and the file', (_case, files, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'ioc-areas-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      expect(() => loadCommonConfig({ IOC_AREAS_DIR: dir })).toThrow(ConfigError);
      expect(() => loadCommonConfig({ IOC_AREAS_DIR: dir })).toThrow(/^IOC_AREAS_DIR: /);
      expect(() => loadAreaSet(dir)).toThrow(reason);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
