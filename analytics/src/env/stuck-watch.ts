/**
 * A stuck sensor repeats one value. Each stream learns the longest run of equal consecutive readings it shows in
 * normal operation (a rain gauge reads 0 for days; a water-level gauge almost never repeats to the millimetre), and
 * a run more than `factor` times longer than any it has shown (and at least `minRun`) is stuck. Runs that ended
 * without being called stuck keep teaching the stream what is normal.
 */
export interface StuckOptions {
  /** Readings a stream needs before it can be stuck. */
  minReadings: number;
  /** Shortest run of repeated readings that can be stuck. */
  minRun: number;
  /** How many times longer than the longest normal run a stuck run is. */
  factor: number;
}

export const DEFAULT_STUCK: StuckOptions = { minReadings: 300, minRun: 5, factor: 2 };

interface Run {
  last: number;
  run: number;
  longest: number;
  n: number;
  stuck: boolean;
}

export function createStuckWatch(options: StuckOptions = DEFAULT_STUCK) {
  const streams = new Map<string, Run>();
  return {
    /** Adds a reading; returns whether the stream is stuck now. */
    push(key: string, value: number): boolean {
      let state = streams.get(key);
      if (!state) streams.set(key, (state = { last: Number.NaN, run: 0, longest: 0, n: 0, stuck: false }));
      state.n++;
      if (value === state.last) state.run++;
      else {
        if (!state.stuck) state.longest = Math.max(state.longest, state.run);
        state.run = 0;
        state.stuck = false;
      }
      state.last = value;
      state.stuck = state.n >= options.minReadings && state.run >= Math.max(options.minRun, options.factor * state.longest + 1);
      return state.stuck;
    },
  };
}
