// The device registry travels on the bus (ioc/v1/registry/devices/{id}, retained): a PATCH of a device's kind,
// place or attributes reaches ingest, analytics, the Frigate adapter and the dashboard's live feed within a second,
// in a real all-in-one IOC with real MQTT clients.
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, findArea, type Health, type RegistryRecord } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { startIoc, type RunningIoc } from '@ioc/cli';

const ONE_SECOND = 1000;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the device registry on the bus', () => {
  const dir = tempDir('ioc-registry-');
  const password = 'registry-test-admin-password';
  let ioc: RunningIoc;
  let base: string;
  let cookie: string;
  let socket: Socket;
  let listener: MqttClient;
  const clients: MqttClient[] = [];
  const pushed: Array<{ at: number; id: string; record: RegistryRecord | null }> = [];
  const deviceEvents: Array<{ at: number; topic: string }> = [];

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  /** A counter of a running service's health (analytics: received, ignored…). */
  const counter = (service: string, name: string) => Number((ioc.services.find((s) => s.name === service)?.health() as Health)[name]);

  async function device(id: string, kind: string): Promise<MqttClient> {
    const created = await api<{ token: string }>('POST', '/api/devices', { id, kind });
    expect(created.status).toBe(201);
    const client = await mqtt.connectAsync(ioc.mqttUrl, { clientId: id, username: id, password: created.body.token, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  /** PATCHes a device and returns when the answer came (the change is stored and published by then). */
  async function patch(id: string, changes: Record<string, unknown>): Promise<number> {
    const response = await api<{ gatewayNotified: boolean }>('PATCH', `/api/devices/${id}`, changes);
    expect(response).toMatchObject({ status: 200, body: { gatewayNotified: true } });
    return Date.now();
  }

  beforeAll(async () => {
    ioc = await startIoc({
      env: { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_ADMIN_PASSWORD: password, IOC_DEMO: 'off' },
      logger: createLogger({ level: 'warn' }),
    });
    base = ioc.dashboardUrl as string;
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    socket.on('device', (event: { id: string; record: RegistryRecord | null }) => pushed.push({ at: Date.now(), ...event }));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    listener = await mqtt.connectAsync(ioc.mqttUrl, { clientId: 'svc:registry-test', username: 'svc:registry-test', password: ioc.config.serviceToken, reconnectPeriod: 0 });
    listener.on('message', (topic) => deviceEvents.push({ at: Date.now(), topic }));
    await listener.subscribeAsync('ioc/v1/devices/+/events', { qos: 1 });
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    for (const client of [...clients, listener]) await client?.endAsync();
    await ioc?.stop();
    dir.remove();
  });

  it('ingest stores readings under the new kind from the first message after a PATCH of kind', async () => {
    const sensor = await device('reg-ingest', 'speaker');
    const reading = JSON.stringify({ metrics: { pm25: 17.5 } });
    await sensor.publishAsync('ioc/v1/devices/reg-ingest/telemetry', reading, { qos: 1 });
    await until('the dead letter of pm25 from a speaker', async () => {
      const { body } = await api<{ items: Array<{ reason: string }> }>('GET', '/api/dead-letters?deviceId=reg-ingest');
      return body.items.find((l) => l.reason.includes('unknown metric "pm25" for a speaker device'));
    });

    const changedAt = await patch('reg-ingest', { kind: 'air' });
    await sensor.publishAsync('ioc/v1/devices/reg-ingest/telemetry', reading, { qos: 1 });
    const storedAt = await until('the reading stored', async () => {
      const { body } = await api<{ latest: { metrics: Record<string, number> } | null }>('GET', '/api/devices/reg-ingest');
      return body.latest?.metrics.pm25 === 17.5 ? Date.now() : undefined;
    });
    expect(storedAt - changedAt).toBeLessThan(ONE_SECOND);
  });

  it('analytics decodes readings under the new kind from the first message after a PATCH of kind', async () => {
    const sensor = await device('reg-analytics', 'water');
    const reading = JSON.stringify({ metrics: { pm25: 20 } });
    const before = { received: counter('analytics', 'received'), ignored: counter('analytics', 'ignored') };
    await sensor.publishAsync('ioc/v1/devices/reg-analytics/telemetry', reading, { qos: 1 });
    await until('the reading ignored as water', () => (counter('analytics', 'ignored') === before.ignored + 1 ? true : undefined));

    const changedAt = await patch('reg-analytics', { kind: 'air' });
    await sensor.publishAsync('ioc/v1/devices/reg-analytics/telemetry', reading, { qos: 1 });
    const scoredAt = await until('the reading received as air', () => (counter('analytics', 'received') === before.received + 2 ? Date.now() : undefined));
    expect(counter('analytics', 'ignored')).toBe(before.ignored + 1);
    expect(scoredAt - changedAt).toBeLessThan(ONE_SECOND);
  });

  it('the Frigate adapter follows a camera that a PATCH of attributes moves to another device', async () => {
    await api('POST', '/api/devices', { id: 'reg-cam', kind: 'camera', attributes: { frigate_camera: 'gate_cam' } });
    await api('POST', '/api/devices', { id: 'reg-cam-2', kind: 'camera' });
    const account = await api<{ username: string; token: string }>('POST', '/api/accounts', { name: 'frigate-reg', role: 'integration', topicRoot: 'frigate' });
    const nvr = await mqtt.connectAsync(ioc.mqttUrl, { clientId: account.body.username, username: account.body.username, password: account.body.token, reconnectPeriod: 0 });
    clients.push(nvr);
    const event = (id: string) =>
      JSON.stringify({ type: 'new', before: null, after: { id, camera: 'gate_cam', label: 'person', start_time: Date.now() / 1000, top_score: 0.9 } });
    await nvr.publishAsync('frigate/events', event('e-1'), { qos: 1 });
    await until('the event of the first camera', () => deviceEvents.find((e) => e.topic === 'ioc/v1/devices/reg-cam/events'));

    await patch('reg-cam', { attributes: {} });
    const changedAt = await patch('reg-cam-2', { attributes: { frigate_camera: 'gate_cam' } });
    await nvr.publishAsync('frigate/events', event('e-2'), { qos: 1 });
    const mapped = await until('the event of the second camera', () => deviceEvents.find((e) => e.topic === 'ioc/v1/devices/reg-cam-2/events'));
    expect(mapped.at - changedAt).toBeLessThan(ONE_SECOND);
    expect(deviceEvents.filter((e) => e.topic === 'ioc/v1/devices/reg-cam/events')).toHaveLength(1);
  });

  it('the live feed pushes a PATCH of place (with the commune found from it) and a delete to browsers', async () => {
    await api('POST', '/api/devices', { id: 'reg-wall', kind: 'noise' });
    const [lon, lat] = [107.585, 16.463];
    const changedAt = await patch('reg-wall', { lat, lon });
    const moved = await until('the pushed record', () => pushed.find((p) => p.id === 'reg-wall' && p.record?.lat === lat));
    expect(moved.record).toMatchObject({ kind: 'noise', lat, lon, areaId: findArea(lon, lat)?.id });
    expect(moved.record?.areaId).toBeTruthy();
    expect(moved.at - changedAt).toBeLessThan(ONE_SECOND);

    expect((await api('DELETE', '/api/devices/reg-wall')).status).toBe(200);
    await until('the pushed deletion', () => pushed.find((p) => p.id === 'reg-wall' && p.record === null));
  });

  it('holds every record retained on the bus, for a service that subscribes later', async () => {
    const late = await mqtt.connectAsync(ioc.mqttUrl, { clientId: 'svc:registry-late', username: 'svc:registry-late', password: ioc.config.serviceToken, reconnectPeriod: 0 });
    clients.push(late);
    const records = new Map<string, string>();
    late.on('message', (topic, payload) => records.set(topic, payload.toString()));
    await late.subscribeAsync('ioc/v1/registry/devices/+', { qos: 1 });
    await until('the retained records', () => (records.size >= 3 ? true : undefined));
    expect(JSON.parse(records.get('ioc/v1/registry/devices/reg-ingest') ?? '{}')).toMatchObject({ id: 'reg-ingest', kind: 'air' });
    expect(JSON.parse(records.get('ioc/v1/registry/devices/reg-cam-2') ?? '{}')).toMatchObject({ attributes: { frigate_camera: 'gate_cam' } });
    expect(records.has('ioc/v1/registry/devices/reg-wall')).toBe(false); // deleted: its retained record was cleared
  });
});
