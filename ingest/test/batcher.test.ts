import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@ioc/core';
import { createBatcher } from '../src/batcher.ts';

const logger = createLogger({ level: 'silent' });
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('batcher', () => {
  it('runs up to `concurrency` writes at once and writes every item once', async () => {
    const inFlight = { now: 0, max: 0 };
    const written: number[] = [];
    const batcher = createBatcher<number>({
      what: 'items',
      batchSize: 10,
      flushMs: 5,
      maxPending: 1000,
      logger,
      concurrency: 3,
      async write(items) {
        inFlight.max = Math.max(inFlight.max, ++inFlight.now);
        await new Promise((resolve) => setTimeout(resolve, 10));
        written.push(...items);
        inFlight.now--;
      },
    });
    for (const i of upTo(205)) batcher.add(i);
    await vi.waitFor(() => expect(written).toHaveLength(205));
    expect(inFlight.max).toBe(3);
    expect([...written].sort((a, b) => a - b)).toEqual(upTo(205));
    expect(batcher.written).toBe(205);
    await batcher.close();
  });

  it('retries failed batches with backoff and loses none', async () => {
    let failuresLeft = 3;
    const written: number[] = [];
    const batcher = createBatcher<number>({
      what: 'items',
      batchSize: 10,
      flushMs: 5,
      maxPending: 1000,
      logger,
      concurrency: 4,
      retryMs: { first: 5, max: 20 },
      async write(items) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('store down');
        }
        written.push(...items);
      },
    });
    for (const i of upTo(100)) batcher.add(i);
    await vi.waitFor(() => expect(written).toHaveLength(100));
    expect([...written].sort((a, b) => a - b)).toEqual(upTo(100));
    expect(batcher.failedWrites).toBe(3);
    expect(batcher).toMatchObject({ retrying: false, pending: 0, lastError: 'store down' });
    await batcher.close();
  });
  it('waits at least as long as the store asks (Retry-After) before writing again', async () => {
    const attempts: number[] = [];
    const batcher = createBatcher<number>({
      what: 'items',
      batchSize: 10,
      flushMs: 5,
      maxPending: 1000,
      logger,
      retryMs: { first: 5, max: 20 },
      async write() {
        attempts.push(Date.now());
        if (attempts.length === 1) throw Object.assign(new Error('InfluxDB 429 on /api/v2/write: slow down'), { status: 429, retryAfterMs: 400 });
      },
    });
    batcher.add(1);
    await vi.waitFor(() => expect(batcher.written).toBe(1), { timeout: 30_000 });
    // A lower bound only: a loaded machine can make the wait longer, never shorter.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(400);
    await batcher.close();
  });
});
