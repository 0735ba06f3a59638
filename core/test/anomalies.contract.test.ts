import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDb, decodeAnomalyEvent, listAnomalyEvents, migrate, recordAnomalyEvent, type AnomalyEvent, type Db } from '@ioc/core';
import { postgresAvailable, startPostgres } from '@ioc/core/testing';
import { createPostgresDb } from '../src/db/postgres.ts';

const T0 = Date.UTC(2026, 10, 1, 3, 0, 0);

function event(overrides: Partial<AnomalyEvent>): AnomalyEvent {
  return { deviceId: 'air-001', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 9.7, threshold: 6, label: 'sensor_fault', state: 'raised', ts: T0, ...overrides };
}

/** Anomaly events (migration 004): stored once, listed with filters and the active-only view, on every relational adapter. */
function anomalyContract(open: () => Promise<{ db: Db; dispose(): Promise<void> }>): void {
  let db: Db;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ db, dispose } = await open());
    await migrate(db);
  });
  afterAll(() => dispose());

  it('stores an event once however often it is delivered, Frigate events without a metric included', async () => {
    const first = await recordAnomalyEvent(db, event({}));
    expect(first).toMatchObject({ deviceId: 'air-001', label: 'sensor_fault', state: 'raised', ts: T0 });
    expect(first?.id).toBeGreaterThan(0);
    expect(await recordAnomalyEvent(db, event({}))).toBeUndefined();
    const frigate = event({ deviceId: 'cam-1', kind: 'camera', metric: null, model: 'frigate', score: 1, threshold: 1, label: 'frigate_alert', ts: T0 + 10 });
    expect(await recordAnomalyEvent(db, frigate)).toBeDefined();
    expect(await recordAnomalyEvent(db, frigate)).toBeUndefined();
    const stored = await listAnomalyEvents(db);
    expect(stored.map((e) => [e.deviceId, e.metric])).toEqual([['cam-1', null], ['air-001', 'pm25']]);
    expect(stored[1]).toMatchObject({ kind: 'air', model: 'ioc-env-v2', score: 9.7, threshold: 6 });
  });

  it('lists by device, label, state and time, newest first, and lists the alarms still raised', async () => {
    await recordAnomalyEvent(db, event({ state: 'cleared', ts: T0 + 60_000, score: 1.2 }));
    await recordAnomalyEvent(db, event({ deviceId: 'air-002', label: 'episode', ts: T0 + 30_000 }));
    await recordAnomalyEvent(db, event({ deviceId: 'cam-2', kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', label: 'covered_lens', ts: T0 + 40_000 }));
    await recordAnomalyEvent(db, event({ deviceId: 'cam-2', kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', label: 'covered_lens', state: 'cleared', ts: T0 + 50_000 }));
    // air-001 pm25 raised again after it was cleared: a new episode, active.
    await recordAnomalyEvent(db, event({ ts: T0 + 90_000 }));

    const ids = (events: { deviceId: string; state: string; ts: number }[]) => events.map((e) => `${e.deviceId}:${e.state}@${(e.ts - T0) / 1000}`);
    expect(ids(await listAnomalyEvents(db, { deviceId: 'air-001' }))).toEqual(['air-001:raised@90', 'air-001:cleared@60', 'air-001:raised@0']);
    expect(ids(await listAnomalyEvents(db, { label: 'covered_lens' }))).toEqual(['cam-2:cleared@50', 'cam-2:raised@40']);
    expect(ids(await listAnomalyEvents(db, { state: 'cleared' }))).toEqual(['air-001:cleared@60', 'cam-2:cleared@50']);
    expect(ids(await listAnomalyEvents(db, { since: T0 + 30_000, until: T0 + 60_000 }))).toEqual(['cam-2:cleared@50', 'cam-2:raised@40', 'air-002:raised@30']);
    expect(ids(await listAnomalyEvents(db, { limit: 2 }))).toEqual(['air-001:raised@90', 'air-001:cleared@60']);

    expect(ids(await listAnomalyEvents(db, { active: true }))).toEqual(['air-001:raised@90', 'air-002:raised@30', 'cam-1:raised@0.01']);
    expect(ids(await listAnomalyEvents(db, { active: true, label: 'sensor_fault' }))).toEqual(['air-001:raised@90']);
    expect(ids(await listAnomalyEvents(db, { active: true, deviceId: 'cam-2' }))).toEqual([]);
    expect(ids(await listAnomalyEvents(db, { active: true, since: T0 + 20_000 }))).toEqual(['air-001:raised@90', 'air-002:raised@30']);
  });
}

describe('anomaly events: PGlite', () => {
  anomalyContract(async () => {
    const db = await createPgliteDb();
    return { db, dispose: () => db.close() };
  });
});

describe.skipIf(!postgresAvailable())('anomaly events: PostgreSQL', () => {
  anomalyContract(async () => {
    const server = await startPostgres();
    const db = await createPostgresDb(server.url);
    return {
      db,
      dispose: async () => {
        await db.close();
        await server.stop();
      },
    };
  });
});

describe('anomaly event payloads', () => {
  const valid = { deviceId: 'air-001', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 0.99971, threshold: 0.9995, label: 'sensor_fault', state: 'raised', ts: 1795430000000 };
  const reason = (body: unknown) => {
    const result = decodeAnomalyEvent(typeof body === 'string' ? body : JSON.stringify(body));
    return result.ok ? 'ok' : result.reason;
  };

  it('accepts the analytics service’s environment, camera and Frigate events', () => {
    expect(decodeAnomalyEvent(Buffer.from(JSON.stringify(valid)))).toEqual({ ok: true, event: valid });
    expect(reason({ ...valid, kind: 'camera', metric: 'camera_health', label: 'covered_lens' })).toBe('ok');
    expect(reason({ ...valid, kind: 'camera', metric: null, label: 'frigate_alert' })).toBe('ok');
  });

  it('refuses a malformed event naming the field at fault, keeping the device id when it is one', () => {
    expect(reason('{"deviceId":')).toMatch(/^malformed JSON/);
    expect(reason([valid])).toBe('the value must be object');
    expect(reason({ ...valid, deviceId: 'a/b' })).toContain('"deviceId"');
    expect(reason({ ...valid, kind: 'toaster' })).toContain('"kind"');
    expect(reason({ ...valid, metric: 5 })).toContain('"metric"');
    expect(reason({ ...valid, score: 'high' })).toContain('"score"');
    expect(reason({ ...valid, label: 'gremlins' })).toContain('"label" must be one of "episode", "anomaly"');
    expect(reason({ ...valid, state: 'on' })).toContain('"state"');
    expect(reason({ ...valid, ts: '2026-11-01' })).toContain('"ts"');
    expect(decodeAnomalyEvent(JSON.stringify({ ...valid, state: 'on' }))).toMatchObject({ ok: false, deviceId: 'air-001' });
  });
});
