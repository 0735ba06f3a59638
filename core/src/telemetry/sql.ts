import type { Db, Queryable } from '../db/types.ts';
import type { Health } from '../service.ts';
import { readLatest, writeLatest } from './latest.ts';
import { DEFAULT_RETENTION, ROLLUP_MS, tierFor, type Retention } from './tiers.ts';
import type { RangeQuery, SeriesPoint, TelemetryPoint, TelemetryStore } from './types.ts';

const RAW_AGG = {
  mean: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)',
  last: '(array_agg(value ORDER BY ts DESC))[1]',
} as const;

/** The same aggregations over rollup rows: exact, since the rollups keep count, sum, min, max and last. */
const ROLLUP_AGG = {
  mean: 'sum(sum) / sum(count)',
  min: 'min(min)',
  max: 'max(max)',
  count: 'sum(count)',
  last: '(array_agg(last ORDER BY last_ts DESC))[1]',
} as const;

const ROLLUP_TABLE = { '1m': 'telemetry_1m', '1h': 'telemetry_1h' } as const;

/**
 * Recomputes the rollup buckets of `width` that the written points ($1 devices, $2 metrics, $3 times) fall in,
 * from the tier below (raw points, or minute rollups for hours): correct however often a point is rewritten.
 */
async function refreshRollup(tx: Queryable, width: '1m' | '1h', params: unknown[]): Promise<void> {
  const interval = width === '1m' ? '1 minute' : '1 hour';
  const source =
    width === '1m'
      ? `SELECT s.device_id, s.metric, b.bucket, count(*) AS count, sum(s.value) AS sum, min(s.value) AS min, max(s.value) AS max,
                (array_agg(s.value ORDER BY s.ts DESC))[1] AS last, max(s.ts) AS last_ts
           FROM buckets b JOIN telemetry s ON s.device_id = b.d AND s.metric = b.m AND s.ts >= b.bucket AND s.ts < b.bucket + interval '1 minute'`
      : `SELECT s.device_id, s.metric, b.bucket, sum(s.count) AS count, sum(s.sum) AS sum, min(s.min) AS min, max(s.max) AS max,
                (array_agg(s.last ORDER BY s.last_ts DESC))[1] AS last, max(s.last_ts) AS last_ts
           FROM buckets b JOIN telemetry_1m s ON s.device_id = b.d AND s.metric = b.m AND s.ts >= b.bucket AND s.ts < b.bucket + interval '1 hour'`;
  await tx.query(
    `WITH buckets AS (
       SELECT DISTINCT d, m, date_bin(interval '${interval}', t, 'epoch'::timestamptz) AS bucket
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(d, m, t))
     INSERT INTO ${ROLLUP_TABLE[width]} (device_id, metric, ts, count, sum, min, max, last, last_ts)
     ${source}
      GROUP BY s.device_id, s.metric, b.bucket
     ON CONFLICT (device_id, metric, ts) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min,
       max = excluded.max, last = excluded.last, last_ts = excluded.last_ts`,
    params,
  );
}

/** How often closed minute buckets are rolled up in the background (reads of rollups refresh everything first). */
const ROLLUP_REFRESH_MS = 5000;
/** Buckets per refresh transaction: short transactions keep writes flowing meanwhile. */
const ROLLUP_CHUNK = 500;

/**
 * Refreshes the rollups of the buckets marked in telemetry_rollup_pending, one refresh at a time, in short
 * transactions. Writes only mark buckets, so a write costs no aggregation. In the background only closed minutes
 * are rolled up (a minute still being written would be aggregated again and again); a rollup read refreshes all.
 * A failed refresh leaves its marks for the next one.
 */
function createRollupRefresher(db: Db) {
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let lastError: string | null = null;
  let closed = false;

  /** Rolls up one chunk of the oldest marked buckets before `before` (by the bucket index); resolves to how many there were. */
  async function refreshChunk(before: string): Promise<number> {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<{ device_id: string; metric: string; bucket: Date }>(
        `DELETE FROM telemetry_rollup_pending
          WHERE (device_id, metric, bucket) IN (
                SELECT device_id, metric, bucket FROM telemetry_rollup_pending WHERE bucket < $1 ORDER BY bucket LIMIT ${ROLLUP_CHUNK})
          RETURNING device_id, metric, bucket`,
        [before],
      );
      if (rows.length === 0) return 0;
      const params = [rows.map((r) => r.device_id), rows.map((r) => r.metric), rows.map((r) => r.bucket.toISOString())];
      await refreshRollup(tx, '1m', params);
      await refreshRollup(tx, '1h', params);
      return rows.length;
    });
  }

  async function refreshBefore(before: string): Promise<void> {
    while ((await refreshChunk(before)) === ROLLUP_CHUNK) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Queues a refresh after the one under way, so every mark made before this call is covered when it resolves. */
  function refresh(closedOnly = false): Promise<void> {
    const next = chain.then(() =>
      refreshBefore(closedOnly ? new Date(Math.floor(Date.now() / ROLLUP_MS['1m']) * ROLLUP_MS['1m']).toISOString() : 'infinity'),
    );
    chain = next.then(
      () => {
        lastError = null;
      },
      (error: unknown) => {
        lastError = (error as Error).message;
      },
    );
    return next;
  }

  function schedule(): void {
    if (closed) return;
    timer ??= setTimeout(() => {
      timer = undefined;
      refresh(true).then(schedulePending, schedule);
    }, ROLLUP_REFRESH_MS).unref();
  }

  /** The minute still being written stays marked: look again later without waiting for another write. */
  async function schedulePending(): Promise<void> {
    const { rows } = await db.query('SELECT 1 FROM telemetry_rollup_pending LIMIT 1').catch(() => ({ rows: [1] }));
    if (rows.length > 0) schedule();
  }

  async function close(): Promise<void> {
    closed = true;
    clearTimeout(timer);
    timer = undefined;
    await refresh().catch(() => {});
  }

  return { refresh, schedule, close, lastError: () => lastError };
}

/** Points as the column arrays the SQL adapter's statements unnest: devices, metrics, ISO times, values. */
type PointColumns = [string[], string[], string[], number[]];

/**
 * One point per (device, metric, ts), the last one written winning, as InfluxDB does with a repeated point
 * (PostgreSQL also refuses to update one row twice in a single INSERT … ON CONFLICT), as columns.
 */
function pointColumns(batch: readonly TelemetryPoint[]): PointColumns {
  const byKey = new Map<string, TelemetryPoint>();
  for (const p of batch) byKey.set(`${p.deviceId}\n${p.metric}\n${p.ts}`, p);
  const points = byKey.size === batch.length ? batch : [...byKey.values()];
  return [points.map((p) => p.deviceId), points.map((p) => p.metric), points.map((p) => new Date(p.ts).toISOString()), points.map((p) => p.value)];
}

/**
 * TelemetryStore on the relational Db (PGlite or PostgreSQL): the embedded default. Keeps raw points, minute and
 * hourly rollups (refreshed a few seconds after a write, and before any rollup read) and the latest reading of each device (latest.ts); `applyRetention`
 * deletes what is older than each tier keeps.
 */
export function createSqlTelemetryStore(db: Db, retention: Retention = DEFAULT_RETENTION): TelemetryStore {
  const rollups = createRollupRefresher(db);
  return {
    kind: 'sql',

    async write(batch: readonly TelemetryPoint[]): Promise<void> {
      if (batch.length === 0) return;
      const params = pointColumns(batch);
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO telemetry (device_id, metric, ts, value)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[])
           ON CONFLICT (device_id, metric, ts) DO UPDATE SET value = excluded.value`,
          params,
        );
        await writeLatest(tx, batch);
        await tx.query(
          `INSERT INTO telemetry_rollup_pending (device_id, metric, bucket)
           SELECT DISTINCT d, m, date_bin(interval '1 minute', t, 'epoch'::timestamptz)
             FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(d, m, t)
           ON CONFLICT DO NOTHING`,
          params.slice(0, 3),
        );
      });
      rollups.schedule();
    },

    latest: (deviceIds?: readonly string[]) => readLatest(db, deviceIds),

    async range(query: RangeQuery): Promise<SeriesPoint[]> {
      const bounds = [query.deviceId, query.metric, new Date(query.from).toISOString(), new Date(query.to).toISOString()];
      if (query.every === undefined) {
        const { rows } = await db.query<{ ts: Date; value: number }>(
          'SELECT ts, value FROM telemetry WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 ORDER BY ts',
          bounds,
        );
        return rows.map((r) => ({ ts: r.ts.getTime(), value: r.value }));
      }
      const agg = query.agg ?? 'mean';
      const tier = tierFor(query.every);
      const width = tier === 'raw' ? 0 : ROLLUP_MS[tier];
      // The rollup covers the whole tier buckets inside [from, to); raw points cover the edges before and after.
      const inner = width === 0 ? undefined : { from: Math.ceil(query.from / width) * width, to: Math.floor(query.to / width) * width };
      if (!inner || inner.from >= inner.to) {
        const { rows } = await db.query<{ ts: Date; value: number | string }>(
          `SELECT date_bin(make_interval(secs => $5::float8 / 1000), ts, 'epoch'::timestamptz) AS ts, ${RAW_AGG[agg]} AS value
             FROM telemetry
            WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4
            GROUP BY 1 ORDER BY 1`,
          [...bounds, query.every],
        );
        return rows.map((r) => ({ ts: r.ts.getTime(), value: Number(r.value) }));
      }
      await rollups.refresh();
      // Raw points as one-point rollup rows, so edges and rollups aggregate together exactly.
      const { rows } = await db.query<{ ts: Date; value: number | string }>(
        `WITH parts AS (
           SELECT ts, 1::bigint AS count, value AS sum, value AS min, value AS max, value AS last, ts AS last_ts
             FROM telemetry
            WHERE device_id = $1 AND metric = $2 AND ((ts >= $3 AND ts < $6) OR (ts >= $7 AND ts < $4))
           UNION ALL
           SELECT ts, count, sum, min, max, last, last_ts
             FROM ${ROLLUP_TABLE[tier as '1m' | '1h']}
            WHERE device_id = $1 AND metric = $2 AND ts >= $6 AND ts < $7)
         SELECT date_bin(make_interval(secs => $5::float8 / 1000), ts, 'epoch'::timestamptz) AS ts, ${ROLLUP_AGG[agg]} AS value
           FROM parts GROUP BY 1 ORDER BY 1`,
        [...bounds, query.every, new Date(inner.from).toISOString(), new Date(inner.to).toISOString()],
      );
      return rows.map((r) => ({ ts: r.ts.getTime(), value: Number(r.value) }));
    },

    async applyRetention(now: number): Promise<void> {
      const before = (ms: number) => new Date(now - ms).toISOString();
      await rollups.refresh(); // roll up what is pending before the raw points it comes from are deleted
      await db.query('DELETE FROM telemetry WHERE ts < $1', [before(retention.raw)]);
      await db.query('DELETE FROM telemetry_1m WHERE ts < $1', [before(retention.minute)]);
      if (retention.hour !== undefined) await db.query('DELETE FROM telemetry_1h WHERE ts < $1', [before(retention.hour)]);
    },

    async health(): Promise<Health> {
      try {
        await db.query('SELECT 1');
        const rollupError = rollups.lastError();
        return rollupError
          ? { status: 'degraded', adapter: 'sql', db: db.kind, rollupError }
          : { status: 'ok', adapter: 'sql', db: db.kind };
      } catch (error) {
        return { status: 'down', adapter: 'sql', error: (error as Error).message };
      }
    },

    // The Db belongs to whoever opened it; closing the store refreshes what is pending and leaves the Db open.
    close: () => rollups.close(),
  };
}
