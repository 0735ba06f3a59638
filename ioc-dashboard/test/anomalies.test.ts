import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALIES_TOPIC,
  createMqttConnect,
  listDeadLetters,
  recordAnomalyEvent,
  upsertUser,
  type AnomalyEvent,
  type Db,
  type MqttClient,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createDashboardService, loadDashboardConfig, type DashboardService } from '../server/index.ts';
import { logger, openStores, openTestApp, signIn, type TestApp } from './helpers.ts';

const TS = Date.UTC(2026, 10, 30, 2, 0, 0);

function anomaly(overrides: Partial<AnomalyEvent> = {}): AnomalyEvent {
  return { deviceId: 'air-001', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 0.99971, threshold: 0.9995, label: 'sensor_fault', state: 'raised', ts: TS, ...overrides };
}

describe('anomalies from the bus: pushed live, stored by ingest alone', () => {
  const dir = tempDir('ioc-dash-anomalies-');
  let db: Db;
  let gateway: GatewayService;
  let dashboard: DashboardService;
  let analytics: MqttClient;
  let base: string;
  let cookie: string;
  let socket: Socket;
  const pushed: AnomalyEvent[] = [];
  const get = (path: string, headers: Record<string, string> = { cookie }) => fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    const stores = await openStores();
    db = stores.db;
    const env = { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'service-token-for-tests-0123456789', IOC_LOG_LEVEL: 'silent' };
    const config = loadDashboardConfig(env);
    gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    const mqttConnect = createMqttConnect({ ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` });
    dashboard = createDashboardService({ config, logger, db, telemetry: stores.telemetry, mqttConnect, host: '127.0.0.1' });
    await dashboard.start();
    base = `http://127.0.0.1:${dashboard.port}`;
    analytics = await mqttConnect('analytics-test');

    await upsertUser(db, 'wall', 'wall-screen-password', 'viewer');
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'wall', password: 'wall-screen-password' }),
    });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    socket.on('anomaly', (event: AnomalyEvent) => pushed.push(event));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    await analytics?.endAsync();
    await dashboard?.stop();
    await gateway?.stop();
    await db?.close();
    dir.remove();
  });

  it('reports the anomaly subscription in its health', () => {
    expect(dashboard.health()).toMatchObject({ status: 'ok', mqtt: 'connected' });
  });

  it('pushes each event to signed-in sockets as it is published, and stores nothing (ingest writes the history)', async () => {
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly()), { qos: 1 });
    const camera = anomaly({ deviceId: 'camera-7', kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', label: 'covered_lens', ts: TS + 1000 });
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(camera), { qos: 1 });

    await vi.waitFor(() => expect(pushed.map((e) => e.deviceId)).toEqual(['air-001', 'camera-7']), { timeout: 10_000, interval: 50 });
    expect(pushed[0]).toEqual(anomaly());
    expect((await (await get('/api/anomalies')).json()).items).toEqual([]);
  });

  it('pushes a clear, and skips a malformed event without storing it (ingest dead-letters it)', async () => {
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ label: 'gremlins' as AnomalyEvent['label'] })), { qos: 1 });
    await analytics.publishAsync(ANOMALIES_TOPIC, 'not json', { qos: 1 });
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ state: 'cleared', score: 0.2, ts: TS + 60_000 })), { qos: 1 });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ deviceId: 'air-001', state: 'cleared' }), { timeout: 10_000, interval: 50 });
    expect(pushed).toHaveLength(3);
    expect(await listDeadLetters(db, { topic: ANOMALIES_TOPIC })).toEqual([]);
  });
});

describe('GET /api/anomalies', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp();
    await recordAnomalyEvent(t.db, anomaly());
    await recordAnomalyEvent(t.db, anomaly({ deviceId: 'water-3', kind: 'water', metric: 'level_cm', label: 'episode', ts: TS + 1000 }));
  });
  afterAll(() => t.close());

  it('refuses requests without a session', async () => {
    const response = await t.app.inject({ url: '/api/anomalies' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
  });

  it('filters by label and time for any signed-in role, and refuses unknown labels and empty windows', async () => {
    const cookie = await signIn(t.app, 'viewer');
    const get = (query: string) => t.app.inject({ url: `/api/anomalies?${query}`, headers: { cookie } });
    expect((await get('label=episode')).json().items.map((e: AnomalyEvent) => e.deviceId)).toEqual(['water-3']);
    expect((await get(`from=${TS + 1}&active=true`)).json().items.map((e: AnomalyEvent) => e.deviceId)).toEqual(['water-3']);
    expect((await get(`to=${new Date(TS + 1).toISOString()}`)).json().items.map((e: AnomalyEvent) => e.deviceId)).toEqual(['air-001']);
    expect((await get('limit=1')).json().items).toHaveLength(1);
    expect((await get('label=gremlins')).statusCode).toBe(400);
    expect((await get('state=on')).statusCode).toBe(400);
    expect((await get(`from=${TS}&to=${TS}`)).json().error.message).toContain('from');
  });

  it('is described in the OpenAPI document', async () => {
    const cookie = await signIn(t.app, 'viewer');
    const doc = (await t.app.inject({ url: '/api/docs/json', headers: { cookie } })).json();
    const names = doc.paths['/api/anomalies'].get.parameters.map((p: { name: string }) => p.name);
    expect(names.sort()).toEqual(['active', 'deviceId', 'from', 'label', 'limit', 'state', 'to']);
  });
});
