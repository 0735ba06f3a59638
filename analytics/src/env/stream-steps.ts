/**
 * The environment detector judges each stream as one value per step of time — the mean of its readings in the step —
 * however often the station reports. Its parts count values (the novelty detector's 2000-value window, 64-value
 * warm-up and 100-value quiet period after a detection) or see every value they are given (a judgement per value: 12
 * times more chances of a chance departure at 10-s reports than at 2-minute ones); with 2-minute steps the window is
 * 2.8 days (a daily cycle it has seen before) and a station is judged every 2 minutes, whether it reports every 10 s
 * or every 2 minutes. A step is handed over by the stream's first reading of a later step.
 */
export const DEFAULT_STEP_MS = 2 * 60_000;

export interface StepValue {
  /** The step's end, ms: every stream's step covering the same time has the same `ts`. */
  ts: number;
  /** The mean of the stream's readings in the step. */
  value: number;
}

export function createStreamSteps(stepMs = DEFAULT_STEP_MS) {
  const open = new Map<string, { step: number; sum: number; n: number }>();
  return {
    /** Adds a reading; returns the stream's previous step when this reading is the first of a later one. */
    add(key: string, ts: number, value: number): StepValue | undefined {
      const step = Math.floor(ts / stepMs);
      const current = open.get(key);
      if (!current) return void open.set(key, { step, sum: value, n: 1 });
      if (step <= current.step) {
        current.sum += value;
        current.n++;
        return undefined;
      }
      open.set(key, { step, sum: value, n: 1 });
      return { ts: (current.step + 1) * stepMs, value: current.sum / current.n };
    },
  };
}
