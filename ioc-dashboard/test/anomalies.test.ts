import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALIES_TOPIC,
  createMqttConnect,
  createPgliteDb,
  loadConfig,
  migrate,
  recordAnomalyEvent,
  systemClock,
  upsertUser,
  type AnomalyEvent,
  type Db,
  type IocConfig,
  type MqttClient,
  type StoredAnomalyEvent,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, type GatewayService } from '@ioc/gateway';
import { createDashboardService, type DashboardService } from '../server/index.ts';
import { createAnomalyFeed } from '../server/live/anomaly-feed.ts';
import { logger, openStores, openTestApp, signIn, type TestApp } from './helpers.ts';

const TS = Date.UTC(2026, 10, 30, 2, 0, 0);

function anomaly(overrides: Partial<AnomalyEvent> = {}): AnomalyEvent {
  return { deviceId: 'air-001', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', score: 0.99971, threshold: 0.9995, label: 'sensor_fault', state: 'raised', ts: TS, ...overrides };
}

describe('anomalies from the bus: stored once, pushed live, malformed ones dead-lettered', () => {
  const dir = tempDir('ioc-dash-anomalies-');
  let db: Db;
  let gateway: GatewayService;
  let dashboard: DashboardService;
  let analytics: MqttClient;
  let base: string;
  let cookie: string;
  let socket: Socket;
  const pushed: StoredAnomalyEvent[] = [];
  const get = (path: string, headers: Record<string, string> = { cookie }) => fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    const stores = await openStores();
    db = stores.db;
    const config: IocConfig = {
      ...loadConfig({}),
      dataDir: dir.path,
      httpPort: 0,
      mqttPort: 0,
      mqttUrl: 'mqtt://127.0.0.1:0',
      serviceToken: 'service-token-for-tests-0123456789',
      demo: false,
      logLevel: 'silent',
    };
    gateway = createGatewayService({ config, logger, db });
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
    socket.on('anomaly', (event: StoredAnomalyEvent) => pushed.push(event));
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

  it('stores a raised event once though it is delivered twice, and pushes it once to signed-in sockets', async () => {
    const raised = JSON.stringify(anomaly());
    await analytics.publishAsync(ANOMALIES_TOPIC, raised, { qos: 1 });
    await analytics.publishAsync(ANOMALIES_TOPIC, raised, { qos: 1 });
    const camera = anomaly({ deviceId: 'camera-7', kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', label: 'covered_lens', ts: TS + 1000 });
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(camera), { qos: 1 });

    await vi.waitFor(() => expect(pushed.map((e) => e.deviceId)).toEqual(['air-001', 'camera-7']), { timeout: 10_000, interval: 50 });
    expect(pushed[0]).toMatchObject({ ...anomaly(), id: expect.any(Number), receivedAt: expect.any(Number) });

    const { items } = await (await get('/api/anomalies')).json();
    expect(items.map((e: StoredAnomalyEvent) => `${e.deviceId}:${e.label}:${e.state}`)).toEqual(['camera-7:covered_lens:raised', 'air-001:sensor_fault:raised']);
  });

  it('stores the events published while the dashboard was away (persistent session)', async () => {
    const mqttConnect = createMqttConnect({ mqttUrl: `mqtt://127.0.0.1:${gateway.port}`, serviceToken: 'service-token-for-tests-0123456789' });
    // A database of its own: in the shared one the running dashboard has stored the event already.
    const own = await createPgliteDb();
    await migrate(own);
    const feed = (sink: (event: StoredAnomalyEvent) => void) =>
      createAnomalyFeed({ mqttConnect, db: own, clock: systemClock, logger, sink, clientId: 'svc:dashboard-anomalies/anomaly-feed-away' });
    const first = feed(() => {});
    await first.start();
    await first.stop();
    const whileAway = anomaly({ deviceId: 'water-3', kind: 'water', metric: 'level_cm', label: 'episode', state: 'cleared', ts: TS + 5000 });
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(whileAway), { qos: 1 });
    const received: StoredAnomalyEvent[] = [];
    const back = feed((event) => received.push(event));
    await back.start();
    try {
      await vi.waitFor(() => expect(received.map((e) => e.deviceId)).toContain('water-3'), { timeout: 10_000, interval: 50 });
    } finally {
      await back.stop();
      await own.close();
    }
  });

  it('takes a cleared alarm off the active list and pushes the clear', async () => {
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ state: 'cleared', score: 0.2, ts: TS + 60_000 })), { qos: 1 });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ deviceId: 'air-001', state: 'cleared' }), { timeout: 10_000, interval: 50 });

    const active = await (await get('/api/anomalies?active=true')).json();
    expect(active.items.map((e: StoredAnomalyEvent) => e.deviceId)).toEqual(['camera-7']);
    const history = await (await get('/api/anomalies?deviceId=air-001')).json();
    expect(history.items.map((e: StoredAnomalyEvent) => e.state)).toEqual(['cleared', 'raised']);
  });

  it('turns a malformed event into a dead letter with its reason and keeps running', async () => {
    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ label: 'gremlins' as AnomalyEvent['label'] })), { qos: 1 });
    await analytics.publishAsync(ANOMALIES_TOPIC, 'not json', { qos: 1 });
    await upsertUser(db, 'duty', 'duty-officer-password', 'operator');
    const duty = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'duty', password: 'duty-officer-password' }),
    });
    const operator = (duty.headers.get('set-cookie') ?? '').split(';')[0]!;
    await vi.waitFor(
      async () => {
        const { items } = await (await get(`/api/dead-letters?topic=${encodeURIComponent(ANOMALIES_TOPIC)}`, { cookie: operator })).json();
        expect(items.map((l: { deviceId: string | null; reason: string }) => [l.deviceId, l.reason.slice(0, 24)])).toEqual([
          [null, 'malformed JSON: Unexpect'],
          ['air-001', '"label" must be one of e'],
        ]);
      },
      { timeout: 10_000, interval: 100 },
    );

    await analytics.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly({ ts: TS + 120_000 })), { qos: 1 });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ deviceId: 'air-001', state: 'raised', ts: TS + 120_000 }), { timeout: 10_000, interval: 50 });
    expect(pushed).toHaveLength(5);
    expect((await get('/api/dead-letters', { cookie })).status).toBe(403); // the wall's viewer may not read them
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
