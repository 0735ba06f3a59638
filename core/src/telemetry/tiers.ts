/** How long each tier of telemetry is kept, in ms; `hour` undefined keeps hourly rollups forever. */
export interface Retention {
  raw: number;
  minute: number;
  hour?: number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION: Retention = { raw: 30 * DAY_MS, minute: 365 * DAY_MS };

/** Where a range query reads: raw points, or the 1-minute or 1-hour rollups. */
export type Tier = 'raw' | '1m' | '1h';
export const ROLLUP_MS = { '1m': 60_000, '1h': 3_600_000 } as const;

/**
 * The coarsest tier whose buckets fit whole into buckets of `every` ms (aligned on the epoch, as both adapters
 * align them), so a rollup gives exactly what the raw points would: `every` of 1 h or 1 d reads hourly rollups,
 * 5 min reads minute rollups, 30 s or no `every` reads raw points.
 */
export function tierFor(every: number | undefined): Tier {
  if (every === undefined) return 'raw';
  if (every % ROLLUP_MS['1h'] === 0) return '1h';
  if (every % ROLLUP_MS['1m'] === 0) return '1m';
  return 'raw';
}
