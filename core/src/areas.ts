import { readFileSync } from 'node:fs';
import type { Queryable } from './db/types.ts';

/** GeoJSON geometry of an area (WGS84 lon/lat). */
export type AreaGeometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

export interface Area {
  id: string;
  name: string;
  level: 'city' | 'ward' | 'commune';
  parentId: string | null;
  geometry: AreaGeometry;
}

interface AreaFeature {
  properties: { id: string; name: string; level: Area['level']; parent_id: string | null };
  geometry: AreaGeometry;
}

const HUE_AREAS_FILE = new URL('../data/hue/hue-areas.geojson', import.meta.url);

/** Attribution that must be shown wherever the Huế areas are displayed (data/hue/SOURCE.md). */
export const HUE_AREAS_ATTRIBUTION =
  'Huế boundaries: outline from Open Development Mekong / Open Development Vietnam "Địa phận tỉnh" (Dept of Survey and Mapping), CC BY-SA 4.0, via TaliaCao/Vietnam-Shape-Map; commune codes and points © Open Admin Data (open-admin-data/vietnam-administrative-divisions), CC BY 4.0; names from dvhcvn/20250701 (MIT). Commune areas are approximate (Voronoi). Dataset CC BY-SA 4.0.';

let cached: Area[] | undefined;

/** The shipped Huế areas: the city outline first, then the 40 communes and wards (names NFC). */
export function loadHueAreas(): Area[] {
  cached ??= (JSON.parse(readFileSync(HUE_AREAS_FILE, 'utf8')) as { features: AreaFeature[] }).features.map((f) => ({
    id: f.properties.id,
    name: f.properties.name.normalize('NFC'),
    level: f.properties.level,
    parentId: f.properties.parent_id,
    geometry: f.geometry,
  }));
  return cached;
}

/** Inserts the shipped areas that are missing (parents first); existing rows are left as administrators edited them. */
export async function seedAreas(db: Queryable, areas: Area[] = loadHueAreas()): Promise<void> {
  for (const area of areas) {
    await db.query(
      'INSERT INTO areas (id, name, level, parent_id, geometry) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
      [area.id, area.name, area.level, area.parentId, JSON.stringify(area.geometry)],
    );
  }
}

function insideRing(lon: number, lat: number, ring: number[][]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a lon/lat point lies inside a (multi)polygon, holes respected. */
export function containsPoint(geometry: AreaGeometry, lon: number, lat: number): boolean {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.some(
    ([outer, ...holes]) => outer !== undefined && insideRing(lon, lat, outer) && !holes.some((h) => insideRing(lon, lat, h)),
  );
}

/** The commune/ward containing a point, if any. */
export function findArea(lon: number, lat: number, areas: Area[] = loadHueAreas()): Area | undefined {
  return areas.find((a) => a.level !== 'city' && containsPoint(a.geometry, lon, lat));
}

/** Bounding box [minLon, minLat, maxLon, maxLat] of a geometry. */
export function boundingBox(geometry: AreaGeometry): [number, number, number, number] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygons) {
    for (const [lon, lat] of polygon[0] ?? []) {
      box[0] = Math.min(box[0], lon as number);
      box[1] = Math.min(box[1], lat as number);
      box[2] = Math.max(box[2], lon as number);
      box[3] = Math.max(box[3], lat as number);
    }
  }
  return box;
}
