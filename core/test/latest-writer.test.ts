import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb, migrate, type Db, type Queryable, type TelemetryPoint } from '@ioc/core';
import { createLatestWriter, readLatest } from '../src/telemetry/latest.ts';

const T0 = Date.UTC(2026, 10, 30, 8);
const reading = (deviceId: string, metric: string, ts: number, value: number): TelemetryPoint => ({ deviceId, metric, ts, value });

/** The database, with the statements that reach telemetry_latest counted and, while `failing`, refused. */
function watched(db: Db) {
  const watch = { upserts: 0, failing: false };
  const q: Queryable = {
    query: (async (sql: string, params?: unknown[]) => {
      if (sql.includes('INSERT INTO telemetry_latest')) {
        watch.upserts++;
        if (watch.failing) throw new Error('connection lost');
      }
      return db.query(sql, params);
    }) as Queryable['query'],
  };
  return { q, watch };
}

describe('the coalescing latest-reading writer', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
  }, 60_000);
  afterAll(() => db.close());

  it('writes calls made while an upsert runs together in the next one, each resolved once its points are in', async () => {
    const { q, watch } = watched(db);
      const write = createLatestWriter(q);
      await Promise.all([
        write([reading('a', 'pm25', T0, 1), reading('b', 'pm25', T0, 1)]),
        write([reading('a', 'pm25', T0 + 1000, 2)]),
        write([reading('a', 'rh', T0 + 500, 70), reading('b', 'pm25', T0 + 2000, 3)]),
        write([reading('a', 'pm25', T0 + 500, 9)]),
      ]);
      // The first upsert starts at once; the three calls made while it ran share the second.
      expect(watch.upserts).toBe(2);
      const latest = await readLatest(db);
      expect(latest.get('a')).toEqual({ ts: T0 + 1000, metrics: { pm25: 2, rh: 70 } });
    expect(latest.get('b')).toEqual({ ts: T0 + 2000, metrics: { pm25: 3 } });
  });

  it('rejects every call of a failed upsert with its error, and the next call upserts again', async () => {
    const { q, watch } = watched(db);
      const write = createLatestWriter(q);
      watch.failing = true;
      const first = write([reading('c', 'pm25', T0, 1)]);
      const second = write([reading('d', 'pm25', T0, 2)]);
      await expect(first).rejects.toThrow('connection lost');
      await expect(second).rejects.toThrow('connection lost');
      watch.failing = false;
    await write([reading('c', 'pm25', T0, 1)]);
    const latest = await readLatest(db, ['c', 'd']);
    expect([...latest.keys()]).toEqual(['c']);
  });
});
