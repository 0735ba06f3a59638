import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeadLetters } from '@ioc/core';
import { openTestApp, signIn, type TestApp } from './helpers.ts';

describe('dead letters API: filters, paging and total', () => {
  let t: TestApp;
  let cookie: string;
  let now: number;
  const get = (query: string) => t.app.inject({ url: `/api/dead-letters?${query}`, headers: { cookie } });
  const reasons = (body: { items: { reason: string }[] }) => body.items.map((item) => item.reason);

  beforeAll(async () => {
    t = await openTestApp();
    cookie = await signIn(t.app, 'operator');
    now = t.clock.now();
    const topic = (id: string) => `ioc/v1/devices/${id}/telemetry`;
    await recordDeadLetters(t.db, [
      { deviceId: 'air-1', topic: topic('air-1'), payload: '{', reason: 'malformed JSON: a', ts: now - 5000 },
      { deviceId: 'air-1', topic: topic('air-1'), payload: '{}', reason: 'metric "rh" = 140 is outside 0..100 %', ts: now - 4000 },
      { deviceId: 'air-2', topic: topic('air-2'), payload: '{', reason: 'Malformed JSON: b', ts: now - 3000 },
      { deviceId: null, topic: 'ioc/v1/other', payload: 'x', reason: 'not a telemetry topic', ts: now - 2000 },
      { deviceId: 'air-2', topic: topic('air-2'), payload: '100%_', reason: 'unknown metric "100%_"', ts: now - 1000 },
    ]);
  });
  afterAll(() => t.close());

  it('filters by device, topic, reason text (any case, % and _ taken literally) and time', async () => {
    expect((await get('deviceId=air-1')).json()).toMatchObject({ total: 2 });
    expect(reasons((await get('topic=ioc/v1/other')).json())).toEqual(['not a telemetry topic']);
    expect(reasons((await get('reason=malformed%20json')).json())).toEqual(['Malformed JSON: b', 'malformed JSON: a']);
    expect(reasons((await get(`reason=${encodeURIComponent('%_')}`)).json())).toEqual(['unknown metric "100%_"']);
    const window = (await get(`from=${now - 4000}&to=${new Date(now - 2000).toISOString()}`)).json();
    expect(window).toMatchObject({ total: 2 });
    expect(reasons(window)).toEqual(['Malformed JSON: b', 'metric "rh" = 140 is outside 0..100 %']);
    expect((await get('deviceId=air-2&reason=malformed')).json()).toMatchObject({ total: 1 });
  });

  it('pages with before and limit, and counts every matching letter in total', async () => {
    const first = (await get('limit=2')).json();
    expect(first.total).toBe(5);
    expect(first.items).toHaveLength(2);
    const second = (await get(`limit=2&before=${first.items[1].id}`)).json();
    const third = (await get(`limit=2&before=${second.items[1].id}`)).json();
    expect([...first.items, ...second.items, ...third.items].map((item: { ts: number }) => now - item.ts)).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('refuses bad times and an empty window', async () => {
    expect((await get('from=yesterday')).statusCode).toBe(400);
    expect((await get(`from=${now}&to=${now}`)).json().error.message).toContain('from');
    expect((await get('before=0')).statusCode).toBe(400);
  });
});
