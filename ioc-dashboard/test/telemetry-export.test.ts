import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice } from '@ioc/core';
import { openTestApp, signIn, type TestApp } from './helpers.ts';

const MINUTE = 60_000;

describe('telemetry CSV export', () => {
  let t: TestApp;
  let cookie: string;
  let now: number;
  const get = (query: string, id = 'air-csv') => t.app.inject({ url: `/api/devices/${id}/telemetry.csv?${query}`, headers: { cookie } });

  beforeAll(async () => {
    t = await openTestApp();
    cookie = await signIn(t.app, 'viewer');
    now = t.clock.now();
    await createDevice(t.db, { id: 'air-csv', kind: 'air' });
    await t.telemetry.write([
      { deviceId: 'air-csv', metric: 'pm25', ts: now - 3 * MINUTE, value: 10 },
      { deviceId: 'air-csv', metric: 'pm10', ts: now - 3 * MINUTE, value: 20.5 },
      { deviceId: 'air-csv', metric: 'pm25', ts: now - 2 * MINUTE, value: 12 },
      { deviceId: 'air-csv', metric: 'rh', ts: now - MINUTE, value: 80 },
    ]);
  });
  afterAll(() => t.close());

  it('exports raw readings, one row per time and one column per metric', async () => {
    const response = await get(`metrics=pm25,pm10,rh&from=${now - 10 * MINUTE}&to=${now}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="air-csv_.*\.csv"$/);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(response.body).toBe(
      ['ts,pm25,pm10,rh', `${iso(now - 3 * MINUTE)},10,20.5,`, `${iso(now - 2 * MINUTE)},12,,`, `${iso(now - MINUTE)},,,80`, ''].join('\r\n'),
    );
  });

  it('exports every metric of the kind by default, and downsamples with every and agg', async () => {
    const all = await get(`from=${now - 10 * MINUTE}&to=${now}`);
    expect(all.body.split('\r\n')[0]).toBe('ts,pm25,pm10,no2,o3,co,temp_c,rh,battery_v,vn_aqi_h,vn_aqi_d');
    const hourly = await get(`metrics=pm25&from=${now - 10 * MINUTE}&to=${now}&every=1h&agg=max`);
    const rows = hourly.body.trim().split('\r\n');
    expect(rows[0]).toBe('ts,pm25');
    expect(Math.max(...rows.slice(1).map((row) => Number(row.split(',')[1])))).toBe(12);
  });

  it('refuses unknown metrics and devices, bad ranges and too many rows', async () => {
    expect((await get('metrics=pm25,level_cm')).json().error.message).toContain('"level_cm"');
    expect((await get('metrics=pm25', 'nobody')).statusCode).toBe(404);
    expect((await get(`from=${now}&to=${now - 1}`)).statusCode).toBe(400);
    const tooMany = await get('metrics=pm25&from=0&every=1s');
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.message).toContain('every');
    expect((await t.app.inject({ url: '/api/devices/air-csv/telemetry.csv' })).statusCode).toBe(401);
  });
});
