import { Point } from '@influxdata/influxdb-client';
import type { InfluxConfig } from '../config.ts';
import type { Health } from '../service.ts';
import type { Aggregation, LatestReading, RangeQuery, SeriesPoint, TelemetryPoint, TelemetryStore } from './types.ts';

const MEASUREMENT = 'telemetry';
const DEVICE_TAG = 'device';
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

/** One line-protocol line per (device, ts), one float field per metric; timestamps in ms. */
function toLines(points: readonly TelemetryPoint[]): string[] {
  const rows = new Map<string, Point>();
  for (const p of points) {
    const ts = Math.floor(p.ts);
    const key = `${p.deviceId}\n${ts}`;
    let row = rows.get(key);
    if (!row) {
      row = new Point(MEASUREMENT).tag(DEVICE_TAG, p.deviceId).timestamp(ts);
      rows.set(key, row);
    }
    row.floatField(p.metric, p.value);
  }
  return [...rows.values()].map((row) => row.toLineProtocol({ convertTime: (t) => String(t) }) as string);
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

/**
 * TelemetryStore on InfluxDB: measurement `telemetry`, tag `device`, one field per metric, time in ms.
 * Line protocol from @influxdata/influxdb-client's Point; written to `/write` (1.x) or `/api/v2/write` (2.x/3.x,
 * detected from /ping's version); read with InfluxQL over `/query`, which 1.x, 2.x (v1 compatibility) and 3.x serve.
 * The server is contacted lazily, so the store can be created before InfluxDB is up.
 */
export async function createInfluxTelemetryStore(config: InfluxConfig): Promise<TelemetryStore> {
  const base = config.url.replace(/\/+$/, '');
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
      body: new URLSearchParams({ db: config.db, q, epoch: 'ms' }),
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

  async function detect(): Promise<WriteApi> {
    const major = Number.parseInt((await ping()).replace(/^v/, ''), 10);
    if (major !== 1) return (writeApi = '/api/v2/write');
    // Idempotent in 1.x; 2.x and 3.x have no CREATE DATABASE (their buckets/databases exist or appear on first write).
    await query(`CREATE DATABASE ${influxIdentifier(config.db)}`);
    return (writeApi = '/write');
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

  async function writeLines(body: string): Promise<void> {
    const api = await ready();
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

  const from = influxIdentifier(MEASUREMENT);
  const deviceTag = influxIdentifier(DEVICE_TAG);

  return {
    kind: 'influxdb',

    async write(points: readonly TelemetryPoint[]): Promise<void> {
      const lines = toLines(points);
      for (let i = 0; i < lines.length; i += LINES_PER_REQUEST) {
        await writeLines(lines.slice(i, i + LINES_PER_REQUEST).join('\n'));
      }
    },

    async latest(deviceIds?: readonly string[]): Promise<Map<string, LatestReading>> {
      const result = new Map<string, LatestReading>();
      if (deviceIds && deviceIds.length === 0) return result;
      const where = deviceIds ? `WHERE ${deviceIds.map((id) => `${deviceTag} = ${influxString(id)}`).join(' OR ')}` : '';
      // last(*) gives each field's last value but not its time; the newest row of each device gives the newest ts.
      const [lastValues = [], newestRows = []] = await read(
        `SELECT last(*) FROM ${from} ${where} GROUP BY ${deviceTag}`,
        `SELECT * FROM ${from} ${where} GROUP BY ${deviceTag} ORDER BY time DESC LIMIT 1`,
      );
      for (const series of newestRows) {
        const device = series.tags?.[DEVICE_TAG];
        const ts = series.values[0]?.[0];
        if (device !== undefined && typeof ts === 'number') result.set(device, { ts, metrics: {} });
      }
      for (const series of lastValues) {
        const reading = result.get(series.tags?.[DEVICE_TAG] ?? '');
        const row = series.values[0];
        if (!reading || !row) continue;
        series.columns.forEach((column, i) => {
          const value = row[i];
          if (column.startsWith('last_') && typeof value === 'number') reading.metrics[column.slice('last_'.length)] = value;
        });
      }
      return result;
    },

    async range(q: RangeQuery): Promise<SeriesPoint[]> {
      const field = influxIdentifier(q.metric);
      const where = `WHERE ${deviceTag} = ${influxString(q.deviceId)} AND time >= ${Math.ceil(q.from)}ms AND time < ${Math.ceil(q.to)}ms`;
      const statement = q.every
        ? `SELECT ${AGG_FUNCTION[q.agg ?? 'mean']}(${field}) FROM ${from} ${where} GROUP BY time(${Math.max(1, Math.round(q.every))}ms) fill(none)`
        : `SELECT ${field} FROM ${from} ${where} ORDER BY time ASC`;
      const [series = []] = await read(statement);
      const points: SeriesPoint[] = [];
      for (const s of series) {
        for (const [ts, value] of s.values) {
          if (typeof ts === 'number' && typeof value === 'number') points.push({ ts, value });
        }
      }
      return points;
    },

    async health(): Promise<Health> {
      try {
        const api = await ready();
        return { status: 'ok', adapter: 'influxdb', version: await ping(), db: config.db, writeApi: api };
      } catch (error) {
        return { status: 'down', adapter: 'influxdb', db: config.db, error: (error as Error).message };
      }
    },

    // Requests are independent HTTP calls: nothing to release.
    close: async () => {},
  };
}
