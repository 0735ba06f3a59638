import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  properties?: { id?: unknown; name?: unknown; level?: unknown; parent_id?: unknown };
  geometry?: { type?: unknown; coordinates?: unknown };
}

/** A province's areas and the attribution that must be shown wherever they are displayed. */
export interface AreaSet {
  areas: Area[];
  attribution: string;
}

/**
 * The area set the IOC ships: Huế's city outline and its 40 communes and wards (core/data/hue, CC BY-SA 4.0; see
 * its SOURCE.md). Another province points IOC_AREAS_DIR at a directory of the same shape instead.
 */
export const DEFAULT_AREAS_DIR = fileURLToPath(new URL('../data/hue/', import.meta.url));
/** The files of an area-set directory. */
export const AREA_SET_FILES = { areas: 'areas.geojson', attribution: 'attribution.txt' } as const;

const LEVELS: readonly Area['level'][] = ['city', 'ward', 'commune'];

/** Thrown for an area set that cannot be used; the message names the file and what is wrong. */
export class AreaSetError extends Error {
  override name = 'AreaSetError';
}

function toArea(feature: AreaFeature, index: number, file: string): Area {
  const { id, name, level, parent_id: parentId } = feature.properties ?? {};
  const where = `${file}: feature ${index}`;
  if (typeof id !== 'string' || !id) throw new AreaSetError(`${where}: properties.id must be a non-empty string`);
  if (typeof name !== 'string' || !name) throw new AreaSetError(`${where} ("${id}"): properties.name must be a non-empty string`);
  if (!LEVELS.includes(level as Area['level'])) throw new AreaSetError(`${where} ("${id}"): properties.level must be one of ${LEVELS.join(', ')}`);
  if (parentId !== null && parentId !== undefined && typeof parentId !== 'string') throw new AreaSetError(`${where} ("${id}"): properties.parent_id must be a string or null`);
  const type = feature.geometry?.type;
  if ((type !== 'Polygon' && type !== 'MultiPolygon') || !Array.isArray(feature.geometry?.coordinates)) {
    throw new AreaSetError(`${where} ("${id}"): geometry must be a Polygon or MultiPolygon`);
  }
  return { id, name: name.normalize('NFC'), level: level as Area['level'], parentId: parentId ?? null, geometry: feature.geometry as AreaGeometry };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AreaSetError(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message}`);
  }
}

const loaded = new Map<string, AreaSet>();

/**
 * Reads an area-set directory: `areas.geojson` (a FeatureCollection whose features have properties `{id, name,
 * level: city|ward|commune, parent_id}`, WGS84) and `attribution.txt` (the line the map shows). Parents come before
 * their children, names are NFC. Read once per directory; throws AreaSetError naming the file and the problem.
 */
export function loadAreaSet(dir: string = DEFAULT_AREAS_DIR): AreaSet {
  const key = resolve(dir);
  const cached = loaded.get(key);
  if (cached) return cached;
  const areasFile = join(key, AREA_SET_FILES.areas);
  let collection: { features?: unknown };
  try {
    collection = JSON.parse(readText(areasFile)) as { features?: unknown };
  } catch (error) {
    throw error instanceof AreaSetError ? error : new AreaSetError(`${areasFile}: ${(error as Error).message}`);
  }
  if (!Array.isArray(collection.features) || collection.features.length === 0) throw new AreaSetError(`${areasFile}: must be a FeatureCollection with features`);
  const areas = (collection.features as AreaFeature[]).map((feature, index) => toArea(feature, index, areasFile));
  const ids = new Set(areas.map((a) => a.id));
  for (const area of areas) {
    if (area.parentId !== null && !ids.has(area.parentId)) throw new AreaSetError(`${areasFile}: "${area.id}" names an unknown parent "${area.parentId}"`);
  }
  areas.sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null));
  const attribution = readText(join(key, AREA_SET_FILES.attribution)).trim();
  if (!attribution) throw new AreaSetError(`${join(key, AREA_SET_FILES.attribution)}: is empty; the map data's licence needs its attribution`);
  const set = { areas, attribution };
  loaded.set(key, set);
  return set;
}

/** The shipped Huế areas: the city outline first, then the 40 communes and wards (names NFC). */
export function loadHueAreas(): Area[] {
  return loadAreaSet(DEFAULT_AREAS_DIR).areas;
}

/** Inserts the areas that are missing (parents first); existing rows are left as administrators edited them. */
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
