import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AGGREGATIONS,
  createPgliteDb,
  createSqlTelemetryStore,
  listMigrations,
  migrate,
  openTelemetryStore,
  type Aggregation,
  type Db,
  type SeriesPoint,
  type TelemetryPoint,
  type TelemetryStore,
} from '@ioc/core';
import { freePort, influxAvailable, postgresAvailable, startInflux, startInflux2Api, startPostgres } from '@ioc/core/testing';
import { createPostgresDb } from '../src/db/postgres.ts';
import { createInfluxTelemetryStore } from '../src/telemetry/influx.ts';

/** A store under test and how to dispose of it and whatever it runs on. */
interface Subject {
  store: TelemetryStore;
  dispose(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 08:00 UTC three days ago: recent enough for every retention tier, old enough for rollups to be complete. */
const T0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY + 8 * HOUR;

let sequence = 0;
/** A device id no other test of the suite uses (the store is shared by the suite's tests). */
function deviceId(name: string): string {
  sequence += 1;
  return `${name}-${sequence}`;
}

function point(device: string, metric: string, ts: number, value: number): TelemetryPoint {
  return { deviceId: device, metric, ts, value };
}

/** The TelemetryStore contract (core/src/telemetry/types.ts), run against every adapter. */
function telemetryStoreContract(kind: TelemetryStore['kind'], open: () => Promise<Subject>): void {
  let subject: Subject;
  let store: TelemetryStore;
  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(async () => {
    await subject?.dispose();
  });

  it('reports its kind and a healthy status', async () => {
    expect(store.kind).toBe(kind);
    expect((await store.health()).status).toBe('ok');
  });

  it('returns the latest value of each metric and the newest ts of the device', async () => {
    const d = deviceId('air');
    await store.write([
      point(d, 'pm25', T0, 10),
      point(d, 'pm25', T0 + 1000, 11.5),
      point(d, 'pm10', T0 + 500, 20),
      point(d, 'temp_c', T0 + 2000, 28.25),
    ]);
    const latest = await store.latest([d]);
    expect(latest.get(d)).toEqual({ ts: T0 + 2000, metrics: { pm25: 11.5, pm10: 20, temp_c: 28.25 } });
  });

  it('returns raw points of one metric in [from, to), oldest first', async () => {
    const d = deviceId('air');
    // Written out of order, mixed with another metric and another device.
    await store.write([
      point(d, 'pm25', T0 + 3000, 4),
      point(d, 'pm25', T0 + 1000, 2),
      point(d, 'pm25', T0, 1),
      point(d, 'pm25', T0 + 2000, 3),
      point(d, 'rh', T0 + 1000, 80),
      point(deviceId('other'), 'pm25', T0 + 1000, 99),
    ]);
    const points = await store.range({ deviceId: d, metric: 'pm25', from: T0 + 1000, to: T0 + 3000 });
    expect(points).toEqual([
      { ts: T0 + 1000, value: 2 },
      { ts: T0 + 2000, value: 3 },
    ]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 3001 })).toHaveLength(4);
  });

  it('aggregates per bucket with mean, min, max, count and last, the bucket start as ts', async () => {
    const d = deviceId('air');
    // Bucket 0: 10, 30, 20 (last 20); bucket 1: empty; bucket 2: 5 and 7 (last 7).
    await store.write([
      point(d, 'pm25', T0 + 5_000, 10),
      point(d, 'pm25', T0 + 10_000, 30),
      point(d, 'pm25', T0 + 50_000, 20),
      point(d, 'pm25', T0 + 2 * MINUTE + 1_000, 5),
      point(d, 'pm25', T0 + 2 * MINUTE + 59_000, 7),
    ]);
    const range = { deviceId: d, metric: 'pm25', from: T0, to: T0 + 3 * MINUTE, every: MINUTE };
    const buckets = (values: number[]) => [
      { ts: T0, value: values[0] },
      { ts: T0 + 2 * MINUTE, value: values[1] },
    ];
    expect(await store.range(range)).toEqual(buckets([20, 6]));
    expect(await store.range({ ...range, agg: 'mean' })).toEqual(buckets([20, 6]));
    expect(await store.range({ ...range, agg: 'min' })).toEqual(buckets([10, 5]));
    expect(await store.range({ ...range, agg: 'max' })).toEqual(buckets([30, 7]));
    expect(await store.range({ ...range, agg: 'count' })).toEqual(buckets([3, 2]));
    expect(await store.range({ ...range, agg: 'last' })).toEqual(buckets([20, 7]));
  });

  it('keeps points at from and drops points at to when aggregating', async () => {
    const d = deviceId('air');
    await store.write([point(d, 'pm25', T0, 1), point(d, 'pm25', T0 + MINUTE - 1, 2), point(d, 'pm25', T0 + MINUTE, 100)]);
    const result = await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + MINUTE, every: MINUTE, agg: 'count' });
    expect(result).toEqual([{ ts: T0, value: 2 }]);
  });

  it('keeps one point when the same device, metric and ts are written twice', async () => {
    const d = deviceId('air');
    await store.write([point(d, 'pm25', T0, 12), point(d, 'pm10', T0, 30)]);
    await store.write([point(d, 'pm25', T0, 12)]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 12 }]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 1, every: MINUTE, agg: 'count' })).toEqual([
      { ts: T0, value: 1 },
    ]);
    expect((await store.latest([d])).get(d)).toEqual({ ts: T0, metrics: { pm25: 12, pm10: 30 } });
  });

  it('keeps the value written last for a repeated device, metric and ts, in range and latest alike', async () => {
    const d = deviceId('air');
    await store.write([point(d, 'pm25', T0, 12)]);
    await store.write([point(d, 'pm25', T0, 13)]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 13 }]);
    expect((await store.latest([d])).get(d)).toEqual({ ts: T0, metrics: { pm25: 13 } });
    // Within one batch too.
    await store.write([point(d, 'pm25', T0 + 1000, 1), point(d, 'rh', T0 + 1000, 50), point(d, 'pm25', T0 + 1000, 2)]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 2000 })).toEqual([
      { ts: T0, value: 13 },
      { ts: T0 + 1000, value: 2 },
    ]);
    expect((await store.latest([d])).get(d)).toEqual({ ts: T0 + 1000, metrics: { pm25: 2, rh: 50 } });
    // And when another device's point comes between the two.
    const other = deviceId('air');
    await store.write([point(d, 'pm25', T0 + 2000, 1), point(other, 'pm25', T0 + 2000, 9), point(d, 'pm25', T0 + 2000, 3)]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0 + 2000, to: T0 + 2001 })).toEqual([{ ts: T0 + 2000, value: 3 }]);
  });

  it('keeps a newer latest value when a late reading of the same metric comes after it', async () => {
    const d = deviceId('air');
    await store.write([point(d, 'pm25', T0 + 2000, 5)]);
    // A device catching up, or a replayed spill: older than what latest holds for pm25, newer news for rh.
    await store.write([point(d, 'pm25', T0 + 1000, 9), point(d, 'rh', T0 + 1000, 50)]);
    expect((await store.latest([d])).get(d)).toEqual({ ts: T0 + 2000, metrics: { pm25: 5, rh: 50 } });
    // History keeps the late point all the same.
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 3000 })).toEqual([
      { ts: T0 + 1000, value: 9 },
      { ts: T0 + 2000, value: 5 },
    ]);
  });

  it('keeps devices and metrics apart and returns latest for a subset or for all', async () => {
    const [a, b, c] = [deviceId('water'), deviceId('noise'), deviceId('speaker')];
    await store.write([
      point(a, 'level_cm', T0, 120),
      point(a, 'rain_mm', T0 + 1000, 3.5),
      point(b, 'laeq_db', T0 + 2000, 61),
      point(c, 'volume', T0 + 3000, 70),
      point(c, 'playing', T0 + 3000, 1),
    ]);
    const subset = await store.latest([a, c]);
    expect([...subset.keys()].sort()).toEqual([a, c].sort());
    expect(subset.get(a)).toEqual({ ts: T0 + 1000, metrics: { level_cm: 120, rain_mm: 3.5 } });
    expect(subset.get(c)).toEqual({ ts: T0 + 3000, metrics: { volume: 70, playing: 1 } });
    const all = await store.latest();
    expect(all.get(b)).toEqual({ ts: T0 + 2000, metrics: { laeq_db: 61 } });
    expect([a, b, c].every((id) => all.has(id))).toBe(true);
    expect(await store.range({ deviceId: a, metric: 'laeq_db', from: T0, to: T0 + MINUTE })).toEqual([]);
  });

  it('aggregates from rollups exactly as from raw points, with unaligned edges read raw', async () => {
    const d = deviceId('air');
    // Every 7 s for 3 h: values 0..1542 with a repeating pattern, so every aggregation differs per bucket.
    const points = Array.from({ length: (3 * HOUR) / 7000 }, (_, i) => point(d, 'pm25', T0 + i * 7000, (i * 37) % 101));
    await store.write(points);
    const expected = (from: number, to: number, every: number, agg: Aggregation) => {
      const buckets = new Map<number, number[]>();
      for (const p of points) {
        if (p.ts < from || p.ts >= to) continue;
        const bucket = Math.floor(p.ts / every) * every;
        buckets.set(bucket, [...(buckets.get(bucket) ?? []), p.value]);
      }
      return [...buckets.entries()].map(([ts, values]) => {
        const value = { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values), count: values.length, last: values.at(-1) as number }[agg];
        return { ts, value };
      });
    };
    const close = (actual: SeriesPoint[], wanted: SeriesPoint[]) => {
      expect(actual.map((p) => p.ts)).toEqual(wanted.map((p) => p.ts));
      actual.forEach((p, i) => expect(p.value).toBeCloseTo(wanted[i]?.value as number, 9));
    };
    const windows: [number, number, number][] = [
      [T0 + 90_000, T0 + 2 * HOUR + 30_000, 5 * MINUTE],
      [T0 - HOUR, T0 + 4 * HOUR, HOUR],
      [T0 + 10 * MINUTE + 1, T0 + 3 * HOUR - 1, HOUR],
      [T0 - DAY, T0 + DAY, DAY],
      [T0, T0 + HOUR, 30_000],
    ];
    for (const [from, to, every] of windows) {
      for (const agg of AGGREGATIONS) close(await store.range({ deviceId: d, metric: 'pm25', from, to, every, agg }), expected(from, to, every, agg));
    }
    // A rewritten point changes its rollups too.
    await store.write([point(d, 'pm25', T0 + 7000, 1000)]);
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + HOUR, every: HOUR, agg: 'max' })).toEqual([{ ts: T0, value: 1000 }]);
  });

  it('stores device ids with spaces, commas and equals signs as given', async () => {
    const d = deviceId('odd id,a=b');
    await store.write([point(d, 'pm25', T0, 3)]);
    expect((await store.latest([d])).get(d)).toEqual({ ts: T0, metrics: { pm25: 3 } });
    expect(await store.range({ deviceId: d, metric: 'pm25', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 3 }]);
  });

  it('returns empty results where there is nothing', async () => {
    const unknown = deviceId('nobody');
    await store.write([]);
    expect((await store.latest([unknown])).size).toBe(0);
    expect((await store.latest([])).size).toBe(0);
    expect(await store.range({ deviceId: unknown, metric: 'pm25', from: T0, to: T0 + MINUTE })).toEqual([]);
    expect(await store.range({ deviceId: unknown, metric: 'pm25', from: T0, to: T0 + MINUTE, every: 1000, agg: 'max' })).toEqual([]);
  });
}

async function sqlOn(db: Db, dispose: () => Promise<void>): Promise<Subject> {
  await migrate(db);
  return { store: createSqlTelemetryStore(db), dispose };
}

describe('TelemetryStore contract: SQL on PGlite', () => {
  telemetryStoreContract('sql', async () => {
    const db = await createPgliteDb();
    return sqlOn(db, () => db.close());
  });
});

describe('SQL TelemetryStore rollups', () => {
  it('marks the buckets a write touches and rolls them up in the background, without waiting for a read', async () => {
    const db = await createPgliteDb();
    try {
      await migrate(db);
      const store = createSqlTelemetryStore(db);
      const minute = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
      await store.write([point('bg-1', 'pm25', minute, 3), point('bg-1', 'pm25', minute + 1000, 5)]);
      expect((await db.query('SELECT * FROM telemetry_rollup_pending')).rows).toHaveLength(1);
      await vi.waitFor(async () => expect((await db.query('SELECT * FROM telemetry_rollup_pending')).rows).toHaveLength(0));
      const { rows } = await db.query<{ count: number; sum: number; max: number; last: number }>(
        'SELECT count, sum, max, last FROM telemetry_1m WHERE device_id = $1',
        ['bg-1'],
      );
      expect(rows).toEqual([{ count: 2, sum: 8, max: 5, last: 5 }]);
      await store.close();
    } finally {
      await db.close();
    }
  });
});

describe('SQL latest readings', () => {
  it('keeps the per-metric latest rows of before migration 008 as one row per device', async () => {
    const db = await createPgliteDb();
    try {
      const migrations = listMigrations();
      const before = migrations.findIndex((m) => m.version.startsWith('008_'));
      await migrate(db, migrations.slice(0, before));
      await db.query(
        `INSERT INTO telemetry_latest (device_id, metric, ts, value) VALUES ('m-1', 'pm25', $1, 12.5), ('m-1', 'rh', $2, 70), ('m-2', 'laeq_db', $1, 61)`,
        [new Date(T0).toISOString(), new Date(T0 + 1000).toISOString()],
      );
      await migrate(db);
      const store = createSqlTelemetryStore(db);
      expect(await store.latest()).toEqual(
        new Map([
          ['m-1', { ts: T0 + 1000, metrics: { pm25: 12.5, rh: 70 } }],
          ['m-2', { ts: T0, metrics: { laeq_db: 61 } }],
        ]),
      );
      // Each metric kept its own time: pm25 at T0 + 500 is newer news, rh at T0 + 500 is not.
      await store.write([point('m-1', 'pm25', T0 + 500, 13), point('m-1', 'rh', T0 + 500, 1)]);
      expect((await store.latest(['m-1'])).get('m-1')).toEqual({ ts: T0 + 1000, metrics: { pm25: 13, rh: 70 } });
      await store.close();
    } finally {
      await db.close();
    }
  });
});

describe('SQL TelemetryStore retention', () => {
  it('deletes raw points past the raw retention and minute rollups past theirs, keeping hourly ones', async () => {
    const db = await createPgliteDb();
    try {
      await migrate(db);
      const store = createSqlTelemetryStore(db, { raw: 30 * DAY, minute: 365 * DAY });
      const now = Math.floor(Date.now() / HOUR) * HOUR;
      const range = (ts: number, every?: number) => store.range({ deviceId: 'old-1', metric: 'pm25', from: ts - HOUR, to: ts + HOUR, every, agg: every ? 'count' : undefined });
      const [recent, month, year] = [now - 2 * DAY, now - 40 * DAY, now - 400 * DAY];
      await store.write([recent, month, year].flatMap((ts) => [point('old-1', 'pm25', ts, 1), point('old-1', 'pm25', ts + 1000, 2)]));
      await store.applyRetention(now);
      expect(await range(recent)).toHaveLength(2);
      expect(await range(month)).toEqual([]);
      expect(await range(month, MINUTE)).toEqual([{ ts: month, value: 2 }]);
      expect(await range(year, MINUTE)).toEqual([]);
      expect(await range(year, HOUR)).toEqual([{ ts: year, value: 2 }]);
    } finally {
      await db.close();
    }
  });
});

describe.skipIf(!postgresAvailable())('TelemetryStore contract: SQL on PostgreSQL', () => {
  telemetryStoreContract('sql', async () => {
    const server = await startPostgres();
    const db = await createPostgresDb(server.url);
    return sqlOn(db, async () => {
      await db.close();
      await server.stop();
    });
  });
});

describe.skipIf(!postgresAvailable())('latest readings on PostgreSQL under concurrent writes', () => {
  it('takes batches of the same devices in any order at once without a deadlock', async () => {
    const server = await startPostgres();
    const db = await createPostgresDb(server.url);
    try {
      await migrate(db);
      const store = createSqlTelemetryStore(db);
      const devices = Array.from({ length: 200 }, (_, i) => `dev-${String(i).padStart(3, '0')}`);
      // Ingest writes up to 4 batches at once; each batch holds the same devices in the order they reported.
      const reordered = (k: number) => {
        const rotated = [...devices.slice(k * 37 % 200), ...devices.slice(0, k * 37 % 200)];
        return k % 2 ? rotated.reverse() : rotated;
      };
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          [1, 2, 3, 4, 5, 6].map((seed) =>
            store.write(reordered(seed + round).map((deviceId, i) => point(deviceId, 'pm25', T0 + round * MINUTE + seed, i))),
          ),
        );
      }
      expect((await store.latest()).size).toBe(200);
    } finally {
      await db.close();
      await server.stop();
    }
  }, 60_000);
});

/** The relational store the InfluxDB adapter keeps the latest readings in. */
async function relationalDb(): Promise<Db> {
  const db = await createPgliteDb();
  await migrate(db);
  return db;
}

describe.skipIf(!influxAvailable())('TelemetryStore contract: InfluxDB', () => {
  telemetryStoreContract('influxdb', async () => {
    const server = await startInflux();
    const db = await relationalDb();
    const store = await createInfluxTelemetryStore({ url: server.url, db: server.db }, db);
    return {
      store,
      dispose: async () => {
        await store.close();
        await db.close();
        await server.stop();
      },
    };
  });
});

describe.skipIf(!influxAvailable())('TelemetryStore contract: InfluxDB 2.x write API (a local server speaking it, over influxd 1.x)', () => {
  telemetryStoreContract('influxdb', async () => {
    const server = await startInflux();
    const api = await startInflux2Api({ upstream: server.url, bucket: 'telemetry-v2' });
    const db = await relationalDb();
    const store = await createInfluxTelemetryStore({ url: api.url, db: 'ioc', token: api.token, org: api.org, bucket: api.bucket }, db);
    return {
      store,
      dispose: async () => {
        await store.close();
        await db.close();
        await api.close();
        await server.stop();
      },
    };
  });
});

/**
 * Forwards to a real InfluxDB but announces another version in /ping, and records the paths asked for: shows
 * what the adapter does with a server that says it is 2.x.
 */
async function versionRewritingProxy(target: string, version: string): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer(async (req, res) => {
    paths.push((req.url ?? '').split('?')[0] as string);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      'x-influxdb-version': version,
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, paths, server };
}

describe.skipIf(!influxAvailable())('InfluxDB adapter', () => {
  let db: Db;
  beforeAll(async () => {
    db = await relationalDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('writes to /api/v2/write for a 2.x server and falls back to /write when that answers 404', async () => {
    const server = await startInflux();
    const proxy = await versionRewritingProxy(server.url, 'v2.7.11');
    try {
      // The database exists, as a 2.x bucket would.
      await (await createInfluxTelemetryStore({ url: server.url, db: server.db }, db)).health();
      const store = await createInfluxTelemetryStore({ url: proxy.url, db: server.db }, db);
      await store.write([point('dev-2', 'pm25', T0, 7)]);
      await store.write([point('dev-2', 'pm25', T0 + 1000, 8)]);
      expect(proxy.paths.filter((p) => p.includes('write'))).toEqual(['/api/v2/write', '/write', '/write']);
      expect((await store.latest(['dev-2'])).get('dev-2')).toEqual({ ts: T0 + 1000, metrics: { pm25: 8 } });
      expect(await store.health()).toMatchObject({ status: 'ok', version: 'v2.7.11', writeApi: '/write' });
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
      await server.stop();
    }
  });

  it('sets up retention policies and continuous queries on 1.x, and rolls late points up at once', async () => {
    const server = await startInflux();
    try {
      const store = await createInfluxTelemetryStore({ url: server.url, db: server.db }, db, { raw: 30 * DAY, minute: 365 * DAY });
      expect(await store.health()).toMatchObject({ status: 'ok', rollups: true });
      await store.write([point('dev-r', 'pm25', T0 + 1000, 4), point('dev-r', 'pm25', T0 + 2000, 6)]);
      const influxql = async (q: string) => {
        const response = await fetch(`${server.url}/query?${new URLSearchParams({ db: server.db, q, epoch: 'ms' })}`);
        return ((await response.json()) as { results: { series?: { name: string; columns: string[]; values: unknown[][] }[] }[] }).results[0]?.series ?? [];
      };
      const [policies] = await influxql('SHOW RETENTION POLICIES');
      expect(policies?.values.map((row) => [row[0], row[1], row[4]])).toEqual(
        expect.arrayContaining([['raw', '720h0m0s', true], ['rollup_1m', '8760h0m0s', false], ['rollup_1h', '0s', false]]),
      );
      const queries = (await influxql('SHOW CONTINUOUS QUERIES')).find((s) => s.name === server.db);
      expect(queries?.values.map((row) => row[0]).sort()).toEqual(['telemetry_1h', 'telemetry_1m']);
      const [minute] = await influxql(`SELECT pm25_count, pm25_sum, pm25_max, pm25_last FROM rollup_1m.telemetry WHERE device = 'dev-r'`);
      expect(minute?.values).toEqual([[T0, 2, 10, 6, 6]]);
      const [hour] = await influxql(`SELECT pm25_count, pm25_min FROM rollup_1h.telemetry WHERE device = 'dev-r'`);
      expect(hour?.values).toEqual([[T0, 2, 4]]);
      // Opening it again (a restart) finds them in place.
      expect(await (await createInfluxTelemetryStore({ url: server.url, db: server.db }, db)).health()).toMatchObject({ status: 'ok', rollups: true });
    } finally {
      await server.stop();
    }
  });

  it('detects InfluxDB 1.x, writes through /write and says so in health', async () => {
    const server = await startInflux();
    try {
      const store = await createInfluxTelemetryStore({ url: server.url, db: 'health_probe' }, db);
      const health = await store.health();
      expect(health).toMatchObject({ status: 'ok', adapter: 'influxdb', writeApi: '/write', db: 'health_probe' });
      expect(String(health.version)).toMatch(/^1\./);
    } finally {
      await server.stop();
    }
  });

  it('fills the latest readings from points written before they were kept, each metric with its own time', async () => {
    const server = await startInflux();
    const empty = await relationalDb();
    try {
      // The database and its retention policies as an earlier version left them, then raw points written as it wrote them.
      await (await createInfluxTelemetryStore({ url: server.url, db: server.db }, empty)).health();
      const lines = [`telemetry,device=old-1 pm25=7,rh=60 ${T0}`, `telemetry,device=old-1 pm25=8 ${T0 + 2000}`, `telemetry,device=old-2 laeq_db=55 ${T0}`];
      const written = await fetch(`${server.url}/write?db=${server.db}&precision=ms`, { method: 'POST', body: lines.join('\n') });
      expect(written.status).toBe(204);
      const store = await createInfluxTelemetryStore({ url: server.url, db: server.db }, empty);
      expect((await store.health()).status).toBe('ok');
      expect(await store.latest()).toEqual(
        new Map([
          ['old-1', { ts: T0 + 2000, metrics: { pm25: 8, rh: 60 } }],
          ['old-2', { ts: T0, metrics: { laeq_db: 55 } }],
        ]),
      );
      // rh keeps its own time (T0), so a reading of T0 + 1000 is newer for it, and older for pm25.
      await store.write([point('old-1', 'rh', T0 + 1000, 61), point('old-1', 'pm25', T0 + 1000, 1)]);
      expect((await store.latest(['old-1'])).get('old-1')).toEqual({ ts: T0 + 2000, metrics: { pm25: 8, rh: 61 } });
    } finally {
      await empty.close();
      await server.stop();
    }
  });

  it('is what openTelemetryStore gives for an INFLUX_URL', async () => {
    const db = await createPgliteDb();
    try {
      const store = await openTelemetryStore({ influx: { url: 'http://127.0.0.1:1', db: 'ioc' } }, db);
      expect(store.kind).toBe('influxdb');
      expect((await openTelemetryStore({}, db)).kind).toBe('sql');
    } finally {
      await db.close();
    }
  });

  it('turns server errors into Errors carrying the server message', async () => {
    const server = await startInflux();
    try {
      const store = await createInfluxTelemetryStore({ url: server.url, db: 'errors_probe' }, db);
      // 9e15 ms is beyond InfluxDB's int64 nanosecond time range: the server refuses the line.
      await expect(store.write([point('dev-1', 'pm25', 9e15, 1)])).rejects.toThrow(/^InfluxDB 400 on \/write: .*time outside range/);
    } finally {
      await server.stop();
    }
  });

  it('reports down and refuses writes when the server cannot be reached', async () => {
    const store = await createInfluxTelemetryStore({ url: `http://127.0.0.1:${await freePort()}`, db: 'ioc' }, db);
    const health = await store.health();
    expect(health.status).toBe('down');
    expect(String(health.error)).toMatch(/InfluxDB at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    await expect(store.write([point('dev-1', 'pm25', T0, 1)])).rejects.toThrow(/ECONNREFUSED/);
  });

  it('keeps what was written across a crash and restart of the server', async () => {
    const server = await startInflux();
    try {
      const store = await createInfluxTelemetryStore({ url: server.url, db: server.db }, db);
      await store.write([point('dev-1', 'pm25', T0, 42)]);
      await server.kill();
      // The latest readings live in the relational store: the device list still has them while InfluxDB is down.
      expect((await store.latest(['dev-1'])).get('dev-1')).toEqual({ ts: T0, metrics: { pm25: 42 } });
      await server.restart();
      expect((await store.latest(['dev-1'])).get('dev-1')).toEqual({ ts: T0, metrics: { pm25: 42 } });
    } finally {
      await server.stop();
    }
  });
});
