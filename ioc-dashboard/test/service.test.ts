import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, createMqttConnect, deviceTopic, upsertUser, type Db, type TelemetryStore } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createDashboardService, loadDashboardConfig, type DashboardService, type LiveEvents } from '../server/index.ts';
import { logger, openStores } from './helpers.ts';

type Event<K extends keyof LiveEvents> = Parameters<LiveEvents[K]>[0];

/** Resolves with the first event of `name` that satisfies `match`. */
function nextEvent<K extends keyof LiveEvents>(socket: Socket, name: K, match: (e: Event<K>) => boolean): Promise<Event<K>> {
  return new Promise((resolve) => {
    const listener = (event: Event<K>) => {
      if (!match(event)) return;
      socket.off(name, listener as never);
      resolve(event);
    };
    socket.on(name, listener as never);
  });
}

describe('dashboard service: HTTP, socket.io and the MQTT feed through the real gateway', () => {
  const dir = tempDir('ioc-dash-svc-');
  let db: Db;
  let telemetry: TelemetryStore;
  let gateway: GatewayService;
  let dashboard: DashboardService;
  let base: string;
  let cookie: string;
  const sockets: Socket[] = [];
  const devices: mqtt.MqttClient[] = [];

  beforeAll(async () => {
    ({ db, telemetry } = await openStores());
    const env = { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'service-token-for-tests-0123456789', IOC_LOG_LEVEL: 'silent' };
    const config = loadDashboardConfig(env);
    gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    const mqttConnect = createMqttConnect({ ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` });
    dashboard = createDashboardService({
      config,
      logger,
      db,
      telemetry,
      mqttConnect,
      host: '127.0.0.1',
    });
    await dashboard.start();
    base = `http://127.0.0.1:${dashboard.port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all(devices.map((d) => d.endAsync()));
    await dashboard?.stop();
    await gateway?.stop();
    await db?.close();
    dir.remove();
  });

  it('listens on an ephemeral port and reports the health of every part, the gateway as it publishes it on the bus', async () => {
    expect(dashboard.port).toBeGreaterThan(0);
    await expect.poll(async () => Object.keys((await (await fetch(`${base}/api/health`)).json()).services).sort()).toEqual(['dashboard', 'db', 'gateway', 'telemetry']);
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe('ok');
    // Without a session, each part's status only; the details follow once signed in (next test).
    expect(body.services.dashboard).toEqual({ status: 'ok' });
    expect(body.services.gateway).toEqual({ status: 'ok' });
  });

  it('signs the bootstrapped admin in with the password from the 0600 file', async () => {
    const password = readFileSync(join(dir.path, 'admin-password'), 'utf8').trim();
    const response = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    cookie = setCookie.split(';')[0]!;
    const health = await (await fetch(`${base}/api/health`, { headers: { cookie } })).json();
    expect(health.services.dashboard).toMatchObject({ status: 'ok', mqtt: 'connected' });
    expect(health.services.gateway).toMatchObject({ status: 'ok', port: gateway.port, ts: expect.any(Number) });
  });

  it('refuses a socket.io connection without a valid session cookie', async () => {
    for (const extraHeaders of [{}, { cookie: 'ioc_session=not-a-session' }] as Record<string, string>[]) {
      const socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders, reconnection: false });
      sockets.push(socket);
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      expect(error.message).toContain('unauthenticated');
      expect(socket.connected).toBe(false);
    }
  });

  it('pushes status and valid telemetry published by a real device to signed-in browsers', async () => {
    const socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });

    const created = await fetch(`${base}/api/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ id: 'air-live', kind: 'air' }),
    });
    expect(created.status).toBe(201);
    const { token } = await created.json();

    const online = nextEvent(socket, 'status', (e) => e.deviceId === 'air-live' && e.online);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { clientId: 'air-live', username: 'air-live', password: token, reconnectPeriod: 0 });
    devices.push(device);
    expect(await online).toMatchObject({ deviceId: 'air-live', online: true, ts: expect.any(Number) });

    const reading = nextEvent(socket, 'telemetry', (e) => e.deviceId === 'air-live');
    const ts = Date.now();
    await device.publishAsync(deviceTopic('air-live', 'telemetry'), JSON.stringify({ metrics: { pm25: 999999 } }), { qos: 1 });
    await device.publishAsync(deviceTopic('air-live', 'telemetry'), 'not json', { qos: 1 });
    await device.publishAsync(deviceTopic('air-live', 'telemetry'), JSON.stringify({ ts, metrics: { pm25: 42.5, rh: 71 } }), { qos: 1 });
    expect(await reading).toEqual({ deviceId: 'air-live', ts, metrics: { pm25: 42.5, rh: 71 } });

    const offline = nextEvent(socket, 'status', (e) => e.deviceId === 'air-live' && !e.online);
    await device.endAsync();
    expect(await offline).toMatchObject({ deviceId: 'air-live', online: false });
  });

  it('forwards telemetry of a device registered elsewhere after start (looked up once)', async () => {
    const socket = sockets.at(-1)!;
    const { token } = await createDevice(db, { id: 'noise-late', kind: 'noise' });
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { clientId: 'noise-late', username: 'noise-late', password: token, reconnectPeriod: 0 });
    devices.push(device);
    const first = nextEvent(socket, 'telemetry', (e) => e.deviceId === 'noise-late' && e.metrics.laeq_db === 61);
    const second = nextEvent(socket, 'telemetry', (e) => e.deviceId === 'noise-late' && e.metrics.laeq_db === 62);
    await device.publishAsync(deviceTopic('noise-late', 'telemetry'), JSON.stringify({ metrics: { laeq_db: 61 } }), { qos: 1 });
    await device.publishAsync(deviceTopic('noise-late', 'telemetry'), JSON.stringify({ metrics: { laeq_db: 62 } }), { qos: 1 });
    expect((await first).metrics).toEqual({ laeq_db: 61 });
    expect((await second).metrics).toEqual({ laeq_db: 62 });
  });

  it('closes the sockets of a session when it signs out', async () => {
    await upsertUser(db, 'wall', 'wall-screen-password', 'viewer');
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'wall', password: 'wall-screen-password' }),
    });
    const wallCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: wallCookie }, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const logout = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie: wallCookie } });
    expect(logout.status).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect(sockets[sockets.length - 2]!.connected).toBe(true);
  });
});
