/**
 * Per-series alarm state with hysteresis: an alarm is raised by a detection and cleared only after the likelihood
 * has stayed below `clearBelow` for `clearAfter` consecutive samples and for `clearAfterMs` of time since the last
 * sample that was not below it, so one episode is one raise and one clear. The environment's station alarms clear in
 * time (a station reporting every 10 s and one every 2 minutes stay raised as long); a camera's alarms clear after a
 * number of checks.
 */
export interface HysteresisOptions {
  clearBelow: number;
  clearAfter: number;
  /** Quiet time needed as well, ms (default 0: samples only); needs the samples' `ts`. */
  clearAfterMs?: number;
}

export const DEFAULT_HYSTERESIS: HysteresisOptions = { clearBelow: 0.9, clearAfter: 1, clearAfterMs: 60 * 60_000 };

export type Transition = 'raised' | 'cleared' | undefined;

export function createHysteresis(options: HysteresisOptions = DEFAULT_HYSTERESIS) {
  const clearAfterMs = options.clearAfterMs ?? 0;
  /** Per raised series: quiet samples in a row and the time of the last sample that was not quiet. */
  const active = new Map<string, { quiet: number; loudTs: number }>();
  return {
    /** Feeds one scored sample (taken at `ts`, ms); returns the transition it causes, if any. */
    update(key: string, detection: boolean, likelihood: number, ts = 0): Transition {
      const state = active.get(key);
      if (state === undefined) {
        if (!detection) return undefined;
        active.set(key, { quiet: 0, loudTs: ts });
        return 'raised';
      }
      if (likelihood >= options.clearBelow) {
        state.quiet = 0;
        state.loudTs = ts;
        return undefined;
      }
      state.quiet++;
      if (state.quiet < options.clearAfter || ts - state.loudTs < clearAfterMs) return undefined;
      active.delete(key);
      return 'cleared';
    },
    get active(): number {
      return active.size;
    },
  };
}
