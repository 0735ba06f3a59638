/**
 * A raised station alarm whose judgement keeps naming another label (a sensor fault appearing inside a pollution
 * episode, or an "anomaly" that the neighbours turn into an episode) is relabelled: the old alarm is cleared and one
 * with the new label raised, so operators and alerting see what it has become. The new label must hold for `after`
 * judgements in a row, so that a label flickering between two judgements does not become a stream of alarms.
 */
export function createRelabel(after: number) {
  /** Per device: the other label its judgements gave in a row, and how many times. */
  const pending = new Map<string, { label: string; count: number }>();
  return {
    /** Whether the alarm raised as `current` should now become `judged` (undefined: judged unremarkable this time). */
    update(deviceId: string, current: string, judged: string | undefined): boolean {
      if (judged === undefined || judged === current) {
        pending.delete(deviceId);
        return false;
      }
      const run = pending.get(deviceId);
      const count = run?.label === judged ? run.count + 1 : 1;
      if (count < after) {
        pending.set(deviceId, { label: judged, count });
        return false;
      }
      pending.delete(deviceId);
      return true;
    },
    /** The alarm cleared: nothing pending for it. */
    forget(deviceId: string): void {
      pending.delete(deviceId);
    },
  };
}
