/**
 * History query timings (`npx ioc bench history`): the two reads the wall needs, on each TelemetryStore adapter
 * (InfluxDB, SQL on PostgreSQL, SQL on PGlite), each timed against the plain query one would write by hand for the
 * same answer from the raw points, in the same run on the same data (the peer):
 *
 * - `month_chart`: hourly means of one metric of one station over 30 days (`range` with `every` 1 h); the peer is
 *   InfluxQL `GROUP BY time(1h)`, or SQL `GROUP BY date_bin('1 hour', …)`, over the raw points;
 * - `latest_all`: the latest reading of every device, 10,000 of them (`latest()`, what the device list asks);
 *   the peer is InfluxQL `last(*) … GROUP BY device`, or SQL `DISTINCT ON (device_id, metric)` over the raw points.
 *   Both adapters keep the latest readings in the relational store (core/src/telemetry/latest.ts); the InfluxDB
 *   adapter runs here as in production, with PostgreSQL as that store;
 * - `devices_api`: the whole `GET /api/devices` (Fastify inject: session check, registry revision, presence and latest
 *   readings, raised anomalies, JSON of every device) with the same devices registered; `devices_map`: the same with
 *   `?view=map`, what the wall map loads (id, kind, area, position, online, latest). No peer. The `first_ms` of
 *   `devices_api` includes reading the registry into the dashboard's memory (device-list.ts), as after each change.
 *
 * The station reports 5 metrics every minute for the month; each device one 5-metric reading in the last hour. Each
 * query runs `--repeat` times after one untimed run (`first_ms`: on the SQL adapter, that run also rolls up what the
 * writes marked). Options: --devices N (10000), --days N (30), --repeat N (20), --only influx|postgres|pglite (all three).
 * Target: p95 under 200 ms (issue 4).
 */
import { loadavg } from 'node:os';
import {
  createDevices,
  createLogger,
  loadAreaSet,
  createPgliteDb,
  createSqlTelemetryStore,
  migrate,
  openDb,
  openTelemetryStore,
  systemClock,
  upsertUser,
  type Db,
  type TelemetryPoint,
  type TelemetryStore,
} from '@ioc/core';
import { buildDashboardApp, createSessionStore } from '@ioc/dashboard';
import { startInflux, startPostgres, type InfluxServer } from '@ioc/core/testing';
import { line, option } from './common.ts';
import { influxql } from './ingest/system.ts';

const DEVICES = option('devices', 10_000);
const DAYS = option('days', 30);
const REPEAT = option('repeat', 20);
const TARGET_MS = 200;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const STATION = 'station-0001';
const METRICS = ['pm25', 'pm10', 'no2', 'temp_c', 'rh'] as const;
const WRITE_BATCH = 5000;
const INFLUX_DB = 'history_bench';
const ADAPTERS = ['influx', 'postgres', 'pglite'] as const;
type Adapter = (typeof ADAPTERS)[number];

/** `--only influx|postgres|pglite`: the adapters to measure (all when absent). */
function only(): readonly Adapter[] {
  const index = process.argv.indexOf('--only');
  if (index < 0) return ADAPTERS;
  const name = process.argv[index + 1] as Adapter;
  if (!ADAPTERS.includes(name)) throw new Error(`--only needs one of ${ADAPTERS.join(', ')}`);
  return [name];
}
const ONLY = only();

const now = Math.floor(Date.now() / HOUR) * HOUR;
const month = { from: now - DAYS * 24 * HOUR, to: now };

const deviceName = (d: number) => `dev-${String(d).padStart(5, '0')}`;

function reading(deviceId: string, ts: number, n: number): TelemetryPoint[] {
  return METRICS.map((metric, i) => ({ deviceId, metric, ts, value: 10 + ((n * 7 + i * 13) % 50) }));
}

/** The station's month, then one reading of each device, written in batches as ingest writes them. */
async function load(store: TelemetryStore): Promise<number> {
  const started = performance.now();
  let batch: TelemetryPoint[] = [];
  const add = async (points: TelemetryPoint[]) => {
    batch.push(...points);
    if (batch.length >= WRITE_BATCH) {
      await store.write(batch);
      batch = [];
    }
  };
  let n = 0;
  for (let ts = month.from; ts < month.to; ts += MINUTE) await add(reading(STATION, ts, n++));
  for (let d = 0; d < DEVICES; d++) await add(reading(deviceName(d), now - ((d * 997) % HOUR), d));
  await store.write(batch);
  return Math.round(performance.now() - started);
}

function percentile(sorted: number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] as number) * 10) / 10;
}

/** One untimed run, then `REPEAT` timed ones: { first_ms, p50_ms, p95_ms }. */
async function time(run: () => Promise<unknown>) {
  const t0 = performance.now();
  await run();
  const first = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { first_ms: Math.round(first), p50_ms: percentile(times, 0.5), p95_ms: percentile(times, 0.95) };
}

interface Peer {
  monthChart(): Promise<number>;
  latestAll(): Promise<number>;
}

function sqlPeer(db: Db): Peer {
  return {
    monthChart: async () =>
      (
        await db.query(
          `SELECT date_bin(interval '1 hour', ts, 'epoch'::timestamptz) AS ts, avg(value) AS value FROM telemetry
            WHERE device_id = $1 AND metric = 'pm25' AND ts >= $2 AND ts < $3 GROUP BY 1 ORDER BY 1`,
          [STATION, new Date(month.from).toISOString(), new Date(month.to).toISOString()],
        )
      ).rows.length,
    latestAll: async () =>
      (await db.query('SELECT DISTINCT ON (device_id, metric) device_id, metric, ts, value FROM telemetry ORDER BY device_id, metric, ts DESC')).rows
        .length,
  };
}

function influxPeer(influx: InfluxServer): Peer {
  return {
    monthChart: async () =>
      (
        await influxql(
          influx,
          INFLUX_DB,
          `SELECT mean("pm25") FROM "telemetry" WHERE "device" = '${STATION}' AND time >= ${month.from}ms AND time < ${month.to}ms GROUP BY time(1h) fill(none)`,
        )
      ).length,
    latestAll: async () => {
      const response = await fetch(`${influx.url}/query?${new URLSearchParams({ db: INFLUX_DB, q: 'SELECT last(*) FROM "telemetry" GROUP BY "device"', epoch: 'ms' })}`);
      const body = (await response.json()) as { results: { series?: unknown[] }[] };
      return body.results[0]?.series?.length ?? 0;
    },
  };
}

/** The dashboard's GET `url` (a device list) over `db` and `store`, the bench's devices registered and a viewer signed in. */
async function devicesApi(db: Db, store: TelemetryStore): Promise<(url: string) => Promise<number>> {
  const registered = await createDevices(db, [STATION, ...Array.from({ length: DEVICES }, (_, d) => deviceName(d))].map((id) => ({ id, kind: 'air' })));
  if (!registered.ok) throw new Error(`registering the bench devices failed: ${registered.errors[0]?.message}`);
  const password = 'history-bench-viewer';
  await upsertUser(db, 'bench-viewer', password, 'viewer');
  const app = await buildDashboardApp({
    logger: createLogger({ level: 'silent' }),
    areaSet: loadAreaSet(),
    db,
    telemetry: store,
    clock: systemClock,
    sessions: createSessionStore(db, systemClock),
    health: async () => ({}),
    webDir: '/nonexistent',
  });
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'bench-viewer', password } });
  const session = login.cookies.find((c) => c.name === 'ioc_session');
  if (!session) throw new Error(`bench sign-in failed: ${login.statusCode} ${login.body}`);
  return async (url) => {
    const response = await app.inject({ url, headers: { cookie: `ioc_session=${session.value}` } });
    if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode}`);
    return response.rawPayload.length;
  };
}

async function measure(adapter: string, store: TelemetryStore, peer: Peer, db: Db): Promise<void> {
  const loadMs = await load(store);
  line({ adapter, phase: 'loaded', points: ((month.to - month.from) / MINUTE + DEVICES) * METRICS.length, load_ms: loadMs });
  const chart = await store.range({ deviceId: STATION, metric: 'pm25', from: month.from, to: month.to, every: HOUR, agg: 'mean' });
  const latest = await store.latest();
  const peerAnswers = { chart: await peer.monthChart(), latest: await peer.latestAll() };
  const queries = [
    { query: 'month_chart', answer: chart.length, peer_answer: peerAnswers.chart, ours: () => store.range({ deviceId: STATION, metric: 'pm25', from: month.from, to: month.to, every: HOUR, agg: 'mean' }), peer: peer.monthChart },
    { query: 'latest_all', answer: latest.size, peer_answer: peerAnswers.latest, ours: () => store.latest(), peer: peer.latestAll },
  ];
  const devices = await devicesApi(db, store);
  for (const q of queries) {
    const ours = await time(q.ours);
    const theirs = await time(q.peer);
    line({
      adapter,
      query: q.query,
      rows: q.answer,
      peer_rows: q.peer_answer,
      ...ours,
      peer_first_ms: theirs.first_ms,
      peer_p50_ms: theirs.p50_ms,
      peer_p95_ms: theirs.p95_ms,
      target_ms: TARGET_MS,
      met: ours.p95_ms < TARGET_MS,
    });
  }
  for (const [query, url] of [['devices_api', '/api/devices'], ['devices_map', '/api/devices?view=map']] as const) {
    let bytes = 0;
    const api = await time(async () => (bytes = await devices(url)));
    line({ adapter, query, rows: DEVICES + 1, bytes, ...api, target_ms: TARGET_MS, met: api.p95_ms < TARGET_MS });
  }
}

/** InfluxDB as `INFLUX_URL` and `DATABASE_URL` open it in production: the latest readings live in PostgreSQL. */
async function measureInflux(): Promise<void> {
  const influx = await startInflux();
  const postgres = await startPostgres();
  try {
    const db = await openDb({ databaseUrl: postgres.url, dataDir: '' });
    const store = await openTelemetryStore({ influx: { url: influx.url, db: INFLUX_DB } }, db);
    await measure('influxdb', store, influxPeer(influx), db);
    await store.close();
    await db.close();
  } finally {
    await postgres.stop();
    await influx.stop();
  }
}

async function measureSql(adapter: string, db: Db): Promise<void> {
  await migrate(db);
  const store = createSqlTelemetryStore(db);
  await measure(adapter, store, sqlPeer(db), db);
  await store.close();
  await db.close();
}

async function main(): Promise<void> {
  line({ bench: 'history', devices: DEVICES, days: DAYS, repeat: REPEAT, adapters: ONLY, load_average: loadavg().map((l) => Math.round(l * 100) / 100) });
  if (ONLY.includes('influx')) await measureInflux();
  if (ONLY.includes('postgres')) {
    const postgres = await startPostgres();
    try {
      await measureSql('sql-postgresql', await openDb({ databaseUrl: postgres.url, dataDir: '' }));
    } finally {
      await postgres.stop();
    }
  }
  if (ONLY.includes('pglite')) await measureSql('sql-pglite', await createPgliteDb());
  line({ summary: 'history', load_average: loadavg().map((l) => Math.round(l * 100) / 100) });
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
