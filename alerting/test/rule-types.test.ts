// Rate, offline, anomaly and area rules, and the emergency broadcast request, on a real gateway with the service's
// clock moved by hand.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANOMALIES_TOPIC, publishComputedTelemetry, type AnomalyEvent, type MqttClient } from '@ioc/core';
import { listAlerts } from '../src/index.ts';
import { startAlertingStack, type AlertingStack } from './stack.ts';

const WAIT = { timeout: 15_000, interval: 20 };
const BY = { actor: 'user:test' };

describe('rate, offline, anomaly and area rules', () => {
  let s: AlertingStack;
  let analytics: MqttClient;

  beforeAll(async () => {
    s = await startAlertingStack();
    analytics = await s.mqttConnect('analytics');
    await s.startAlerting();
  });
  afterAll(async () => {
    await analytics.endAsync();
    await s.stop();
  });

  async function anomaly(event: Partial<AnomalyEvent> & Pick<AnomalyEvent, 'deviceId' | 'state'>): Promise<void> {
    const before = s.evaluated('anomalies');
    const full: AnomalyEvent = { kind: 'air', metric: 'pm25', model: 'env-novelty', score: 0.97, threshold: 0.9, label: 'episode', ts: s.clock.now(), ...event };
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(full), { qos: 1 });
    await s.evaluatedMore('anomalies', before);
  }

  it('rate: fires on the change per minute and resolves when it slows below the clear level', async () => {
    const rule = await s.rules.create({ name: 'River rising', type: 'rate', metric: 'level_cm', above: 20, clearBelow: 5, severity: 'critical', scope: { kinds: ['water'] } }, BY);
    const gauge = await s.device({ id: 'water-rate', kind: 'water', areaId: '19753' });
    await s.read(gauge, { level_cm: 100 });
    s.clock.advance(60_000);
    await s.read(gauge, { level_cm: 110 }); // 10 cm/min
    expect(await listAlerts(s.db, { ruleId: rule.id })).toEqual([]);
    s.clock.advance(30_000);
    await s.read(gauge, { level_cm: 125 }); // 30 cm/min
    const [alert] = await listAlerts(s.db, { ruleId: rule.id });
    expect(alert).toMatchObject({ state: 'firing', deviceId: 'water-rate', metric: 'level_cm', value: 30, unit: 'cm/min', severity: 'critical' });
    expect(alert!.textEn).toContain('rising 30 cm/min, above the threshold of 20 cm/min');
    s.clock.advance(60_000);
    await s.read(gauge, { level_cm: 135 }); // 10 cm/min: between the levels, still firing
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('firing');
    s.clock.advance(60_000);
    await s.read(gauge, { level_cm: 137 }); // 2 cm/min
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('resolved');
    await s.rules.remove(rule.id, BY);
  });

  it('offline: fires once a device has been offline for forS, and resolves when it is back', async () => {
    const rule = await s.rules.create({ name: 'Sensor offline', type: 'offline', forS: 120, severity: 'warning', scope: { deviceIds: ['noise-off'] } }, BY);
    let sensor = await s.device({ id: 'noise-off', kind: 'noise', areaId: '19774' });
    await s.read(sensor, { laeq_db: 60 });
    const before = s.evaluated('statuses');
    await sensor.endAsync();
    await s.evaluatedMore('statuses', before); // its offline status
    s.clock.advance(60_000);
    await s.alerting().engine!.tick();
    expect(await listAlerts(s.db, { ruleId: rule.id })).toEqual([]);
    s.clock.advance(61_000);
    await vi.waitFor(async () => expect(await listAlerts(s.db, { ruleId: rule.id })).toHaveLength(1), WAIT);
    const [alert] = await listAlerts(s.db, { ruleId: rule.id });
    expect(alert).toMatchObject({ state: 'firing', deviceId: 'noise-off', areaId: '19774', severity: 'warning' });
    expect(alert!.textVi).toContain('mất kết nối');
    sensor = await s.reconnect('noise-off');
    await vi.waitFor(() => expect(s.latest().get(alert!.id)?.state).toBe('resolved'), WAIT);
    await s.rules.remove(rule.id, BY);
  });

  it('offline: a device online but silent for forS fires too', async () => {
    const rule = await s.rules.create({ name: 'Sensor silent', type: 'offline', forS: 300, severity: 'minor', scope: { deviceIds: ['air-silent'] } }, BY);
    const station = await s.device({ id: 'air-silent', kind: 'air', areaId: '19774' });
    await s.read(station, { pm25: 10 });
    s.clock.advance(301_000);
    await vi.waitFor(async () => expect(await listAlerts(s.db, { ruleId: rule.id })).toHaveLength(1), WAIT);
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.textEn).toContain('has sent no data');
    await s.read(station, { pm25: 11 });
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('resolved');
    await s.rules.remove(rule.id, BY);
  });

  it('anomaly: by label and category; raised fires, cleared resolves; an emergency broadcast is requested', async () => {
    const rule = await s.rules.create(
      { name: 'Pollution episode', type: 'anomaly', categories: ['event'], labels: ['episode'], severity: 'major', emergencyBroadcast: { automatic: false } },
      BY,
    );
    await s.device({ id: 'air-anom', kind: 'air', areaId: '19777' });
    await anomaly({ deviceId: 'air-anom', state: 'raised', label: 'sensor_fault' }); // another label
    expect(await listAlerts(s.db, { ruleId: rule.id })).toEqual([]);
    await anomaly({ deviceId: 'air-anom', state: 'raised' });
    await anomaly({ deviceId: 'air-anom', state: 'raised' }); // the same alarm again: deduplicated
    const alerts = await listAlerts(s.db, { ruleId: rule.id });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'firing', deviceId: 'air-anom', areaId: '19777', metric: 'pm25', value: 0.97 });
    await vi.waitFor(() => expect(s.broadcasts).toEqual([expect.objectContaining({ alertId: alerts[0]!.id, areaIds: ['19777'], automatic: false, severity: 'major' })]), WAIT);
    await anomaly({ deviceId: 'air-anom', state: 'cleared' });
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('resolved');
    await s.rules.remove(rule.id, BY);
  });

  it('area: fires when N devices of one commune are over the level, and resolves when fewer stay over the clear level', async () => {
    const rule = await s.rules.create({ name: 'Commune smog', type: 'area', metric: 'pm25', above: 50, clearBelow: 40, minDevices: 2, severity: 'major', scope: { areaIds: ['19789'] } }, BY);
    const [a, b, c] = [await s.device({ id: 'air-ar-a', kind: 'air', areaId: '19789' }), await s.device({ id: 'air-ar-b', kind: 'air', areaId: '19789' }), await s.device({ id: 'air-ar-c', kind: 'air', areaId: '19789' })];
    await s.read(a!, { pm25: 70 });
    await s.read(b!, { pm25: 30 });
    await s.read(c!, { pm25: 45 });
    expect(await listAlerts(s.db, { ruleId: rule.id })).toEqual([]);
    await s.read(c!, { pm25: 80 });
    const [alert] = await listAlerts(s.db, { ruleId: rule.id });
    expect(alert).toMatchObject({ state: 'firing', deviceId: null, areaId: '19789', metric: 'pm25', value: 80, fingerprint: `${rule.id}:area:19789` });
    expect(alert!.textEn).toMatch(/^2 devices in .+ have pm25 above the threshold of 50 µg\/m³ \(highest 80 µg\/m³\)\.$/);
    await s.read(a!, { pm25: 45 }); // still over the clear level: two devices keep it
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('firing');
    await s.read(a!, { pm25: 20 });
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('resolved');
    await s.rules.remove(rule.id, BY);
  });

  it('a rule deleted while its alert fires resolves the alert', async () => {
    const rule = await s.rules.create({ name: 'Noise', type: 'threshold', metric: 'laeq_db', above: 70, severity: 'info', scope: { kinds: ['noise'] } }, BY);
    const meter = await s.device({ id: 'noise-del', kind: 'noise', areaId: '19753' });
    await s.read(meter, { laeq_db: 85 });
    const [alert] = await listAlerts(s.db, { ruleId: rule.id });
    expect(alert!.state).toBe('firing');
    await s.rules.remove(rule.id, BY);
    await vi.waitFor(() => expect(s.latest().get(alert!.id)).toMatchObject({ state: 'resolved', resolvedBy: 'rule' }), WAIT);
  });
});

describe('VN_AQI like any metric', () => {
  let s: AlertingStack;
  beforeAll(async () => {
    s = await startAlertingStack();
    await s.startAlerting();
  });
  afterAll(() => s.stop());

  it('ingest\'s hourly index, announced on ioc/v1/computed/{id}/telemetry, fires a threshold rule on vn_aqi_h', async () => {
    const rule = await s.rules.create({ name: 'AQI unhealthy', type: 'threshold', metric: 'vn_aqi_h', above: 150, clearBelow: 100, severity: 'major' }, BY);
    await s.device({ id: 'air-aqi', kind: 'air', areaId: '19753' });
    const ingest = await s.mqttConnect('ingest');
    const announce = async (value: number) => {
      const before = s.evaluated('readings');
      await publishComputedTelemetry(ingest, [{ deviceId: 'air-aqi', metric: 'vn_aqi_h', ts: s.clock.now(), value }]);
      await s.evaluatedMore('readings', before);
    };
    await announce(120);
    expect(await listAlerts(s.db, { ruleId: rule.id })).toEqual([]);
    await announce(180);
    const [alert] = await listAlerts(s.db, { ruleId: rule.id });
    expect(alert).toMatchObject({ state: 'firing', deviceId: 'air-aqi', metric: 'vn_aqi_h', value: 180, unit: '' });
    expect(alert!.textVi).toContain('VN_AQI giờ tại thiết bị air-aqi');
    await announce(90);
    expect((await listAlerts(s.db, { ruleId: rule.id }))[0]!.state).toBe('resolved');
    await ingest.endAsync();
  });
});
