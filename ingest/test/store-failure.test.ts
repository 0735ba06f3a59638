import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTelemetryStore, type TelemetryStore } from '@ioc/core';
import { influxAvailable, startInflux, type InfluxServer } from '@ioc/core/testing';
import { startIngestFixture, type IngestFixture } from './fixture.ts';

const WAIT = { timeout: 30_000, interval: 200 };

describe.skipIf(!influxAvailable())('ingest while InfluxDB is down', () => {
  let influx: InfluxServer;
  let store: TelemetryStore;
  let f: IngestFixture;
  beforeAll(async () => {
    influx = await startInflux();
    // A small memory bound: more than 10 waiting readings spill to disk.
    f = await startIngestFixture((db) => openTelemetryStore({ influx: { url: influx.url, db: influx.db } }, db), { maxPending: 20, batchSize: 5 });
    store = f.telemetry;
  });
  afterAll(async () => {
    await f?.close();
    await influx?.stop();
  });

  it('keeps the reading, retries, and stores it once InfluxDB is back', async () => {
    const device = await f.device('air-down-1');
    const topic = 'ioc/v1/devices/air-down-1/telemetry';
    const ts = Date.now() - 10_000;
    await device.publishAsync(topic, JSON.stringify({ ts, metrics: { pm25: 10 } }), { qos: 1 });
    await vi.waitFor(async () => expect((await store.latest(['air-down-1'])).get('air-down-1')?.ts).toBe(ts));

    await influx.kill();
    await device.publishAsync(topic, JSON.stringify({ ts: ts + 1000, metrics: { pm25: 20 } }), { qos: 1 });
    await vi.waitFor(async () =>
      expect(await f.ingest.health()).toMatchObject({ status: 'degraded', pending: { points: 1 }, lastError: expect.any(String) }),
    );

    await influx.restart();
    await vi.waitFor(
      async () =>
        expect(await store.range({ deviceId: 'air-down-1', metric: 'pm25', from: ts, to: ts + 2000 })).toEqual([
          { ts, value: 10 },
          { ts: ts + 1000, value: 20 },
        ]),
      WAIT,
    );
    expect(await f.ingest.health()).toMatchObject({ status: 'ok', written: 2, pending: { points: 0 } });
  });

  it('spills to disk beyond its memory bound during an outage, across an ingest restart, and writes every reading once back', async () => {
    const device = await f.device('air-down-2');
    const topic = 'ioc/v1/devices/air-down-2/telemetry';
    const t0 = Date.now() - 60_000;
    const count = 100;
    await influx.kill();
    for (let i = 0; i < count / 2; i++) {
      await device.publishAsync(topic, JSON.stringify({ ts: t0 + i, metrics: { pm25: i, rh: 40 } }), { qos: 1 });
    }
    await vi.waitFor(async () => expect(((await f.ingest.health()).pending as { spilled: number }).spilled).toBeGreaterThan(0), WAIT);
    // Restarted while the store is still down: what is in memory goes to the spill, the next ingest replays it.
    await f.restartIngest();
    for (let i = count / 2; i < count; i++) {
      await device.publishAsync(topic, JSON.stringify({ ts: t0 + i, metrics: { pm25: i, rh: 40 } }), { qos: 1 });
    }
    await influx.restart();
    await vi.waitFor(
      async () => expect(await store.range({ deviceId: 'air-down-2', metric: 'pm25', from: t0, to: t0 + count })).toHaveLength(count),
      WAIT,
    );
    const points = await store.range({ deviceId: 'air-down-2', metric: 'pm25', from: t0, to: t0 + count });
    expect(points.map((p) => p.value)).toEqual(Array.from({ length: count }, (_, i) => i));
    await vi.waitFor(async () => expect(await f.ingest.health()).toMatchObject({ status: 'ok', pending: { points: 0, spilled: 0 } }), WAIT);
  });
});
