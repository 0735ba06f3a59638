import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createMqttConnect, deviceTopic, listAuditEvents, listDeadLetters, upsertUser, type Db, type Role } from '@ioc/core';
import type { CommandRecord } from '@ioc/core/contracts';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createDashboardService, loadDashboardConfig, type DashboardService } from '../server/index.ts';
import { logger, openStores } from './helpers.ts';

const ROLES: Role[] = ['operator', 'radio', 'radio_lead', 'viewer'];

describe('device commands: API → record → bus → device → ack, through a real gateway and dashboard', () => {
  const dir = tempDir('ioc-dash-cmd-');
  let db: Db;
  let gateway: GatewayService;
  let dashboard: DashboardService;
  let base: string;
  let brokerUrl: string;
  const cookies = {} as Record<Role, string>;
  const tokens: Record<string, string> = {};
  const clients: mqtt.MqttClient[] = [];
  let socket: Socket;
  const live: CommandRecord[] = [];

  beforeAll(async () => {
    const stores = await openStores();
    db = stores.db;
    const env = { IOC_DATA_DIR: dir.path, IOC_HTTP_PORT: '0', IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: 'service-token-for-tests-0123456789', IOC_LOG_LEVEL: 'silent' };
    const config = loadDashboardConfig(env);
    gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
    await gateway.start();
    brokerUrl = `mqtt://127.0.0.1:${gateway.port}`;
    const mqttConnect = createMqttConnect({ ...config, mqttUrl: brokerUrl });
    dashboard = createDashboardService({ config, logger, db, telemetry: stores.telemetry, mqttConnect, host: '127.0.0.1', commandSweepIntervalMs: 100 });
    await dashboard.start();
    base = `http://127.0.0.1:${dashboard.port}`;
    for (const id of ['spk-cmd-1', 'spk-cmd-2', 'spk-cmd-3']) tokens[id] = (await createDevice(db, { id, kind: 'speaker' })).token;
    tokens['cam-cmd-1'] = (await createDevice(db, { id: 'cam-cmd-1', kind: 'camera' })).token;
    for (const role of ROLES) {
      await upsertUser(db, `${role}-user`, `${role}-password-1`, role);
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `${role}-user`, password: `${role}-password-1` }),
      });
      cookies[role] = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    }
    socket = connectSocket(base, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: cookies.viewer }, reconnection: false });
    socket.on('command', (record: CommandRecord) => live.push(record));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    socket?.close();
    await Promise.all(clients.map((c) => c.endAsync()));
    await dashboard?.stop();
    await gateway?.stop();
    await db?.close();
    dir.remove();
  });

  /** A device's own MQTT connection (client id = device id), subscribed to its cmd topic at QoS 1. */
  async function deviceClient(id: string, options: { clean?: boolean } = {}) {
    const client = await mqtt.connectAsync(brokerUrl, { clientId: id, username: id, password: tokens[id], clean: options.clean ?? true, reconnectPeriod: 0 });
    clients.push(client);
    const received: Array<Record<string, unknown>> = [];
    client.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await client.subscribeAsync(deviceTopic(id, 'cmd'), { qos: 1 });
    return { client, received };
  }

  function send(role: Role, deviceId: string, body: unknown) {
    return fetch(`${base}/api/devices/${deviceId}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookies[role] },
      body: JSON.stringify(body),
    });
  }

  async function list(deviceId: string): Promise<CommandRecord[]> {
    const response = await fetch(`${base}/api/devices/${deviceId}/commands`, { headers: { cookie: cookies.viewer } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: CommandRecord[] }).items;
  }

  const statusOf = async (deviceId: string, id: string) => (await list(deviceId)).find((c) => c.id === id);

  it('answers 201 with the record, and publishes {id, type, args, expires} to the device at QoS 1', async () => {
    const device = await deviceClient('spk-cmd-1');
    const before = Date.now();
    const response = await send('operator', 'spk-cmd-1', { type: 'volume', args: { level: 50 }, ttlS: 600 });
    expect(response.status).toBe(201);
    const record = (await response.json()) as CommandRecord;
    expect(record).toEqual({
      id: expect.any(String),
      deviceId: 'spk-cmd-1',
      type: 'volume',
      args: { level: 50 },
      status: 'sent',
      detail: null,
      expires: record.createdAt + 600_000,
      createdAt: expect.any(Number),
      createdBy: 'user:operator-user',
      updatedAt: record.createdAt,
    });
    expect(record.createdAt).toBeGreaterThanOrEqual(before);
    await vi.waitFor(() => expect(device.received).toEqual([{ id: record.id, type: 'volume', args: { level: 50 }, expires: record.expires }]));
    await vi.waitFor(() => expect(live).toContainEqual(record));
  });

  it('refuses a wrong type or argument with a 400 that names the field', async () => {
    const refusal = async (body: unknown) => {
      const response = await send('operator', 'spk-cmd-1', body);
      expect(response.status).toBe(400);
      return ((await response.json()) as { error: { code: string; message: string } }).error;
    };
    expect(await refusal({ type: 'volume', args: { level: 500 } })).toEqual({ code: 'invalid_command', message: '"args.level" must be <= 100' });
    expect(await refusal({ type: 'volume', args: { loudness: 5 } })).toEqual({ code: 'invalid_command', message: '"args.level" is required' });
    expect(await refusal({ type: 'dance' })).toEqual({ code: 'invalid_command', message: '"type" must be one of "play", "stop", "volume" for a speaker' });
    expect(await refusal({ type: 'play', args: { url: 'file:///etc/passwd' } })).toMatchObject({ code: 'invalid_command', message: expect.stringMatching(/^"args.url" must match/) });
    expect(await refusal({ type: 'volume', args: { level: 5 }, ttlS: 0 })).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('ttlS') });
    expect(await refusal({ args: { level: 5 } })).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('type') });
    expect((await send('operator', 'no-such-device', { type: 'stop' })).status).toBe(404);
  });

  it('lets operators command any device and radio staff only loudspeakers; viewers none (403)', async () => {
    const forbidden = await send('viewer', 'spk-cmd-1', { type: 'stop' });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({ error: { code: 'forbidden', message: 'the viewer role may not send commands to spk-cmd-1 (kind speaker)' } });
    expect((await send('radio', 'cam-cmd-1', { type: 'stop' })).status).toBe(403);
    expect((await send('radio_lead', 'cam-cmd-1', { type: 'stop' })).status).toBe(403);
    expect((await send('radio', 'spk-cmd-1', { type: 'stop' })).status).toBe(201);
    expect((await send('radio_lead', 'spk-cmd-1', { type: 'volume', args: { level: 10 } })).status).toBe(201);
    // An operator may command a camera; cameras obey no command yet, so that is the 400 of its catalogue entry.
    expect(await (await send('operator', 'cam-cmd-1', { type: 'stop' })).json()).toEqual({
      error: { code: 'invalid_command', message: '"type": a camera takes no commands' },
    });
  });

  it('moves a command to acked on an ok ack, and to failed with the detail on an error ack, live', async () => {
    const device = await deviceClient('spk-cmd-2');
    const ok = (await (await send('operator', 'spk-cmd-2', { type: 'stop' })).json()) as CommandRecord;
    const bad = (await (await send('operator', 'spk-cmd-2', { type: 'play', args: { url: 'http://radio.example/a.mp3' } })).json()) as CommandRecord;
    await vi.waitFor(() => expect(device.received.map((c) => c.id)).toEqual([ok.id, bad.id]));
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), JSON.stringify({ id: ok.id, status: 'ok' }), { qos: 1 });
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), JSON.stringify({ id: bad.id, status: 'error', detail: 'amplifier fault' }), { qos: 1 });
    await vi.waitFor(async () => expect(await statusOf('spk-cmd-2', bad.id)).toMatchObject({ status: 'failed', detail: 'amplifier fault' }));
    expect(await statusOf('spk-cmd-2', ok.id)).toMatchObject({ status: 'acked', detail: null });
    expect(live).toContainEqual(expect.objectContaining({ id: ok.id, status: 'acked' }));
    expect(live).toContainEqual(expect.objectContaining({ id: bad.id, status: 'failed', detail: 'amplifier fault' }));

    // A redelivered ack changes nothing; malformed acks and acks of unknown commands become dead letters.
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), JSON.stringify({ id: ok.id, status: 'error', detail: 'late' }), { qos: 1 });
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), 'not json', { qos: 1 });
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), JSON.stringify({ id: ok.id, status: 'done' }), { qos: 1 });
    await device.client.publishAsync(deviceTopic('spk-cmd-2', 'ack'), JSON.stringify({ id: 'c-unknown', status: 'ok' }), { qos: 1 });
    await vi.waitFor(async () => expect(await listDeadLetters(db, { deviceId: 'spk-cmd-2' })).toHaveLength(3));
    expect((await listDeadLetters(db, { deviceId: 'spk-cmd-2' })).map((l) => [l.topic, l.reason])).toEqual([
      [deviceTopic('spk-cmd-2', 'ack'), 'ack refused: no command "c-unknown" was sent to spk-cmd-2'],
      [deviceTopic('spk-cmd-2', 'ack'), 'ack refused: "status" must be one of "ok", "error"'],
      [deviceTopic('spk-cmd-2', 'ack'), expect.stringMatching(/^ack refused: malformed JSON: /)],
    ]);
    expect(await statusOf('spk-cmd-2', ok.id)).toMatchObject({ status: 'acked', detail: null });
  });

  it('marks a command expired when no ack came before its expiry (by the sweep, pushed live)', async () => {
    const response = await send('operator', 'spk-cmd-2', { type: 'volume', args: { level: 20 }, ttlS: 1 });
    const record = (await response.json()) as CommandRecord;
    await vi.waitFor(() => expect(live).toContainEqual(expect.objectContaining({ id: record.id, status: 'expired' })), { timeout: 5000 });
    expect(await statusOf('spk-cmd-2', record.id)).toMatchObject({ status: 'expired', detail: null });
  });

  it('delivers to a device offline in a persistent session when it returns, but not a command that expired meanwhile', async () => {
    const first = await deviceClient('spk-cmd-3', { clean: false });
    await first.client.endAsync();
    const kept = (await (await send('operator', 'spk-cmd-3', { type: 'volume', args: { level: 30 }, ttlS: 600 })).json()) as CommandRecord;
    const lapsed = (await (await send('operator', 'spk-cmd-3', { type: 'volume', args: { level: 40 }, ttlS: 1 })).json()) as CommandRecord;
    await vi.waitFor(async () => expect(await statusOf('spk-cmd-3', lapsed.id)).toMatchObject({ status: 'expired' }), { timeout: 5000 });

    const back = mqtt.connect(brokerUrl, { clientId: 'spk-cmd-3', username: 'spk-cmd-3', password: tokens['spk-cmd-3'], clean: false, reconnectPeriod: 0 });
    clients.push(back);
    const received: Array<{ id: string }> = [];
    back.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()) as { id: string }));
    await new Promise((resolve) => back.once('connect', resolve));
    await vi.waitFor(() => expect(received.map((c) => c.id)).toEqual([kept.id]));
    await back.publishAsync(deviceTopic('spk-cmd-3', 'ack'), JSON.stringify({ id: kept.id, status: 'ok' }), { qos: 1 });
    await vi.waitFor(async () => expect(await statusOf('spk-cmd-3', kept.id)).toMatchObject({ status: 'acked' }));
    expect(received.map((c) => c.id)).toEqual([kept.id]);
    expect(await gateway.health()).toMatchObject({ dropped: { expiredCommands: 1 } });
  });

  it('audits every command with who sent it, and lists a device’s commands newest first', async () => {
    const audit = await listAuditEvents(db, { action: 'device.command', subject: 'spk-cmd-1' });
    const sent = await list('spk-cmd-1');
    expect(audit.map((e) => e.detail.id)).toEqual(sent.map((c) => c.id));
    expect(audit.map((e) => e.actor)).toEqual(['user:radio_lead-user', 'user:radio-user', 'user:operator-user']);
    expect(audit[2]).toMatchObject({ target: 'spk-cmd-1', remoteAddress: '127.0.0.1', detail: { type: 'volume', args: { level: 50 }, expires: sent[2]!.expires } });
    expect(sent.map((c) => [c.type, c.createdBy])).toEqual([
      ['volume', 'user:radio_lead-user'],
      ['stop', 'user:radio-user'],
      ['volume', 'user:operator-user'],
    ]);
    expect(sent.map((c) => c.createdAt)).toEqual([...sent.map((c) => c.createdAt)].sort((a, b) => b - a));
  });

  it('documents both routes in the OpenAPI description', async () => {
    const docs = (await (await fetch(`${base}/api/docs/json`, { headers: { cookie: cookies.viewer } })).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(docs.paths['/api/devices/{id}/commands'] ?? {}).sort()).toEqual(['get', 'post']);
  });
});
