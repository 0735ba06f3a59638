import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb, loadCommonConfig, migrate, type Db, type TelemetryStore } from '@ioc/core';
import { influxAvailable, startInflux, startInflux2Api, type Influx2Api, type InfluxServer } from '@ioc/core/testing';
import { createInfluxTelemetryStore } from '../src/telemetry/influx.ts';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

describe('InfluxDB 2.x/3.x configuration', () => {
  const base = { IOC_DATA_DIR: '/tmp/ioc-influx-v2-config', INFLUX_URL: 'http://127.0.0.1:8086' };

  it('writes to the bucket of an organisation with a token; the bucket defaults to INFLUX_DB', () => {
    expect(loadCommonConfig({ ...base, INFLUX_TOKEN: 't0k3n', INFLUX_ORG: 'hue', INFLUX_BUCKET: 'telemetry' }).influx).toMatchObject({ org: 'hue', bucket: 'telemetry', token: 't0k3n' });
    expect(loadCommonConfig({ ...base, INFLUX_DB: 'iot', INFLUX_TOKEN: 't0k3n', INFLUX_ORG: 'hue' }).influx).toMatchObject({ org: 'hue', bucket: 'iot' });
    expect(loadCommonConfig({ ...base, INFLUX_TOKEN: 't0k3n' }).influx?.org).toBeUndefined();
  });

  it('refuses an organisation without a token, and a bucket without an organisation, naming the variable', () => {
    expect(() => loadCommonConfig({ ...base, INFLUX_ORG: 'hue' })).toThrow(/^INFLUX_TOKEN: INFLUX_ORG needs INFLUX_TOKEN/);
    expect(() => loadCommonConfig({ ...base, INFLUX_TOKEN: 't', INFLUX_BUCKET: 'b' })).toThrow(/^INFLUX_ORG: INFLUX_BUCKET needs INFLUX_ORG/);
  });
});

describe.skipIf(!influxAvailable())('InfluxDB adapter on the 2.x/3.x write API (a local server speaking it)', () => {
  let server: InfluxServer;
  let api: Influx2Api;
  let db: Db;
  let store: TelemetryStore;
  const open = (overrides: { token?: string; bucket?: string; org?: string } = {}) =>
    createInfluxTelemetryStore({ url: api.url, db: 'ioc', token: api.token, org: api.org, bucket: api.bucket, ...overrides }, db);

  beforeAll(async () => {
    server = await startInflux();
    api = await startInflux2Api({ upstream: server.url, bucket: 'ioc-telemetry', maxBodyBytes: 64 * 1024 });
    db = await createPgliteDb();
    await migrate(db);
    store = await open();
  });
  afterAll(async () => {
    await db?.close();
    await api?.close();
    await server?.stop();
  });

  it('writes through /api/v2/write with its token, org, bucket and ms precision, and reads with InfluxQL on the bucket', async () => {
    const before = api.requests.length;
    await store.write([
      { deviceId: 'air-1', metric: 'pm25', ts: T0, value: 12.5 },
      { deviceId: 'air-1', metric: 'pm10', ts: T0, value: 20 },
      { deviceId: 'air 2,x', metric: 'pm25', ts: T0 + 1000, value: 7 },
    ]);
    const asked = api.requests.slice(before);
    const writes = asked.filter((r) => r.path.includes('write'));
    expect(writes).toEqual([
      { method: 'POST', path: '/api/v2/write', params: { org: api.org, bucket: api.bucket, precision: 'ms' }, authorization: `Token ${api.token}` },
    ]);
    // No DDL: the bucket is its owner's, with its own retention.
    expect(asked.filter((r) => r.path === '/query').every((r) => r.authorization === `Token ${api.token}`)).toBe(true);
    expect(await store.range({ deviceId: 'air-1', metric: 'pm25', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 12.5 }]);
    // A tag value with a space and a comma, escaped by the client's escaping, reads back as written.
    expect(await store.range({ deviceId: 'air 2,x', metric: 'pm25', from: T0, to: T0 + 2000 })).toEqual([{ ts: T0 + 1000, value: 7 }]);
    expect(await store.health()).toMatchObject({ status: 'ok', version: 'v2.7.11', writeApi: '/api/v2/write', org: api.org, bucket: api.bucket, db: api.bucket, rollups: false });
  });

  it('passes on a refusal with the server message, its status and its Retry-After; the next write goes through', async () => {
    for (const status of [429, 503]) {
      api.refuseWrites(status, { retryAfterS: 3 });
      const refused = await store.write([{ deviceId: 'air-3', metric: 'pm25', ts: T0, value: 1 }]).catch((error: unknown) => error as Error & { status?: number; retryAfterMs?: number });
      expect(refused).toBeInstanceOf(Error);
      expect(refused).toMatchObject({ message: `InfluxDB ${status} on /api/v2/write: refused by the test (${status})`, status, retryAfterMs: 3000 });
    }
    await store.write([{ deviceId: 'air-3', metric: 'pm25', ts: T0, value: 2 }]);
    expect(await store.range({ deviceId: 'air-3', metric: 'pm25', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 2 }]);
    expect((await store.latest(['air-3'])).get('air-3')).toEqual({ ts: T0, metrics: { pm25: 2 } });
  });

  it('says what is wrong: a bad token, an unknown bucket, a batch too large, a point the server refuses', async () => {
    await expect((await open({ token: 'wrong' })).write([{ deviceId: 'a', metric: 'pm25', ts: T0, value: 1 }])).rejects.toThrow(/^InfluxDB 401 on \/api\/v2\/write: unauthorized access$/);
    await expect((await open({ bucket: 'nope' })).write([{ deviceId: 'a', metric: 'pm25', ts: T0, value: 1 }])).rejects.toThrow('InfluxDB 404 on /api/v2/write: bucket "nope" not found');
    const many = Array.from({ length: 2000 }, (_, i) => ({ deviceId: `air-${i}`, metric: 'pm25', ts: T0, value: i }));
    await expect(store.write(many)).rejects.toThrow('InfluxDB 413 on /api/v2/write: unable to read data: points batch is too large');
    // 9e15 ms is beyond InfluxDB's int64 nanosecond time range.
    await expect(store.write([{ deviceId: 'a', metric: 'pm25', ts: 9e15, value: 1 }])).rejects.toThrow(/^InfluxDB 400 on \/api\/v2\/write: .*time outside range/);
  });

  it('reports a server that went away, naming it', async () => {
    const front = await startInflux2Api({ upstream: server.url, bucket: api.bucket });
    const leaving = await createInfluxTelemetryStore({ url: front.url, db: 'ioc', token: front.token, org: front.org, bucket: front.bucket }, db);
    expect(await leaving.health()).toMatchObject({ status: 'ok' });
    await front.close();
    await expect(leaving.write([{ deviceId: 'a', metric: 'pm25', ts: T0, value: 1 }])).rejects.toThrow(new RegExp(`^InfluxDB at ${front.url}: .*ECONNREFUSED`));
  });
});
