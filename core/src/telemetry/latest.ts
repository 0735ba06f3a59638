import type { Queryable } from '../db/types.ts';
import type { LatestReading, TelemetryPoint } from './types.ts';

/**
 * The latest reading of each device, kept in the relational store by both TelemetryStore adapters (table
 * `telemetry_latest`, migration 008): one row per device with its metrics as JSON, read for all devices as one
 * JSON value. InfluxDB cannot answer this fast: `last(*) GROUP BY device` takes seconds over 10,000 series.
 */

/** Points as the column arrays the SQL adapter's statements unnest: devices, metrics, ISO times, values. */
export type PointColumns = [string[], string[], string[], number[]];

/**
 * One point per (device, metric, ts), the last one written winning, as InfluxDB does with a repeated point
 * (PostgreSQL also refuses to update one row twice in a single INSERT … ON CONFLICT), as columns.
 */
export function pointColumns(batch: readonly TelemetryPoint[]): PointColumns {
  const byKey = new Map<string, TelemetryPoint>();
  for (const p of batch) byKey.set(`${p.deviceId}\n${p.metric}\n${p.ts}`, p);
  const points = byKey.size === batch.length ? batch : [...byKey.values()];
  return [points.map((p) => p.deviceId), points.map((p) => p.metric), points.map((p) => new Date(p.ts).toISOString()), points.map((p) => p.value)];
}

/**
 * Folds points into the latest readings: per device and metric the newest point, unless a newer one is already
 * kept (a late reading or a replayed spill never replaces it; the same time again replaces it, as the value
 * written last).
 */
export async function writeLatest(q: Queryable, columns: PointColumns): Promise<void> {
  if (columns[0].length === 0) return;
  await q.query(
    `WITH batch AS (
       SELECT DISTINCT ON (d, m) d, m, (extract(epoch FROM t) * 1000)::bigint AS ms, v
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) AS u(d, m, t, v)
        ORDER BY d, m, t DESC)
     INSERT INTO telemetry_latest (device_id, ts, metrics, times)
     SELECT d, max(ms), json_object_agg(m, v), jsonb_object_agg(m, ms) FROM batch GROUP BY d
     ON CONFLICT (device_id) DO UPDATE SET
       ts = greatest(telemetry_latest.ts, excluded.ts),
       (metrics, times) = (
         SELECT (telemetry_latest.metrics::jsonb || coalesce(jsonb_object_agg(n.metric, excluded.metrics -> n.metric), '{}'))::json,
                telemetry_latest.times || coalesce(jsonb_object_agg(n.metric, n.ms), '{}')
           FROM jsonb_each(excluded.times) AS n(metric, ms)
          WHERE NOT telemetry_latest.times ? n.metric OR n.ms >= telemetry_latest.times -> n.metric)`,
    columns,
  );
}

/** The latest reading of the given devices, or of all: one row, one JSON value of every device's reading. */
export async function readLatest(q: Queryable, deviceIds?: readonly string[]): Promise<Map<string, LatestReading>> {
  if (deviceIds?.length === 0) return new Map();
  const select = `SELECT json_object_agg(device_id, json_build_object('ts', ts, 'metrics', metrics)) AS latest FROM telemetry_latest`;
  const { rows } = deviceIds
    ? await q.query<{ latest: Record<string, LatestReading> | null }>(`${select} WHERE device_id = ANY($1::text[])`, [deviceIds])
    : await q.query<{ latest: Record<string, LatestReading> | null }>(select);
  return new Map(Object.entries(rows[0]?.latest ?? {}));
}
