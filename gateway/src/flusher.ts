import type { Logger } from '@ioc/core';

/**
 * Runs `flush` off the broker's path, one run at a time: `later()` within `intervalMs`, `soon()` on the next
 * turn of the event loop. Whatever arrives while a run is under way waits for the next one, so batches grow
 * with the load instead of the number of writes. A failing run is logged and retried after `intervalMs`; the
 * caller keeps what it could not write.
 */
export function createFlusher(deps: { flush: () => Promise<void>; intervalMs: number; logger: Logger; what: string }) {
  const { flush, intervalMs, logger, what } = deps;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let running: Promise<void> | undefined;
  let next: 'soon' | 'later' | undefined;
  let failures = 0;

  function run(): void {
    clearTimeout(timer);
    clearImmediate(immediate);
    timer = immediate = undefined;
    if (running) {
      next = 'soon';
      return;
    }
    running = flush()
      .catch((error: unknown) => {
        failures++;
        next ??= 'later'; // retry what is still pending
        logger.error({ err: error }, `database write failed: ${what}`);
      })
      .finally(() => {
        running = undefined;
        const then = next;
        next = undefined;
        if (then === 'soon') flusher.soon();
        else if (then === 'later') flusher.later();
      });
  }

  const flusher = {
    soon(): void {
      if (running) next = 'soon';
      else if (!immediate) {
        clearTimeout(timer);
        timer = undefined;
        immediate = setImmediate(run);
      }
    },
    later(): void {
      if (running) next ??= 'later';
      else if (!timer && !immediate) {
        timer = setTimeout(run, intervalMs);
        timer.unref();
      }
    },
    /** Runs what is pending now, waits until no run is under way, and leaves no retry scheduled (for stop()). */
    async drain(): Promise<void> {
      if (!running) run();
      while (running) await running;
      clearTimeout(timer);
      clearImmediate(immediate);
      timer = immediate = undefined;
    },
    get failures(): number {
      return failures;
    },
  };
  return flusher;
}
