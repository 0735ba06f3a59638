import type { AreaCollection, AreaFeature } from './types.ts';

export type Bounds = [[number, number], [number, number]];

function polygonsOf(feature: AreaFeature): number[][][][] {
  const { type, coordinates } = feature.geometry;
  return type === 'Polygon' ? [coordinates as number[][][]] : (coordinates as number[][][][]);
}

/** South-west and north-east corners around the city outline (or all areas when there is none). */
export function areasBounds(areas: AreaCollection): Bounds | null {
  const city = areas.features.filter((f) => f.properties.level === 'city');
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (const feature of city.length > 0 ? city : areas.features) {
    for (const polygon of polygonsOf(feature)) {
      for (const [lon, lat] of polygon[0] ?? []) {
        minLon = Math.min(minLon, lon as number);
        minLat = Math.min(minLat, lat as number);
        maxLon = Math.max(maxLon, lon as number);
        maxLat = Math.max(maxLat, lat as number);
      }
    }
  }
  return Number.isFinite(minLon) ? [[minLon, minLat], [maxLon, maxLat]] : null;
}

function ringArea(ring: number[][]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    sum += xj * yi - xi * yj;
  }
  return sum / 2;
}

function ringCentroid(ring: number[][]): [number, number] {
  const area = ringArea(ring);
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    const cross = xj * yi - xi * yj;
    cx += (xj + xi) * cross;
    cy += (yj + yi) * cross;
  }
  return [cx / (6 * area), cy / (6 * area)];
}

export interface AreaLabel {
  id: string;
  name: string;
  position: [number, number];
  /** Lowest map zoom at which the area is big enough on screen to carry its name. */
  minZoom: number;
}

/** A label needs about this many square pixels of its area to be readable without crowding its neighbours. */
const LABEL_AREA_PX = 2800;

/** Web Mercator: the zoom at which a polygon of `areaDeg2` square degrees (at latitude `lat`) covers `px` square pixels. */
function zoomForArea(areaDeg2: number, lat: number, px: number): number {
  const mercatorArea = areaDeg2 / Math.cos((lat * Math.PI) / 180);
  return Math.log2(Math.sqrt(px / mercatorArea) * (360 / 512));
}

/** Drops the administrative prefix: "Phường Phú Xuân" → "Phú Xuân", "Xã A Lưới 1" → "A Lưới 1". */
export function shortName(name: string): string {
  return name.replace(/^(Phường|Xã|Thị trấn)\s+/u, '');
}

/** One label per commune/ward, at the centroid of its largest part. */
export function areaLabels(areas: AreaCollection): AreaLabel[] {
  return areas.features
    .filter((f) => f.properties.level !== 'city')
    .map((feature) => {
      const outer = polygonsOf(feature)
        .map((p) => p[0] ?? [])
        .reduce((a, b) => (Math.abs(ringArea(b)) > Math.abs(ringArea(a)) ? b : a));
      const position = ringCentroid(outer);
      const minZoom = zoomForArea(Math.abs(ringArea(outer)), position[1], LABEL_AREA_PX);
      return { id: feature.properties.id, name: shortName(feature.properties.name), position, minZoom };
    });
}

/** Area names by id, for tooltips and lists. */
export function areaNames(areas: AreaCollection): Map<string, string> {
  return new Map(areas.features.map((f) => [f.properties.id, f.properties.name]));
}
