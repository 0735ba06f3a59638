/**
 * Per-series alarm state with hysteresis: an alarm is raised by a detection and cleared only after the likelihood
 * has stayed below `clearBelow` for `clearAfter` consecutive samples, so one episode is one raise and one clear.
 */
export interface HysteresisOptions {
  clearBelow: number;
  clearAfter: number;
}

export const DEFAULT_HYSTERESIS: HysteresisOptions = { clearBelow: 0.9, clearAfter: 30 };

export type Transition = 'raised' | 'cleared' | undefined;

export function createHysteresis(options: HysteresisOptions = DEFAULT_HYSTERESIS) {
  const active = new Map<string, number>();
  return {
    /** Feeds one scored sample; returns the transition it causes, if any. */
    update(key: string, detection: boolean, likelihood: number): Transition {
      const quiet = active.get(key);
      if (quiet === undefined) {
        if (!detection) return undefined;
        active.set(key, 0);
        return 'raised';
      }
      const nowQuiet = likelihood < options.clearBelow ? quiet + 1 : 0;
      if (nowQuiet >= options.clearAfter) {
        active.delete(key);
        return 'cleared';
      }
      active.set(key, nowQuiet);
      return undefined;
    },
    get active(): number {
      return active.size;
    },
  };
}
