import type { Db } from '../db/types.ts';
import type { Health } from '../service.ts';
import type { LatestReading, RangeQuery, SeriesPoint, TelemetryPoint, TelemetryStore } from './types.ts';

const AGG_SQL = {
  mean: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)',
  last: '(array_agg(value ORDER BY ts DESC))[1]',
} as const;

/**
 * One point per (device, metric, ts), the last one written winning, as InfluxDB does with a repeated point
 * (PostgreSQL also refuses to update one row twice in a single INSERT … ON CONFLICT).
 */
function lastPerKey(points: readonly TelemetryPoint[]): TelemetryPoint[] {
  const byKey = new Map<string, TelemetryPoint>();
  for (const p of points) byKey.set(`${p.deviceId}\n${p.metric}\n${p.ts}`, p);
  return byKey.size === points.length ? (points as TelemetryPoint[]) : [...byKey.values()];
}

/** TelemetryStore on the relational Db (PGlite or PostgreSQL): the embedded default. */
export function createSqlTelemetryStore(db: Db): TelemetryStore {
  return {
    kind: 'sql',

    async write(batch: readonly TelemetryPoint[]): Promise<void> {
      if (batch.length === 0) return;
      const points = lastPerKey(batch);
      const params = [
        points.map((p) => p.deviceId),
        points.map((p) => p.metric),
        points.map((p) => new Date(p.ts).toISOString()),
        points.map((p) => p.value),
      ];
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO telemetry (device_id, metric, ts, value)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[])
           ON CONFLICT (device_id, metric, ts) DO UPDATE SET value = excluded.value`,
          params,
        );
        await tx.query(
          `INSERT INTO telemetry_latest (device_id, metric, ts, value)
           SELECT DISTINCT ON (d, m) d, m, t, v
             FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) AS u(d, m, t, v)
            ORDER BY d, m, t DESC
           ON CONFLICT (device_id, metric) DO UPDATE SET ts = excluded.ts, value = excluded.value
            WHERE excluded.ts >= telemetry_latest.ts`,
          params,
        );
      });
    },

    async latest(deviceIds?: readonly string[]): Promise<Map<string, LatestReading>> {
      const { rows } = deviceIds
        ? await db.query<{ device_id: string; metric: string; ts: Date; value: number }>(
            'SELECT device_id, metric, ts, value FROM telemetry_latest WHERE device_id = ANY($1::text[])',
            [deviceIds],
          )
        : await db.query<{ device_id: string; metric: string; ts: Date; value: number }>(
            'SELECT device_id, metric, ts, value FROM telemetry_latest',
          );
      const result = new Map<string, LatestReading>();
      for (const row of rows) {
        const ts = row.ts.getTime();
        const reading = result.get(row.device_id) ?? { ts, metrics: {} };
        reading.metrics[row.metric] = row.value;
        reading.ts = Math.max(reading.ts, ts);
        result.set(row.device_id, reading);
      }
      return result;
    },

    async range(query: RangeQuery): Promise<SeriesPoint[]> {
      const bounds = [query.deviceId, query.metric, new Date(query.from).toISOString(), new Date(query.to).toISOString()];
      const { rows } = query.every
        ? await db.query<{ ts: Date; value: number | string }>(
            `SELECT date_bin(make_interval(secs => $5::float8 / 1000), ts, 'epoch'::timestamptz) AS ts, ${AGG_SQL[query.agg ?? 'mean']} AS value
               FROM telemetry
              WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4
              GROUP BY 1 ORDER BY 1`,
            [...bounds, query.every],
          )
        : await db.query<{ ts: Date; value: number }>(
            'SELECT ts, value FROM telemetry WHERE device_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 ORDER BY ts',
            bounds,
          );
      return rows.map((r) => ({ ts: r.ts.getTime(), value: Number(r.value) }));
    },

    async health(): Promise<Health> {
      try {
        await db.query('SELECT 1');
        return { status: 'ok', adapter: 'sql', db: db.kind };
      } catch (error) {
        return { status: 'down', adapter: 'sql', error: (error as Error).message };
      }
    },

    // The Db belongs to whoever opened it; closing the store leaves it open.
    close: async () => {},
  };
}
