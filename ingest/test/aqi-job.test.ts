import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, createLogger, createPgliteDb, createSqlTelemetryStore, decodeComputedTelemetry, decodeTelemetry, migrate, publishComputedTelemetry, systemClock, type Db, type TelemetryStore } from '@ioc/core';
import { createAqiJob } from '../src/aqi-job.ts';

const HOUR = 3_600_000;

describe('VN_AQI job', () => {
  let db: Db;
  let store: TelemetryStore;
  // A local midnight in Huế (17:00 UTC), two days ago.
  const dayEnd = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 2 * 24 * HOUR + 17 * HOUR;
  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    store = createSqlTelemetryStore(db);
    await createDevice(db, { id: 'air-aqi-1', kind: 'air' });
    await createDevice(db, { id: 'air-aqi-empty', kind: 'air' });
    await createDevice(db, { id: 'water-aqi', kind: 'water' });
    // Every 10 minutes of the day: PM2.5 35 µg/m³, NO₂ 150 µg/m³ in the last hour only, 50 before.
    const points = [];
    for (let ts = dayEnd - 24 * HOUR; ts < dayEnd; ts += 10 * 60_000) {
      points.push({ deviceId: 'air-aqi-1', metric: 'pm25', ts, value: 35 });
      points.push({ deviceId: 'air-aqi-1', metric: 'no2', ts, value: ts >= dayEnd - HOUR ? 150 : 50 });
    }
    await store.write(points);
  });
  afterAll(() => db.close());

  it('stores the hourly and daily index of each air station with PM data as metrics at the period start', async () => {
    const job = createAqiJob({ db, telemetry: store, clock: systemClock, logger: createLogger({ level: 'silent' }) });
    expect(await job.runHour(dayEnd)).toBe(1);
    expect(await job.runHour(dayEnd - HOUR)).toBe(1);
    expect(await job.runDay(dayEnd)).toBe(1);
    const series = (metric: string) => store.range({ deviceId: 'air-aqi-1', metric, from: dayEnd - 24 * HOUR, to: dayEnd });
    expect(await series('vn_aqi_h')).toEqual([
      { ts: dayEnd - 2 * HOUR, value: 70 },
      { ts: dayEnd - HOUR, value: 75 },
    ]);
    // The day: PM2.5 mean 35 → 70; the highest hourly NO₂ (150) → 75.
    expect(await series('vn_aqi_d')).toEqual([{ ts: dayEnd - 24 * HOUR, value: 75 }]);
    expect((await store.latest(['air-aqi-empty', 'water-aqi'])).size).toBe(0);
  });

  it('computes only the stations its ingest worker owns', async () => {
    const logger = createLogger({ level: 'silent' });
    const mine = createAqiJob({ db, telemetry: store, clock: systemClock, logger, owned: (id) => id === 'air-aqi-1' });
    const others = createAqiJob({ db, telemetry: store, clock: systemClock, logger, owned: (id) => id !== 'air-aqi-1' });
    expect(await mine.runHour(dayEnd)).toBe(1);
    expect(await others.runHour(dayEnd)).toBe(0);
  });

  it('announces each stored index for alerting (ioc/v1/computed/{id}/telemetry, as the contract decodes it)', async () => {
    const announced: string[] = [];
    const publisher = { publishAsync: async (topic: string, message: string) => void announced.push(`${topic} ${message}`) };
    const job = createAqiJob({ db, telemetry: store, clock: systemClock, logger: createLogger({ level: 'silent' }), publish: (points) => publishComputedTelemetry(publisher, points) });
    expect(await job.runHour(dayEnd)).toBe(1);
    expect(announced).toEqual([`ioc/v1/computed/air-aqi-1/telemetry ${JSON.stringify({ ts: dayEnd - HOUR, metrics: { vn_aqi_h: 75 } })}`]);
    expect(decodeComputedTelemetry(announced[0]!.split(' ')[1]!)).toEqual({ ok: true, value: { ts: dayEnd - HOUR, metrics: { vn_aqi_h: 75 } } });
    expect(decodeComputedTelemetry('{"ts":1,"metrics":{"pm25":3}}')).toEqual({ ok: false, reason: '"metrics.pm25" is not a metric the IOC computes (vn_aqi_h, vn_aqi_d)' });
    expect(decodeComputedTelemetry('{"ts":1,"metrics":{"vn_aqi_h":501}}')).toEqual({ ok: false, reason: '"metrics.vn_aqi_h" must be within 0…500' });
  });

  it('refuses VN_AQI values sent by devices', () => {
    expect(decodeTelemetry('air-aqi-1', 'air', '{"metrics":{"vn_aqi_h":40}}', Date.now())).toEqual({
      ok: false,
      reason: 'metric "vn_aqi_h" is computed by the IOC, not sent by devices',
    });
  });
});
