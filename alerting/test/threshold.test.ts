// Alertmanager-style acceptance: readings pushed at set times on a real gateway, alerts (and their bus messages)
// expected within time windows of the service's hand-moved clock.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { listAlerts } from '../src/index.ts';
import { startAlertingStack, type AlertingStack } from './stack.ts';

const WAIT = { timeout: 15_000, interval: 20 };

describe('threshold rules with hysteresis and forS', () => {
  let s: AlertingStack;
  let station: MqttClient;
  let ruleId: string;
  const conditions = async () => (await s.db.query<{ status: string }>('SELECT status FROM alert_conditions')).rows.map((r) => r.status);

  beforeAll(async () => {
    s = await startAlertingStack();
    station = await s.device({ id: 'air-thr', kind: 'air', areaId: '19753' });
    ruleId = (await s.rules.create({ name: 'PM2.5 high', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, forS: 60, severity: 'major' }, { actor: 'user:test' })).id;
    await s.startAlerting();
  });
  afterAll(() => s.stop());

  it('fires only once the condition has held for forS, names the place and value, and publishes it retained', async () => {
    const t0 = s.clock.now();
    await s.read(station, { pm25: 60 });
    await vi.waitFor(async () => expect(await conditions()).toEqual(['pending']), WAIT);
    s.clock.advance(30_000);
    await s.read(station, { pm25: 70 });
    expect(await listAlerts(s.db)).toEqual([]);
    s.clock.advance(31_000); // t0 + 61 s: the condition has held 60 s
    await vi.waitFor(async () => expect(await listAlerts(s.db)).toHaveLength(1), WAIT);
    const [alert] = await listAlerts(s.db);
    expect(alert).toMatchObject({ ruleId, state: 'firing', deviceId: 'air-thr', areaId: '19753', kind: 'air', metric: 'pm25', value: 70, unit: 'µg/m³', severity: 'major', fingerprint: `${ruleId}:device:air-thr` });
    expect(alert!.startsAt).toBeGreaterThanOrEqual(t0 + 60_000);
    expect(alert!.startsAt).toBeLessThan(t0 + 62_000);
    expect(alert!.textVi).toMatch(/Bụi PM2\.5 tại thiết bị air-thr \(.+\) là 70 µg\/m³, vượt ngưỡng 50 µg\/m³/);
    expect(alert!.textEn).toMatch(/pm25 at device air-thr \(.+\) is 70 µg\/m³, above the threshold of 50 µg\/m³/);
    await vi.waitFor(() => expect(s.latest().get(alert!.id)).toEqual(alert), WAIT);
  });

  it('keeps firing between the clear level and the threshold, deduplicated, and resolves below the clear level', async () => {
    const [alert] = await listAlerts(s.db);
    s.clock.advance(10_000);
    await s.read(station, { pm25: 45 });
    s.clock.advance(10_000);
    await s.read(station, { pm25: 90 });
    s.clock.advance(10_000);
    await s.read(station, { pm25: 35 });
    await vi.waitFor(() => expect(s.latest().get(alert!.id)).toMatchObject({ state: 'resolved', resolvedBy: 'rule' }), WAIT);
    expect(await listAlerts(s.db)).toHaveLength(1);
    expect(await conditions()).toEqual([]);
  });

  it('a new firing after resolution is a new alert', async () => {
    const [first] = await listAlerts(s.db);
    s.clock.advance(10_000);
    await s.read(station, { pm25: 80 });
    await vi.waitFor(async () => expect(await conditions()).toEqual(['pending']), WAIT);
    s.clock.advance(61_000);
    await vi.waitFor(async () => expect(await listAlerts(s.db, { state: 'firing' })).toHaveLength(1), WAIT);
    const [second] = await listAlerts(s.db, { state: 'firing' });
    expect(second!.id).not.toBe(first!.id);
    expect(second!.fingerprint).toBe(first!.fingerprint);
    expect(await listAlerts(s.db)).toHaveLength(2);
    await vi.waitFor(() => expect(s.latest().get(second!.id)?.state).toBe('firing'), WAIT);
  });

  it('a condition that stops holding while pending fires nothing', async () => {
    const other = await s.rules.create({ name: 'PM2.5 very high', type: 'threshold', metric: 'pm25', above: 150, forS: 120, severity: 'critical' }, { actor: 'user:test' });
    expect(await s.alerting().health()).toMatchObject({ rules: 2 });
    await s.read(station, { pm25: 200 });
    await vi.waitFor(async () => expect(await conditions()).toContain('pending'), WAIT);
    s.clock.advance(60_000);
    await s.read(station, { pm25: 100 });
    await vi.waitFor(async () => expect(await conditions()).toEqual(['firing']), WAIT);
    s.clock.advance(120_000);
    await s.alerting().engine!.tick();
    expect(await listAlerts(s.db, { ruleId: other.id })).toEqual([]);
  });
});
