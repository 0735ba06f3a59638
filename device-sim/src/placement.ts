import { boundingBox, containsPoint, type Area } from '@ioc/core';

/**
 * A point (WGS84, 6 decimals ≈ 0.1 m) chosen uniformly inside an area's polygon by rejection sampling in its
 * bounding box.
 */
export function randomPointInArea(area: Area, random: () => number): { lat: number; lon: number } {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(area.geometry);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const lon = round6(minLon + random() * (maxLon - minLon));
    const lat = round6(minLat + random() * (maxLat - minLat));
    if (containsPoint(area.geometry, lon, lat)) return { lat, lon };
  }
  throw new Error(`could not place a point inside area ${area.id} (${area.name})`);
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
