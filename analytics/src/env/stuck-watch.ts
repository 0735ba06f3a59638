/**
 * A stuck sensor repeats one value. Each stream learns the longest run of equal consecutive readings it shows in
 * normal operation, in time (a rain gauge reads 0 for days; a water-level gauge almost never repeats to the
 * millimetre), and a run more than `factor` times longer than any it has shown (and at least `minRunMs`) is stuck.
 * Runs that ended without being called stuck keep teaching the stream what is normal (a run lasts from its first
 * reading to the next different one; the current one, to the latest reading). Everything is measured in
 * time, not readings, so a station judges the same whether it reports every 10 s or every 2 minutes.
 */
export interface StuckOptions {
  /** How long a stream is watched before it can be stuck, ms. */
  warmupMs: number;
  /** Shortest run of repeated readings that can be stuck, ms from the first of them to the latest. */
  minRunMs: number;
  /** How many times longer than the longest normal run a stuck run is. */
  factor: number;
}

export const DEFAULT_STUCK: StuckOptions = { warmupMs: 12 * 3600_000, minRunMs: 10 * 60_000, factor: 2 };

interface Run {
  firstTs: number;
  last: number;
  /** When the current run of equal readings began (its first reading), ms. */
  runStart: number;
  longestMs: number;
  stuck: boolean;
}

export function createStuckWatch(options: StuckOptions = DEFAULT_STUCK) {
  const streams = new Map<string, Run>();
  return {
    /** Adds a reading at `ts`; returns whether the stream is stuck now. */
    push(key: string, ts: number, value: number): boolean {
      let state = streams.get(key);
      if (!state) streams.set(key, (state = { firstTs: ts, last: Number.NaN, runStart: ts, longestMs: 0, stuck: false }));
      if (value !== state.last) {
        // The value held from the run's first reading until this one.
        if (!state.stuck) state.longestMs = Math.max(state.longestMs, ts - state.runStart);
        state.runStart = ts;
        state.stuck = false;
      }
      state.last = value;
      const runMs = ts - state.runStart;
      state.stuck = ts - state.firstTs >= options.warmupMs && runMs >= options.minRunMs && runMs > options.factor * state.longestMs;
      return state.stuck;
    },
  };
}
