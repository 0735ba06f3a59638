/**
 * Approximate courses (lon, lat) of Huế's main rivers and lagoons, enough to put water-level gauges on their banks:
 * the Perfume River (Sông Hương) to the Thuận An mouth, the Bồ and Ô Lâu rivers, the Tam Giang – Cầu Hai lagoon,
 * the Truồi and A Sáp rivers, and the Lăng Cô lagoon. Hand-traced; not survey data.
 */
export const HUE_WATERWAYS: readonly (readonly [number, number])[][] = [
  [[107.45, 16.32], [107.53, 16.4], [107.55, 16.44], [107.565, 16.455], [107.58, 16.468], [107.6, 16.475], [107.62, 16.49], [107.63, 16.52], [107.64, 16.56]],
  [[107.35, 16.45], [107.42, 16.5], [107.49, 16.55], [107.55, 16.56]],
  [[107.2, 16.55], [107.3, 16.6], [107.36, 16.66]],
  [[107.3, 16.68], [107.4, 16.64], [107.5, 16.6], [107.58, 16.57], [107.64, 16.56], [107.7, 16.51], [107.78, 16.45], [107.85, 16.4], [107.9, 16.32], [107.95, 16.28]],
  [[107.6, 16.15], [107.62, 16.25], [107.65, 16.35], [107.68, 16.4]],
  [[107.1, 16.3], [107.2, 16.22], [107.3, 16.15]],
  [[108.0, 16.24], [108.08, 16.25]],
];

function distanceToSegment(x: number, y: number, [ax, ay]: readonly [number, number], [bx, by]: readonly [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/** Distance in degrees from a point to the nearest waterway. */
export function distanceToWater(lon: number, lat: number, waterways = HUE_WATERWAYS): number {
  let best = Infinity;
  for (const line of waterways) {
    for (let i = 1; i < line.length; i++) best = Math.min(best, distanceToSegment(lon, lat, line[i - 1]!, line[i]!));
  }
  return best;
}
