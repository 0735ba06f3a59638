import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listDeadLetters, type TelemetryStore } from '@ioc/core';
import { startIngestFixture, type IngestFixture } from './fixture.ts';

describe('ingest', () => {
  let f: IngestFixture;
  let store: TelemetryStore;
  beforeAll(async () => {
    f = await startIngestFixture();
    store = f.telemetry;
  });
  afterAll(() => f.close());

  it('stores valid telemetry: latest reading and range', async () => {
    const device = await f.device('air-ing-1');
    const ts = Date.now() - 60_000;
    await device.publishAsync('ioc/v1/devices/air-ing-1/telemetry', JSON.stringify({ ts, metrics: { pm25: 35.2, rh: 80 } }), { qos: 1 });
    await device.publishAsync('ioc/v1/devices/air-ing-1/telemetry', JSON.stringify({ ts: ts + 1000, metrics: { pm25: 36 } }), { qos: 1 });

    await vi.waitFor(async () => expect((await store.latest(['air-ing-1'])).get('air-ing-1')?.metrics.pm25).toBe(36));
    expect((await store.latest(['air-ing-1'])).get('air-ing-1')).toEqual({ ts: ts + 1000, metrics: { pm25: 36, rh: 80 } });
    expect(await store.range({ deviceId: 'air-ing-1', metric: 'pm25', from: ts, to: ts + 2000 })).toEqual([
      { ts, value: 35.2 },
      { ts: ts + 1000, value: 36 },
    ]);
    expect(await f.ingest.health()).toMatchObject({ status: 'ok', written: 3 });
  });

  it('stores one point when the same message arrives twice', async () => {
    const device = await f.device('air-ing-dup');
    const message = JSON.stringify({ ts: Date.now() - 5000, metrics: { pm10: 50 } });
    await device.publishAsync('ioc/v1/devices/air-ing-dup/telemetry', message, { qos: 1 });
    await device.publishAsync('ioc/v1/devices/air-ing-dup/telemetry', message, { qos: 1 });
    const health = await f.ingest.health();
    await vi.waitFor(async () => expect(await f.ingest.health()).toMatchObject({ written: (health.written as number) + 2 }));
    expect(await store.range({ deviceId: 'air-ing-dup', metric: 'pm10', from: 0, to: Date.now() })).toHaveLength(1);
  });

  it('turns malformed JSON, unknown metrics, out-of-range values and unknown devices into dead letters', async () => {
    const device = await f.device('air-ing-bad');
    const topic = 'ioc/v1/devices/air-ing-bad/telemetry';
    await device.publishAsync(topic, '{"metrics": {"pm25": 1', { qos: 1 });
    await device.publishAsync(topic, '{"metrics":{"level_cm":3}}', { qos: 1 });
    await device.publishAsync(topic, '{"metrics":{"rh":140}}', { qos: 1 });
    await device.publishAsync(topic, Buffer.from([0x00, 0xff, 0x7b]), { qos: 1 });
    const service = await f.service();
    await service.publishAsync('ioc/v1/devices/ghost-1/telemetry', '{"metrics":{"pm25":1}}', { qos: 1 });

    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { deviceId: 'air-ing-bad' })).toHaveLength(4));
    const reasons = (await listDeadLetters(f.db, { deviceId: 'air-ing-bad' })).map((l) => l.reason).reverse();
    expect(reasons[0]).toMatch(/^malformed JSON: /);
    expect(reasons[1]).toBe('unknown metric "level_cm" for a air device');
    expect(reasons[2]).toBe('metric "rh" = 140 is outside 0..100 %');
    expect(reasons[3]).toMatch(/^malformed JSON: /);
    const [first] = await listDeadLetters(f.db, { deviceId: 'air-ing-bad', limit: 4 }).then((l) => l.reverse());
    expect(first).toMatchObject({ topic, payload: '{"metrics": {"pm25": 1' });

    await vi.waitFor(async () => expect(await listDeadLetters(f.db, { deviceId: 'ghost-1' })).toHaveLength(1));
    expect((await listDeadLetters(f.db, { deviceId: 'ghost-1' }))[0]).toMatchObject({
      topic: 'ioc/v1/devices/ghost-1/telemetry',
      reason: 'unknown device "ghost-1"',
    });
    expect(await store.latest(['air-ing-bad', 'ghost-1'])).toEqual(new Map());
    expect(await f.ingest.health()).toMatchObject({ deadLetters: 5, pending: { points: 0, deadLetters: 0 } });
  });
});
