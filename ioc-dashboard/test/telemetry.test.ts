import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice } from '@ioc/core';
import { openTestApp, signIn, type TestApp } from './helpers.ts';

const MINUTE = 60_000;

describe('telemetry history API', () => {
  let t: TestApp;
  let cookie: string;
  let now: number;
  const get = (query: string, id = 'air-1') => t.app.inject({ url: `/api/devices/${id}/telemetry?${query}`, headers: { cookie } });

  beforeAll(async () => {
    t = await openTestApp();
    cookie = await signIn(t.app, 'viewer');
    now = t.clock.now();
    await createDevice(t.db, { id: 'air-1', kind: 'air' });
    await createDevice(t.db, { id: 'air-busy', kind: 'air' });
    // pm25 = 10, 11, …, 19 once a minute over the last 10 minutes; one reading two days ago.
    await t.telemetry.write([
      ...Array.from({ length: 10 }, (_, i) => ({ deviceId: 'air-1', metric: 'pm25', ts: now - (10 - i) * MINUTE, value: 10 + i })),
      { deviceId: 'air-1', metric: 'pm25', ts: now - 48 * 3600_000, value: 99 },
    ]);
    await t.telemetry.write(Array.from({ length: 10_001 }, (_, i) => ({ deviceId: 'air-busy', metric: 'pm10', ts: now - (i + 1) * 1000, value: i % 50 })));
  });
  afterAll(() => t.close());

  it('returns raw points of the last 24 h by default, oldest first', async () => {
    const response = await get('metric=pm25');
    expect(response.statusCode).toBe(200);
    const { points } = response.json();
    expect(points).toHaveLength(10);
    expect(points[0]).toEqual({ ts: now - 10 * MINUTE, value: 10 });
    expect(points[9]).toEqual({ ts: now - MINUTE, value: 19 });
  });

  it('accepts from/to as epoch ms or ISO 8601', async () => {
    const epoch = await get(`metric=pm25&from=${now - 3 * MINUTE}&to=${now - MINUTE}`);
    expect(epoch.json().points.map((p: { value: number }) => p.value)).toEqual([17, 18]);
    const iso = await get(`metric=pm25&from=${new Date(now - 3 * MINUTE).toISOString()}&to=${new Date(now - MINUTE).toISOString()}`);
    expect(iso.json()).toEqual(epoch.json());
    const old = await get(`metric=pm25&from=${new Date(now - 49 * 3600_000).toISOString()}&to=${now - 47 * 3600_000}`);
    expect(old.json().points).toEqual([{ ts: now - 48 * 3600_000, value: 99 }]);
  });

  it('downsamples with every and agg', async () => {
    const from = now - 10 * MINUTE;
    const counts = await get(`metric=pm25&from=${from}&to=${now}&every=10m&agg=count`);
    expect(counts.statusCode).toBe(200);
    expect(counts.json().points.reduce((s: number, p: { value: number }) => s + p.value, 0)).toBe(10);
    const max = await get(`metric=pm25&from=${from}&to=${now}&every=${60 * MINUTE}&agg=max`);
    expect(Math.max(...max.json().points.map((p: { value: number }) => p.value))).toBe(19);
    const mean = await get(`metric=pm25&from=${now - 2 * MINUTE}&to=${now}&every=1h`);
    expect(mean.json().points.map((p: { value: number }) => p.value).sort()).toEqual([18.5]);
  });

  it('refuses bad ranges, durations, metrics and aggregations with 400', async () => {
    const cases: [string, string][] = [
      [`metric=pm25&from=${now}&to=${now - MINUTE}`, 'from'],
      [`metric=pm25&from=${now}&to=${now}`, 'from'],
      ['metric=pm25&from=yesterday', 'from'],
      ['metric=pm25&to=2026-13-45T99:00:00Z', 'to'],
      ['metric=pm25&every=fast', 'every'],
      ['metric=pm25&every=0s', 'every'],
      ['metric=pm25&every=1s&from=0', 'every'],
      ['metric=pm25&agg=median&every=1m', 'agg'],
      ['metric=pm25&agg=max', 'agg'],
      ['metric=laeq_db', 'laeq_db'],
      ['from=0', 'metric'],
      ['metric=pm25&colour=red', 'colour'],
    ];
    for (const [query, mention] of cases) {
      const response = await get(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.message, query).toContain(mention);
    }
  });

  it('asks for every when the raw points exceed the cap', async () => {
    const raw = await get('metric=pm10', 'air-busy');
    expect(raw.statusCode).toBe(400);
    expect(raw.json().error).toMatchObject({ code: 'too_many_points' });
    expect(raw.json().error.message).toContain('every');
    const bucketed = await get('metric=pm10&every=1h&agg=count', 'air-busy');
    expect(bucketed.statusCode).toBe(200);
    expect(bucketed.json().points.reduce((s: number, p: { value: number }) => s + p.value, 0)).toBe(10_001);
  });

  it('answers 404 for an unknown device and 401 without a session', async () => {
    const missing = await get('metric=pm25', 'ghost');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    expect((await t.app.inject({ url: '/api/devices/air-1/telemetry?metric=pm25' })).statusCode).toBe(401);
  });
});
