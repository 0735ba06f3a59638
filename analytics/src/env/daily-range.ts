/**
 * A stream's usual daily range: the highest and lowest values it showed over the last day, kept per hour of time (a
 * tide, a rush hour and the night are inside it). A hazard (a flood, a pollution episode) takes a stream above the
 * highest it reached all day; a passing shower that lifts a river a few centimetres, or a rush hour like yesterday's,
 * does not. `push` returns how far a value is above that day's highest, as a share of the day's range: 0.5 is half
 * the day's swing above its peak. The latest hour (`recentMs`) is left out, so a rise is compared with the level before
 * it began, not with its own last steps.
 */
export interface DailyRangeOptions {
  /** The span the range is learned over, ms. */
  spanMs: number;
  /** The latest span left out (and the size of the kept buckets), ms. */
  recentMs: number;
  /** How much of the span a stream must have shown before its range counts, ms. */
  minHistoryMs: number;
}

export const DEFAULT_DAILY_RANGE: DailyRangeOptions = { spanMs: 24 * 3600_000, recentMs: 3600_000, minHistoryMs: 2 * 3600_000 };

export function createDailyRange(options: DailyRangeOptions = DEFAULT_DAILY_RANGE) {
  /** Per stream: bucket number → [highest, lowest] of the values in it. */
  const streams = new Map<string, Map<number, [number, number]>>();
  const kept = Math.round(options.spanMs / options.recentMs);
  const needed = Math.max(1, Math.round(options.minHistoryMs / options.recentMs));
  return {
    /** Adds a stream's value at `ts`; returns how far it is above the stream's last-day highest (share of the range), if known. */
    push(key: string, ts: number, value: number): number | undefined {
      let buckets = streams.get(key);
      if (!buckets) streams.set(key, (buckets = new Map()));
      const current = Math.floor(ts / options.recentMs);
      let highest = Number.NEGATIVE_INFINITY;
      let lowest = Number.POSITIVE_INFINITY;
      let counted = 0;
      for (const [bucket, [high, low]] of buckets) {
        if (bucket < current - kept) buckets.delete(bucket);
        else if (bucket < current) {
          highest = Math.max(highest, high);
          lowest = Math.min(lowest, low);
          counted++;
        }
      }
      const own = buckets.get(current);
      if (own) {
        own[0] = Math.max(own[0], value);
        own[1] = Math.min(own[1], value);
      } else buckets.set(current, [value, value]);
      if (counted < needed) return undefined;
      return (value - highest) / Math.max(highest - lowest, Number.EPSILON);
    },
  };
}
