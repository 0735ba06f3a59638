import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HUE_AREAS_ATTRIBUTION, boundingBox, containsPoint, findArea, loadHueAreas } from '@ioc/core';

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
    expect(HUE_AREAS_ATTRIBUTION).toMatch(/CC BY-SA 4\.0/);
  });
});
