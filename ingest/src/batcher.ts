import type { Logger } from '@ioc/core';
import type { Spill } from './spill.ts';

export interface BatcherOptions<T> {
  /** What is batched, for log lines: "telemetry points". */
  what: string;
  write(items: T[]): Promise<void>;
  /** Items per write; reaching it flushes at once. */
  batchSize: number;
  /** Longest an item waits before it is written. */
  flushMs: number;
  /** Items kept in memory; beyond it, hasRoom() makes producers wait. */
  maxPending: number;
  logger: Logger;
  retryMs?: { first: number; max: number };
  /** Writes of new items allowed at once (default 1); the spill is always replayed one write at a time. */
  concurrency?: number;
  /**
   * Where items go while writes fail and more than `spillAt` wait in memory; replayed once writes succeed
   * again, interleaved with new items. Without it, items wait in memory only.
   */
  spill?: Spill<T>;
  /** Items in memory that start spilling while writes fail (default half of maxPending). */
  spillAt?: number;
}

export interface Batcher<T> {
  add(item: T): void;
  /** Resolves once fewer than maxPending items wait in memory (at once, usually): the producer's backpressure. */
  hasRoom(): Promise<void>;
  /** Items waiting in memory. */
  readonly pending: number;
  /** Whether maxPending items wait in memory: hasRoom() would make the producer wait. */
  readonly full: boolean;
  /** Items waiting in the spill. */
  readonly spilled: number;
  readonly written: number;
  readonly failedWrites: number;
  /** Whether the last write failed and a retry is due. */
  readonly retrying: boolean;
  readonly lastError: string | undefined;
  /**
   * Stops the timers and makes one last attempt to write what is in memory; what still fails goes to the spill
   * (replayed by the next batcher on it), or without one is logged as lost.
   */
  close(): Promise<void>;
}

/** Largest segment the spill is given at once. */
const SPILL_CHUNK = 10_000;

/**
 * Collects items and writes them in batches, one write at a time. A failed write keeps its batch and is retried
 * with exponential backoff; while writes fail, memory stays bounded by spilling to disk, and once the spill is
 * behind too, by making producers wait. Nothing is dropped while the batcher runs.
 */
export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const { what, write, batchSize, flushMs, maxPending, logger, spill } = options;
  const retry = options.retryMs ?? { first: 100, max: 5000 };
  const spillAt = options.spillAt ?? Math.floor(maxPending / 2);
  const queue: T[] = [];
  const waiting: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let retrying = false;
  let backoff = retry.first;
  /** How long the store asked us to wait (InfluxDB's Retry-After on 429 and 503), when it did. */
  let retryAfterMs = 0;
  const concurrency = options.concurrency ?? 1;
  const writes = new Set<Promise<void>>();
  /** Whether the write under way replays the spill (which takes no other write beside it). */
  let replaying = false;
  let spilling: Promise<void> | undefined;
  let replayTurn = false;
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

  /** While writes fail, moves the oldest items in memory to the spill. */
  function maybeSpill(): void {
    if (!spill || spilling || !retrying || closed || queue.length < spillAt) return;
    const chunk = queue.splice(0, Math.min(queue.length, SPILL_CHUNK));
    spilling = spill
      .append(chunk)
      .then(
        () => logger.warn({ spilled: spill.size, pending: queue.length }, `${chunk.length} ${what} spilled to disk while writes fail`),
        (error: unknown) => {
          queue.unshift(...chunk);
          logger.error({ err: error }, `spilling ${chunk.length} ${what} to disk failed; holding producers back`);
        },
      )
      .finally(() => {
        spilling = undefined;
        releaseWaiting();
      });
  }

  /** The next batch: from the spill when it has items (every other turn while new items arrive too). */
  async function replayNext(): Promise<number> {
    const batch = await (spill as Spill<T>).next(batchSize);
    try {
      await write(batch);
    } catch (error) {
      spill?.rewind();
      throw error;
    }
    await spill?.commit();
    return batch.length;
  }

  async function writeQueued(batch: T[]): Promise<number> {
    try {
      await write(batch);
    } catch (error) {
      queue.unshift(...batch);
      throw error;
    }
    return batch.length;
  }

  /** Starts the writes there is room and reason for: the spill alone (every other turn), else batches of new items. */
  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (replaying) return;
    const spilled = spill?.size ?? 0;
    if (writes.size === 0 && spilled > 0 && (queue.length < batchSize || (replayTurn = !replayTurn))) {
      replaying = true;
      return start(replayNext());
    }
    while (writes.size < concurrency && queue.length > 0 && !(retrying && writes.size > 0)) {
      start(writeQueued(queue.splice(0, batchSize)));
      if (queue.length < batchSize) break;
    }
  }

  function start(writing: Promise<number>): void {
    const tracked: Promise<void> = writing
      .then(
        (count) => {
          written += count;
          retrying = false;
          backoff = retry.first;
        },
        (error: unknown) => {
          failedWrites++;
          lastError = (error as Error).message;
          retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs ?? 0;
          logger.error({ err: error, pending: queue.length, spilled: spill?.size ?? 0, retryInMs: Math.max(backoff, retryAfterMs) }, `writing ${what} failed; retrying`);
          retrying = true;
        },
      )
      .finally(() => {
        writes.delete(tracked);
        replaying = false;
        maybeSpill();
        releaseWaiting();
        if (retrying) {
          if (writes.size === 0) {
            schedule(Math.max(backoff, retryAfterMs));
            backoff = Math.min(backoff * 2, retry.max);
          }
        } else if (queue.length >= batchSize || (spill?.size ?? 0) > 0) {
          flush();
        } else if (queue.length > 0) {
          schedule(flushMs);
        }
      });
    writes.add(tracked);
  }

  if (spill && spill.size > 0) {
    logger.info({ spilled: spill.size }, `replaying ${what} spilled to disk`);
    schedule(0);
  }

  return {
    add(item) {
      if (closed) {
        logger.error(`${what}: one arrived after stop and is lost`);
        return;
      }
      queue.push(item);
      if (retrying) return maybeSpill();
      if (queue.length >= batchSize && writes.size < concurrency) flush();
      else schedule(flushMs);
    },
    hasRoom() {
      if (queue.length < maxPending || closed) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    get pending() {
      return queue.length;
    },
    get full() {
      return queue.length >= maxPending && !closed;
    },
    get spilled() {
      return spill?.size ?? 0;
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
      while (writes.size > 0 || spilling) await (spilling ?? Promise.all(writes));
      releaseWaiting();
      while (queue.length > 0) {
        const batch = queue.splice(0, batchSize);
        try {
          await write(batch);
          written += batch.length;
        } catch (error) {
          const rest = [...batch, ...queue.splice(0)];
          if (spill) {
            await spill.append(rest);
            logger.warn({ err: error }, `${rest.length} ${what} could not be written before stop; spilled to disk for the next start`);
          } else {
            logger.error({ err: error }, `${rest.length} ${what} could not be written before stop and are lost`);
          }
        }
      }
    },
  };
}
