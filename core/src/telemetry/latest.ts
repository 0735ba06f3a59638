import type { Queryable } from '../db/types.ts';
import type { LatestReading, TelemetryPoint } from './types.ts';

/**
 * The latest reading of each device, kept in the relational store by both TelemetryStore adapters (table
 * `telemetry_latest`, migration 008): one row per device with its metrics as JSON, read for all devices as one
 * JSON value. InfluxDB cannot answer this fast: `last(*) GROUP BY device` takes seconds over 10,000 series.
 */

/** Per device and metric the newest point seen (the one written last among equal times). */
type Newest = Map<string, Map<string, TelemetryPoint>>;

function foldNewest(newest: Newest, points: readonly TelemetryPoint[]): Newest {
  for (const point of points) {
    let metrics = newest.get(point.deviceId);
    if (!metrics) newest.set(point.deviceId, (metrics = new Map()));
    const kept = metrics.get(point.metric);
    if (!kept || point.ts >= kept.ts) metrics.set(point.metric, point);
  }
  return newest;
}

/**
 * The newest points as the columns the upsert unnests: devices, metrics, epoch ms, values. A batch of thousands of
 * points from a few hundred devices becomes a few hundred rows before anything is sent to the database.
 */
function columnsOf(newest: Newest): [string[], string[], number[], number[]] {
  const columns: [string[], string[], number[], number[]] = [[], [], [], []];
  for (const metrics of newest.values()) {
    for (const point of metrics.values()) {
      columns[0].push(point.deviceId);
      columns[1].push(point.metric);
      columns[2].push(point.ts);
      columns[3].push(point.value);
    }
  }
  return columns;
}

/**
 * Folds points into the latest readings: per device and metric the newest point, unless a newer one is already
 * kept (a late reading or a replayed spill never replaces it; the same time again replaces it, as the value
 * written last). Rows are upserted in device order, so concurrent writes (ingest runs several at once) lock the
 * same rows in the same order: in arrival order, two batches of the same devices deadlocked on PostgreSQL.
 */
export async function writeLatest(q: Queryable, points: readonly TelemetryPoint[]): Promise<void> {
  if (points.length === 0) return;
  await upsertLatest(q, foldNewest(new Map(), points));
}

async function upsertLatest(q: Queryable, newest: Newest): Promise<void> {
  await q.query(
    `WITH batch AS (SELECT d, m, ms::bigint AS ms, v FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) AS u(d, m, ms, v))
     INSERT INTO telemetry_latest (device_id, ts, metrics, times)
     SELECT d, max(ms), json_object_agg(m, v), jsonb_object_agg(m, ms) FROM batch GROUP BY d ORDER BY d
     ON CONFLICT (device_id) DO UPDATE SET
       ts = greatest(telemetry_latest.ts, excluded.ts),
       (metrics, times) = (
         SELECT (telemetry_latest.metrics::jsonb || coalesce(jsonb_object_agg(n.metric, excluded.metrics -> n.metric), '{}'))::json,
                telemetry_latest.times || coalesce(jsonb_object_agg(n.metric, n.ms), '{}')
           FROM jsonb_each(excluded.times) AS n(metric, ms)
          WHERE NOT telemetry_latest.times ? n.metric OR n.ms >= telemetry_latest.times -> n.metric)`,
    columnsOf(newest),
  );
}

/**
 * `writeLatest` for writers that call it several times at once (the InfluxDB adapter, under ingest's concurrent
 * writes): one upsert at a time, and the points that arrive meanwhile wait and go together in the next, as the
 * newest per device and metric. A device reporting faster than upserts complete costs one row per upsert instead
 * of one per batch. Each call resolves once an upsert holding its points has succeeded, or rejects with its error.
 */
export function createLatestWriter(q: Queryable): (points: readonly TelemetryPoint[]) => Promise<void> {
  let pending: Newest = new Map();
  let waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  let running = false;

  function next(): void {
    if (running || waiting.length === 0) return;
    const newest = pending;
    const settled = waiting;
    pending = new Map();
    waiting = [];
    running = true;
    upsertLatest(q, newest).then(
      () => settled.forEach((call) => call.resolve()),
      (error: unknown) => settled.forEach((call) => call.reject(error)),
    ).finally(() => {
      running = false;
      next();
    });
  }

  return (points) => {
    if (points.length === 0) return Promise.resolve();
    foldNewest(pending, points);
    const upserted = new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    next();
    return upserted;
  };
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
