import type { Logger } from '@ioc/core';

export interface BatcherOptions<T> {
  /** What is batched, for log lines: "telemetry points". */
  what: string;
  write(items: T[]): Promise<void>;
  /** Items per write; reaching it flushes at once. */
  batchSize: number;
  /** Longest an item waits before it is written. */
  flushMs: number;
  /** Items kept while writes fail; beyond it, hasRoom() makes producers wait. */
  maxPending: number;
  logger: Logger;
  retryMs?: { first: number; max: number };
}

export interface Batcher<T> {
  add(item: T): void;
  /** Resolves once fewer than maxPending items wait (at once, usually): the producer's backpressure. */
  hasRoom(): Promise<void>;
  readonly pending: number;
  readonly written: number;
  readonly failedWrites: number;
  /** Whether the last write failed and a retry is due. */
  readonly retrying: boolean;
  readonly lastError: string | undefined;
  /** Stops the timers and makes one last attempt to write what is left; what still fails is logged as lost. */
  close(): Promise<void>;
}

/**
 * Collects items and writes them in batches. A failed write keeps its batch (in order) and is retried with
 * exponential backoff; nothing is dropped while the batcher runs.
 */
export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const { what, write, batchSize, flushMs, maxPending, logger } = options;
  const retry = options.retryMs ?? { first: 100, max: 5000 };
  const queue: T[] = [];
  const waiting: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let retrying = false;
  let backoff = retry.first;
  let writing: Promise<void> | undefined;
  let written = 0;
  let failedWrites = 0;
  let lastError: string | undefined;
  let closed = false;

  function schedule(delay: number): void {
    if (!timer && !closed) timer = setTimeout(flush, delay);
  }

  function releaseWaiting(): void {
    while (waiting.length > 0 && (queue.length < maxPending || closed)) waiting.shift()?.();
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (writing || queue.length === 0) return;
    const batch = queue.splice(0, batchSize);
    writing = write(batch).then(
      () => {
        written += batch.length;
        retrying = false;
        backoff = retry.first;
      },
      (error: unknown) => {
        queue.unshift(...batch);
        failedWrites++;
        lastError = (error as Error).message;
        logger.error({ err: error, pending: queue.length, retryInMs: backoff }, `writing ${batch.length} ${what} failed; retrying`);
        retrying = true;
      },
    ).finally(() => {
      writing = undefined;
      releaseWaiting();
      if (retrying) {
        schedule(backoff);
        backoff = Math.min(backoff * 2, retry.max);
      } else if (queue.length >= batchSize) {
        flush();
      } else if (queue.length > 0) {
        schedule(flushMs);
      }
    });
  }

  return {
    add(item) {
      if (closed) {
        logger.error(`${what}: one arrived after stop and is lost`);
        return;
      }
      queue.push(item);
      if (retrying || writing) return;
      if (queue.length >= batchSize) flush();
      else schedule(flushMs);
    },
    hasRoom() {
      if (queue.length < maxPending || closed) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    get pending() {
      return queue.length;
    },
    get written() {
      return written;
    },
    get failedWrites() {
      return failedWrites;
    },
    get retrying() {
      return retrying;
    },
    get lastError() {
      return lastError;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      while (writing) await writing;
      releaseWaiting();
      while (queue.length > 0) {
        const batch = queue.splice(0, batchSize);
        try {
          await write(batch);
          written += batch.length;
        } catch (error) {
          const lost = batch.length + queue.splice(0).length;
          logger.error({ err: error }, `${lost} ${what} could not be written before stop and are lost`);
        }
      }
    },
  };
}
