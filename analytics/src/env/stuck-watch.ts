/**
 * A stuck sensor repeats one value. Each stream learns how often its consecutive readings are equal (a rain gauge
 * reads 0 for days; a water-level gauge almost never repeats to the millimetre), and a run of repeats that this
 * stream would produce by chance less than once in `improbable` is stuck.
 */
export interface StuckOptions {
  /** Readings a stream needs before it can be stuck (its repeat rate is learned over them). */
  minReadings: number;
  /** Shortest run of repeated readings that can be stuck. */
  minRun: number;
  /** A run this improbable (repeat rate ^ run length) is stuck. */
  improbable: number;
}

export const DEFAULT_STUCK: StuckOptions = { minReadings: 300, minRun: 5, improbable: 1e-4 };

interface Run {
  last: number;
  run: number;
  repeatRate: number;
  n: number;
}

export function createStuckWatch(options: StuckOptions = DEFAULT_STUCK) {
  const streams = new Map<string, Run>();
  return {
    /** Adds a reading; returns whether the stream is stuck now. */
    push(key: string, value: number): boolean {
      let state = streams.get(key);
      if (!state) streams.set(key, (state = { last: Number.NaN, run: 0, repeatRate: 0, n: 0 }));
      const repeated = value === state.last;
      state.run = repeated ? state.run + 1 : 0;
      state.last = value;
      // Learned while the stream is not in a long run, so a stuck stretch does not teach that repeats are normal.
      if (state.run < options.minRun || state.n < options.minReadings) {
        state.repeatRate += Math.max(1 / (state.n + 1), 1 / 500) * ((repeated ? 1 : 0) - state.repeatRate);
        state.n++;
      }
      return state.n >= options.minReadings && state.run >= options.minRun && Math.max(state.repeatRate, 0.01) ** state.run < options.improbable;
    },
  };
}
