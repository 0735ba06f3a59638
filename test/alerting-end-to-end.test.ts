// Alerting end to end in a running IOC (gateway, dashboard and the alerting service, in one process): a rule created
// over HTTP applies without a restart, a reading fires an alert that reaches the wall over socket.io, an operator
// acknowledges it over HTTP, and the rule resolves it when the reading falls; each state is on the bus.
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ALL_ALERTS_TOPIC, createLogger, type Alert } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { startIoc, type RunningIoc } from '@ioc/cli';

const WAIT = { timeout: 15_000, interval: 20 };

describe('alerting in a running IOC', () => {
  const dir = tempDir('ioc-alerting-');
  const password = 'alerting-test-admin-password';
  let ioc: RunningIoc;
  let base: string;
  let cookie: string;
  let socket: Socket;
  let listener: MqttClient;
  let station: MqttClient | undefined;
  const pushed: Alert[] = [];
  const onBus: Alert[] = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    ioc = await startIoc({
      env: { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_ADMIN_PASSWORD: password, IOC_DEMO: 'off', IOC_ALERT_EVAL_INTERVAL_S: '1', IOC_SERVICE_TOKEN: 'alerting-e2e-service-token-0123' },
      services: ['gateway', 'dashboard', 'alerting'],
      logger: createLogger({ level: 'warn' }),
    });
    base = ioc.dashboardUrl as string;
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    socket.on('alert', (alert: Alert) => pushed.push(alert));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    listener = await mqtt.connectAsync(ioc.mqttUrl, { clientId: 'svc:alerting-e2e/listener', username: 'svc:alerting-e2e', password: ioc.config.serviceToken, reconnectPeriod: 0 });
    listener.on('message', (_topic, payload) => payload.length > 0 && onBus.push(JSON.parse(payload.toString()) as Alert));
    await listener.subscribeAsync(ALL_ALERTS_TOPIC, { qos: 1 });
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    for (const client of [station, listener]) await client?.endAsync();
    await ioc?.stop();
    dir.remove();
  });

  it('rule over HTTP → reading → alert on the wall → acknowledged over HTTP → resolved by the rule', async () => {
    const device = await api<{ token: string }>('POST', '/api/devices', { id: 'air-e2e', kind: 'air', areaId: '19753' });
    expect(device.status).toBe(201);
    station = await mqtt.connectAsync(ioc.mqttUrl, { clientId: 'air-e2e', username: 'air-e2e', password: device.body.token, reconnectPeriod: 0 });
    const rule = await api<{ id: string }>('POST', '/api/alert-rules', { name: 'PM2.5 high', type: 'threshold', metric: 'pm25', above: 50, clearBelow: 40, severity: 'major', scope: { deviceIds: ['air-e2e'] } });
    expect(rule.status).toBe(201);

    // The running service reads the new rule from its announcement on the bus: a reading over the level fires it.
    await vi.waitFor(async () => {
      await station!.publishAsync('ioc/v1/devices/air-e2e/telemetry', JSON.stringify({ metrics: { pm25: 75 } }), { qos: 1 });
      expect(pushed.find((a) => a.state === 'firing')).toBeDefined();
    }, WAIT);
    const firing = pushed.find((a) => a.state === 'firing')!;
    expect(firing).toMatchObject({ ruleId: rule.body.id, deviceId: 'air-e2e', areaId: '19753', metric: 'pm25', value: 75, severity: 'major' });
    const listed = await api<{ items: Alert[] }>('GET', '/api/alerts?state=firing&deviceId=air-e2e');
    expect(listed.body.items.map((a) => a.id)).toEqual([firing.id]);

    const acked = await api<Alert>('POST', `/api/alerts/${firing.id}/ack`);
    expect(acked).toMatchObject({ status: 200, body: { state: 'acknowledged', acknowledgedBy: 'user:admin' } });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ id: firing.id, state: 'acknowledged' }), WAIT);

    await station!.publishAsync('ioc/v1/devices/air-e2e/telemetry', JSON.stringify({ metrics: { pm25: 45 } }), { qos: 1 });
    await station!.publishAsync('ioc/v1/devices/air-e2e/telemetry', JSON.stringify({ metrics: { pm25: 20 } }), { qos: 1 });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ id: firing.id, state: 'resolved', resolvedBy: 'rule', acknowledgedBy: 'user:admin' }), WAIT);
    expect(onBus.filter((a) => a.id === firing.id).map((a) => a.state)).toEqual(['firing', 'acknowledged', 'resolved']);

    const detail = await api<{ history: Array<{ to: string; by: string }> }>('GET', `/api/alerts/${firing.id}`);
    expect(detail.body.history.map((h) => `${h.to} by ${h.by}`)).toEqual(['firing by rule', 'acknowledged by user:admin', 'resolved by rule']);
    // Its health on the bus, republished every 5 s, counts the rule.
    await vi.waitFor(async () => {
      const health = await api<{ services: Record<string, { status: string; rules?: number }> }>('GET', '/api/health');
      expect(health.body.services.alerting).toMatchObject({ rules: 1 });
    }, { timeout: 20_000, interval: 500 });
  });
});
