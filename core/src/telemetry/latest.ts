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

/** Rows as the upsert unnests them: device ids, newest epoch ms, metrics JSON `{metric: value}`, times JSON `{metric: ms}`. */
type Rows = [string[], number[], string[], string[]];

/**
 * A device's row folds in only the metrics newer than what it keeps (late readings go to history, never to latest).
 * When the incoming row's readings are all from one moment at or after the kept row's newest, every metric is newer:
 * the row is merged whole, without taking either apart (half the database's CPU of the metric-by-metric path).
 */
function upsertSql(allOfOneMoment: boolean): string {
  const metricByMetric = (column: 'metrics' | 'times') =>
    `(SELECT ${
      column === 'metrics'
        ? `(telemetry_latest.metrics::jsonb || coalesce(jsonb_object_agg(n.metric, excluded.metrics::jsonb -> n.metric), '{}'))::json`
        : `telemetry_latest.times || coalesce(jsonb_object_agg(n.metric, n.ms), '{}')`
    } FROM jsonb_each(excluded.times) AS n(metric, ms)
       WHERE NOT telemetry_latest.times ? n.metric OR n.ms >= telemetry_latest.times -> n.metric)`;
  const whole = allOfOneMoment ? 'excluded.ts >= telemetry_latest.ts' : 'false';
  return `INSERT INTO telemetry_latest (device_id, ts, metrics, times)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::json[], $4::jsonb[]) ORDER BY 1
     ON CONFLICT (device_id) DO UPDATE SET
       ts = greatest(telemetry_latest.ts, excluded.ts),
       metrics = CASE WHEN ${whole} THEN (telemetry_latest.metrics::jsonb || excluded.metrics::jsonb)::json ELSE ${metricByMetric('metrics')} END,
       times = CASE WHEN ${whole} THEN telemetry_latest.times || excluded.times ELSE ${metricByMetric('times')} END`;
}
const UPSERT_ONE_MOMENT = upsertSql(true);
const UPSERT_MIXED = upsertSql(false);

/**
 * Folds points into the latest readings: per device and metric the newest point, unless a newer one is already
 * kept (a late reading or a replayed spill never replaces it; the same time again replaces it, as the value
 * written last). A batch of thousands of points from a few hundred devices becomes a row per device before anything
 * is sent. Rows are upserted in device order, so concurrent writes lock the same rows in the same order: in arrival
 * order, two batches of the same devices deadlocked on PostgreSQL.
 */
export async function writeLatest(q: Queryable, points: readonly TelemetryPoint[]): Promise<void> {
  if (points.length === 0) return;
  await upsertLatest(q, foldNewest(new Map(), points));
}

async function upsertLatest(q: Queryable, newest: Newest): Promise<void> {
  const rows: Rows = [[], [], [], []];
  let allOfOneMoment = true;
  for (const [deviceId, metrics] of newest) {
    const values: Record<string, number> = {};
    const times: Record<string, number> = {};
    let first: number | undefined;
    let last = Number.NEGATIVE_INFINITY;
    for (const point of metrics.values()) {
      values[point.metric] = point.value;
      times[point.metric] = point.ts;
      first ??= point.ts;
      allOfOneMoment &&= point.ts === first;
      last = Math.max(last, point.ts);
    }
    rows[0].push(deviceId);
    rows[1].push(last);
    rows[2].push(JSON.stringify(values));
    rows[3].push(JSON.stringify(times));
  }
  // One statement, so its rows are locked in device order: a device whose readings come from different moments
  // (rare) sends the whole batch metric by metric.
  await q.query(allOfOneMoment ? UPSERT_ONE_MOMENT : UPSERT_MIXED, rows);
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
