import type { Logger } from '@ioc/core';

/**
 * Runs database writes one after another, off the broker's path: the broker never waits for them, a failure
 * is logged (never thrown), and `idle()` lets stop() wait for the ones still queued.
 */
export interface BackgroundWriter {
  run(what: string, task: () => Promise<void>): void;
  readonly queued: number;
  readonly failures: number;
  idle(): Promise<void>;
}

export function createBackgroundWriter(logger: Logger): BackgroundWriter {
  let tail: Promise<void> = Promise.resolve();
  let queued = 0;
  let failures = 0;
  return {
    run(what, task) {
      queued++;
      tail = tail
        .then(task)
        .catch((error: unknown) => {
          failures++;
          logger.error({ err: error }, `database write failed: ${what}`);
        })
        .finally(() => {
          queued--;
        });
    },
    get queued() {
      return queued;
    },
    get failures() {
      return failures;
    },
    async idle() {
      while (queued > 0) await tail;
    },
  };
}
