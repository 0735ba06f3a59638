import type { InfluxConfig } from '../config.ts';
import type { Queryable } from '../db/types.ts';
import type { Health } from '../service.ts';
import { LATE_MS, ROLLUP_LAG_MS, ROLLUP_RP, continuousQueries, retentionPolicies, rollupSelect } from './influx-rollups.ts';
import { createLatestWriter, readLatest, writeLatest } from './latest.ts';
import { DEVICE_TAG, MEASUREMENT, toLines } from './line-protocol.ts';
import { createV2LineWriter } from './influx-v2-write.ts';
import { DEFAULT_RETENTION, ROLLUP_MS, tierFor, type Retention } from './tiers.ts';
import type { Aggregation, RangeQuery, SeriesPoint, TelemetryPoint, TelemetryStore } from './types.ts';

const LINES_PER_REQUEST = 5000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Where writes go: InfluxDB 1.x's `/write`, or `/api/v2/write` (2.x, 3.x). Reads use InfluxQL on `/query` for all. */
type WriteApi = '/write' | '/api/v2/write';

interface Series {
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface QueryResponse {
  results?: { series?: Series[]; error?: string }[];
  error?: string;
}

/** An InfluxQL identifier, double-quoted. */
export function influxIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An InfluxQL string literal, single-quoted. */
export function influxString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pointsOf(series: readonly Series[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const s of series) {
    for (const [ts, value] of s.values) {
      if (typeof ts === 'number' && typeof value === 'number') points.push({ ts, value });
    }
  }
  return points;
}

/** The error text of an InfluxDB response body: `{"error": …}` (1.x), `{"message": …}` (2.x/3.x) or plain text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    return body.error ?? body.message ?? text.trim();
  } catch {
    return text.trim();
  }
}

const AGG_FUNCTION: Record<Aggregation, string> = { mean: 'mean', min: 'min', max: 'max', count: 'count', last: 'last' };

/** A bucket's partial aggregate, from raw points or rollups; parts of one bucket merge in time order. */
interface Partial {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

function finish(agg: Aggregation, p: Partial): number {
  return agg === 'mean' ? p.sum / p.count : p[agg];
}

/**
 * TelemetryStore on InfluxDB: measurement `telemetry`, tag `device`, one field per metric, time in ms.
 * Line protocol (line-protocol.ts) written to `/write` (1.x), or with an organisation configured (INFLUX_ORG) through
 * the official client's write API to the bucket of InfluxDB 2.x/3.x (influx-v2-write.ts); without one, a server whose
 * /ping says 2.x/3.x is written at `/api/v2/write?bucket=` and, failing that, `/write`. Read with InfluxQL over
 * `/query`, which 1.x, 2.x (v1 compatibility: the bucket's DBRP mapping, automatic since 2.4) and 3.x serve, with the
 * token: 3.x has no Flux, so one query language serves every version.
 * The server is contacted lazily, so the store can be created before InfluxDB is up. The latest reading of each
 * device is kept in the relational store `relational` (latest.ts), written after the points reach InfluxDB: InfluxQL
 * over one series per device answers in seconds, not the 200 ms the device list needs (see `ioc bench history`).
 */
export async function createInfluxTelemetryStore(
  config: InfluxConfig,
  relational: Queryable,
  retention: Retention = DEFAULT_RETENTION,
): Promise<TelemetryStore> {
  const base = config.url.replace(/\/+$/, '');
  const from = influxIdentifier(MEASUREMENT);
  const deviceTag = influxIdentifier(DEVICE_TAG);
  const writeLatestCoalesced = createLatestWriter(relational);
  // With an organisation: the v2 write API, by token, into the bucket, which InfluxQL reads as the database.
  const v2 = config.org && config.token ? { org: config.org, bucket: config.bucket ?? config.db } : undefined;
  const database = v2?.bucket ?? config.db;
  const writeV2 = v2 && config.token ? createV2LineWriter({ url: base, token: config.token, ...v2 }, REQUEST_TIMEOUT_MS) : undefined;
  const auth: Record<string, string> = {};
  if (config.token) auth.authorization = `Token ${config.token}`;
  else if (config.user) auth.authorization = `Basic ${Buffer.from(`${config.user}:${config.password ?? ''}`).toString('base64')}`;

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        ...init,
        headers: { ...auth, ...(init.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(`InfluxDB at ${base}: ${cause?.message ?? (error as Error).message}`, { cause: error });
    }
    if (response.ok) return response;
    const message = serverMessage(await response.text()) || response.statusText;
    throw Object.assign(new Error(`InfluxDB ${response.status} on ${path.split('?')[0]}: ${message}`), { status: response.status });
  }

  async function ping(): Promise<string> {
    const response = await request('/ping');
    await response.arrayBuffer();
    return response.headers.get('x-influxdb-version') ?? 'unknown';
  }

  /** InfluxQL statements (separated by ';') → the series of each statement. Statement errors are thrown. */
  async function query(q: string): Promise<Series[][]> {
    const response = await request('/query', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ db: database, q, epoch: 'ms' }),
    });
    const body = (await response.json()) as QueryResponse;
    if (body.error) throw new Error(`InfluxDB query failed: ${body.error}`);
    return (body.results ?? []).map((result) => {
      if (result.error) throw new Error(`InfluxDB query failed: ${result.error}`);
      return result.series ?? [];
    });
  }

  let writeApi: WriteApi | undefined;
  let detecting: Promise<WriteApi> | undefined;
  /** Whether the rollup tiers exist (1.x: retention policies and continuous queries set up by this adapter). */
  let rollups = false;

  /** Creates, or brings up to date, the retention policies and continuous queries of the rollup tiers. */
  async function setUpRollups(): Promise<void> {
    for (const policy of retentionPolicies(config.db, retention)) {
      try {
        await query(policy.create);
      } catch (error) {
        if (!/already exists/i.test((error as Error).message)) throw error;
        await query(policy.alter);
      }
    }
    for (const cq of continuousQueries(config.db)) {
      try {
        await query(cq.create);
      } catch (error) {
        if (!/already exists/i.test((error as Error).message)) throw error;
        await query(`DROP CONTINUOUS QUERY ${influxIdentifier(cq.name)} ON ${influxIdentifier(config.db)}; ${cq.create}`);
      }
    }
    rollups = true;
  }

  async function detect(): Promise<WriteApi> {
    const version = await ping();
    // The bucket exists (its owner made it, with its retention); 2.x/3.x have no DDL for rollups.
    if (v2) return (writeApi = '/api/v2/write');
    const major = Number.parseInt(version.replace(/^v/, ''), 10);
    // 2.x and 3.x have no InfluxQL DDL: their bucket's retention applies and history is read from raw points.
    if (major !== 1) return (writeApi = '/api/v2/write');
    // Idempotent in 1.x; 2.x and 3.x have no CREATE DATABASE (their buckets/databases exist or appear on first write).
    await query(`CREATE DATABASE ${influxIdentifier(config.db)}`);
    await setUpRollups();
    await backfillLatest();
    return (writeApi = '/write');
  }

  /**
   * Fills the latest readings from the raw points when there are none yet (a database written before they were
   * kept, on 1.x): the last value of each field per device, with its own time. One query per field, each over
   * every device's series, so this takes seconds, once.
   */
  async function backfillLatest(): Promise<void> {
    if ((await relational.query('SELECT 1 FROM telemetry_latest LIMIT 1')).rows.length > 0) return;
    const [keys = []] = await query(`SHOW FIELD KEYS FROM ${from}`);
    for (const field of keys.flatMap((series) => series.values.map((row) => String(row[0])))) {
      const [series = []] = await query(`SELECT last(${influxIdentifier(field)}) FROM ${from} GROUP BY ${deviceTag}`);
      const points: TelemetryPoint[] = [];
      for (const s of series) {
        const [ts, value] = s.values[0] ?? [];
        const deviceId = s.tags?.[DEVICE_TAG];
        if (deviceId !== undefined && typeof ts === 'number' && typeof value === 'number') points.push({ deviceId, metric: field, ts, value });
      }
      await writeLatest(relational, points);
    }
  }

  /**
   * Points older than the continuous queries look back: their minute and hour buckets are recomputed at once
   * for their devices, so the rollups stay exact for late readings (a replayed spill, a device catching up).
   */
  async function rollUpLate(points: readonly TelemetryPoint[]): Promise<void> {
    const cutoff = Date.now() - LATE_MS;
    const late = points.filter((p) => p.ts < cutoff);
    if (!rollups || late.length === 0) return;
    const devices = [...new Set(late.map((p) => p.deviceId))].map((id) => `${deviceTag} = ${influxString(id)}`).join(' OR ');
    let first = Infinity;
    let last = -Infinity;
    for (const p of late) {
      first = Math.min(first, p.ts);
      last = Math.max(last, p.ts);
    }
    for (const tier of ['1m', '1h'] as const) {
      const width = ROLLUP_MS[tier];
      const from = Math.floor(first / width) * width;
      const to = Math.floor(last / width) * width + width;
      await query(rollupSelect(config.db, tier, `WHERE time >= ${from}ms AND time < ${to}ms AND (${devices})`));
    }
  }

  /** The write API, detected once; a failed detection (server down) is retried on the next call. */
  function ready(): Promise<WriteApi> {
    if (writeApi) return Promise.resolve(writeApi);
    detecting ??= detect().finally(() => {
      detecting = undefined;
    });
    return detecting;
  }

  async function post(api: WriteApi, body: string): Promise<void> {
    const db = encodeURIComponent(config.db);
    const path = api === '/write' ? `/write?db=${db}&precision=ms` : `/api/v2/write?bucket=${db}&precision=ms`;
    const response = await request(path, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
    await response.arrayBuffer();
  }

  async function writeLines(lines: readonly string[]): Promise<void> {
    const api = await ready();
    if (writeV2) return writeV2(lines);
    const body = lines.join('\n');
    try {
      await post(api, body);
    } catch (error) {
      // A server without /api/v2/write (404), or a 2.x that wants an organisation we do not have, still takes
      // the v1 /write (mapped onto the bucket of the same name): switch to it for good.
      const status = (error as { status?: number }).status;
      const wantsOrg = status === 400 && /\borg(ID|anization)?\b/i.test((error as Error).message);
      if (api !== '/api/v2/write' || (status !== 404 && !wantsOrg)) throw error;
      writeApi = '/write';
      await post(writeApi, body);
    }
  }

  /** A query that finds no database yet (3.x before the first write) has no rows. */
  async function read(...statements: string[]): Promise<Series[][]> {
    await ready();
    try {
      return await query(statements.join('; '));
    } catch (error) {
      if (/database not found/i.test((error as Error).message)) return statements.map(() => []);
      throw error;
    }
  }

  return {
    kind: 'influxdb',

    async write(points: readonly TelemetryPoint[]): Promise<void> {
      const lines = toLines(points);
      for (let i = 0; i < lines.length; i += LINES_PER_REQUEST) {
        await writeLines(lines.slice(i, i + LINES_PER_REQUEST));
      }
      await rollUpLate(points);
      // After InfluxDB took them, so latest is never ahead of history; a failure here fails the write, and
      // writing the batch again is harmless.
      await writeLatestCoalesced(points);
    },

    // The relational store answers, whether InfluxDB is up or not.
    latest: (deviceIds?: readonly string[]) => readLatest(relational, deviceIds),

    async range(q: RangeQuery): Promise<SeriesPoint[]> {
      const field = influxIdentifier(q.metric);
      const device = `${deviceTag} = ${influxString(q.deviceId)}`;
      const within = (from: number, to: number) => `WHERE ${device} AND time >= ${Math.ceil(from)}ms AND time < ${Math.ceil(to)}ms`;
      if (!q.every) {
        const [series = []] = await read(`SELECT ${field} FROM ${from} ${within(q.from, q.to)} ORDER BY time ASC`);
        return pointsOf(series);
      }
      const every = `${Math.max(1, Math.round(q.every))}ms`;
      const agg = q.agg ?? 'mean';
      const tier = tierFor(q.every);
      const width = tier === 'raw' ? 0 : ROLLUP_MS[tier];
      // Whole rollup buckets the continuous queries have surely counted; raw points before and after them.
      const inner =
        !rollups || tier === 'raw'
          ? undefined
          : {
              from: Math.ceil(q.from / width) * width,
              to: Math.min(Math.floor(q.to / width) * width, Math.floor((Date.now() - ROLLUP_LAG_MS[tier]) / width) * width),
            };
      if (!inner || inner.from >= inner.to) {
        const [series = []] = await read(`SELECT ${AGG_FUNCTION[agg]}(${field}) FROM ${from} ${within(q.from, q.to)} GROUP BY time(${every}) fill(none)`);
        return pointsOf(series);
      }
      const rawParts = `count(${field}), sum(${field}), min(${field}), max(${field}), last(${field})`;
      const f = (part: string) => influxIdentifier(`${q.metric}_${part}`);
      const rollupParts = `sum(${f('count')}), sum(${f('sum')}), min(${f('min')}), max(${f('max')}), last(${f('last')})`;
      const rollupFrom = `${influxIdentifier(ROLLUP_RP[tier as '1m' | '1h'])}.${from}`;
      const results = await read(
        `SELECT ${rawParts} FROM ${from} ${within(q.from, inner.from)} GROUP BY time(${every}) fill(none)`,
        `SELECT ${rollupParts} FROM ${rollupFrom} ${within(inner.from, inner.to)} GROUP BY time(${every}) fill(none)`,
        `SELECT ${rawParts} FROM ${from} ${within(inner.to, q.to)} GROUP BY time(${every}) fill(none)`,
      );
      // Parts in time order: a later part's last value wins.
      const buckets = new Map<number, Partial>();
      for (const series of results.flat()) {
        for (const [ts, count, sum, min, max, last] of series.values) {
          if (typeof ts !== 'number' || typeof count !== 'number' || count === 0) continue;
          const part = { count, sum: sum as number, min: min as number, max: max as number, last: last as number };
          const seen = buckets.get(ts);
          buckets.set(
            ts,
            seen
              ? { count: seen.count + part.count, sum: seen.sum + part.sum, min: Math.min(seen.min, part.min), max: Math.max(seen.max, part.max), last: part.last }
              : part,
          );
        }
      }
      return [...buckets.entries()].sort(([a], [b]) => a - b).map(([ts, part]) => ({ ts, value: finish(agg, part) }));
    },

    // Retention policies delete old data on the server.
    applyRetention: async () => {},

    async health(): Promise<Health> {
      try {
        const api = await ready();
        return { status: 'ok', adapter: 'influxdb', version: await ping(), db: database, ...v2, writeApi: api, rollups };
      } catch (error) {
        return { status: 'down', adapter: 'influxdb', db: database, ...v2, error: (error as Error).message };
      }
    },

    // Requests are independent HTTP calls: nothing to release.
    close: async () => {},
  };
}
