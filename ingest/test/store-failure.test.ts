import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTelemetryStore, type TelemetryStore } from '@ioc/core';
import { influxAvailable, startInflux, type InfluxServer } from '@ioc/core/testing';
import { startIngestFixture, type IngestFixture } from './fixture.ts';

describe.skipIf(!influxAvailable())('ingest while InfluxDB is down', () => {
  let influx: InfluxServer;
  let store: TelemetryStore;
  let f: IngestFixture;
  beforeAll(async () => {
    influx = await startInflux();
    f = await startIngestFixture((db) => openTelemetryStore({ influx: { url: influx.url, db: influx.db } }, db));
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
      { timeout: 20_000, interval: 200 },
    );
    expect(await f.ingest.health()).toMatchObject({ status: 'ok', written: 2, pending: { points: 0 } });
  });
});
