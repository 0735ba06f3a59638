import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import {
  announceOnBus,
  createDevice,
  createMqttConnect,
  getDeviceCredentials,
  loadHueAreas,
  verifyToken,
  type CredentialChange,
  type RegistryRecord,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { logger, openTestApp, signIn, type TestApp } from './helpers.ts';

const SERVICE_TOKEN = 'device-admin-service-token-0123456789';

describe('device administration API', () => {
  const dir = tempDir();
  let t: TestApp;
  let gateway: GatewayService;
  let admin: string;
  let operator: string;
  const announced: CredentialChange[] = [];
  const records: Array<RegistryRecord | null> = [];

  beforeAll(async () => {
    t = await openTestApp({
      announce: async (announcement) => {
        announced.push(...(announcement.credentials ?? []));
        records.push(...(announcement.records ?? []).map((r) => r.record));
        const connect = createMqttConnect({ mqttUrl: `mqtt://127.0.0.1:${gateway.port}`, serviceToken: SERVICE_TOKEN });
        await announceOnBus(connect, 'dashboard-test', announcement);
      },
    });
    gateway = createGatewayService({
      config: loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path }),
      logger,
      db: t.db,
    });
    await gateway.start();
    admin = await signIn(t.app, 'admin');
    operator = await signIn(t.app, 'operator');
  });
  afterAll(async () => {
    await gateway.stop();
    await t.close();
    dir.remove();
  });

  const deviceLogin = (username: string, password: string) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { clientId: username, username, password, reconnectPeriod: 0, connectTimeout: 5000 });

  it('registers devices in bulk from JSON, all or nothing', async () => {
    const post = (payload: object) => t.app.inject({ method: 'POST', url: '/api/devices/bulk', headers: { cookie: admin }, payload });
    const refused = await post({ devices: [{ id: 'b-1', kind: 'air' }, { id: 'b-2', kind: 'toaster' }, { id: 'b-1', kind: 'air' }] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toEqual({
      code: 'invalid_devices',
      message: '2 device(s) refused; nothing was registered',
      details: [
        { index: 1, id: 'b-2', message: 'unknown device kind "toaster"' },
        { index: 2, id: 'b-1', message: 'device "b-1" appears twice' },
      ],
    });
    const created = await post({ devices: [{ id: 'b-1', kind: 'air', attributes: { model: 'SDS011' } }, { id: 'b-2', kind: 'noise' }] });
    expect(created.statusCode).toBe(201);
    const items = created.json().items as Array<{ id: string; token: string }>;
    expect(items.map((i) => i.id)).toEqual(['b-1', 'b-2']);
    expect(verifyToken(items[0]!.token, (await getDeviceCredentials(t.db, 'b-1'))!.tokenHash)).toBe(true);
  });

  it('registers devices in bulk from CSV, naming the lines it refuses', async () => {
    const area = loadHueAreas()[1]!.id;
    const post = (csv: string) =>
      t.app.inject({ method: 'POST', url: '/api/devices/bulk', headers: { cookie: admin, 'content-type': 'text/csv' }, payload: csv });
    const refused = await post(`id,kind,area\nc-1,air,${area}\nc-2,air,atlantis\nc-3,air\n`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details).toEqual([
      { line: 4, message: '2 fields where the header has 3' },
    ]);
    const unknownArea = await post(`id,kind,area\nc-1,air,${area}\nc-2,air,atlantis\n`);
    expect(unknownArea.json().error.details).toEqual([{ line: 3, id: 'c-2', message: 'unknown area "atlantis"' }]);
    const created = await post(`id,kind,area,owner\nc-1,air,${area},Phường Phú Hội\nc-2,speaker,,\n`);
    expect(created.statusCode).toBe(201);
    const one = await t.app.inject({ url: '/api/devices/c-1', headers: { cookie: operator } });
    expect(one.json()).toMatchObject({ areaId: area, attributes: { owner: 'Phường Phú Hội' }, enabled: true, revokedAt: null });
  });

  it('changes a device field by field, and refuses bad changes', async () => {
    await createDevice(t.db, { id: 'p-1', kind: 'air' });
    const patch = (id: string, payload: object, cookie = admin) => t.app.inject({ method: 'PATCH', url: `/api/devices/${id}`, headers: { cookie }, payload });
    const changed = await patch('p-1', { attributes: { pole: 'P-17' }, lat: 16.47, lon: 107.6, areaId: null });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ device: { id: 'p-1', attributes: { pole: 'P-17' }, lat: 16.47, lon: 107.6, areaId: null }, gatewayNotified: true });
    expect(announced.at(-1)).toMatchObject({ username: 'p-1', change: 'updated' });
    await patch('p-1', { kind: 'noise' });
    expect(records.at(-1)).toMatchObject({ id: 'p-1', kind: 'noise' }); // published for every service's registry cache
    expect((await patch('p-1', { kind: 'toaster' })).json().error.code).toBe('invalid_device');
    expect((await patch('p-1', {})).statusCode).toBe(400);
    expect((await patch('nope', { enabled: false })).statusCode).toBe(404);
    expect((await patch('p-1', { enabled: false }, operator)).statusCode).toBe(403);
  });

  it('disconnects a device at once when an admin disables it, through the gateway on the bus', async () => {
    const { token } = await createDevice(t.db, { id: 'live-1', kind: 'air' });
    const device = await deviceLogin('live-1', token);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const response = await t.app.inject({ method: 'PATCH', url: '/api/devices/live-1', headers: { cookie: admin }, payload: { enabled: false } });
    expect(response.json()).toMatchObject({ device: { enabled: false }, gatewayNotified: true });
    await closed;
    await expect(deviceLogin('live-1', token)).rejects.toThrow(/bad username or password/i);
    await t.app.inject({ method: 'PATCH', url: '/api/devices/live-1', headers: { cookie: admin }, payload: { enabled: true } });
    expect(announced.at(-1)).toMatchObject({ username: 'live-1', change: 'enabled' });
    (await deviceLogin('live-1', token)).end(true);
  });

  it('rotates a token (the old one stops working) and revokes one, disconnecting the device', async () => {
    const { token } = await createDevice(t.db, { id: 'live-2', kind: 'air' });
    const first = await deviceLogin('live-2', token);
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const rotated = await t.app.inject({ method: 'POST', url: '/api/devices/live-2/token', headers: { cookie: admin } });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json().token as string;
    expect(rotated.json()).toMatchObject({ id: 'live-2', gatewayNotified: true });
    await firstClosed;
    await expect(deviceLogin('live-2', token)).rejects.toThrow(/bad username or password/i);

    const second = await deviceLogin('live-2', fresh);
    const secondClosed = new Promise<void>((resolve) => second.once('close', () => resolve()));
    const revoked = await t.app.inject({ method: 'POST', url: '/api/devices/live-2/revoke', headers: { cookie: admin } });
    expect(revoked.json()).toMatchObject({ device: { id: 'live-2', revokedAt: expect.any(Number) }, gatewayNotified: true });
    await secondClosed;
    await expect(deviceLogin('live-2', fresh)).rejects.toThrow(/bad username or password/i);
    expect((await t.app.inject({ method: 'POST', url: '/api/devices/nope/revoke', headers: { cookie: admin } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url: '/api/devices/live-2/token', headers: { cookie: operator } })).statusCode).toBe(403);
  });

  it('removes a device, disconnecting it, and answers 404 for it afterwards', async () => {
    const { token } = await createDevice(t.db, { id: 'live-3', kind: 'speaker' });
    const device = await deviceLogin('live-3', token);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    const removed = await t.app.inject({ method: 'DELETE', url: '/api/devices/live-3', headers: { cookie: admin } });
    expect(removed.json()).toEqual({ id: 'live-3', gatewayNotified: true });
    await closed;
    await expect(deviceLogin('live-3', token)).rejects.toThrow(/bad username or password/i);
    expect((await t.app.inject({ url: '/api/devices/live-3', headers: { cookie: admin } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/devices/live-3', headers: { cookie: admin } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/devices/live-1', headers: { cookie: operator } })).statusCode).toBe(403);
  });

  it('manages integration accounts: create, log in inside its tree, rotate, disable (disconnecting it)', async () => {
    const post = (payload: object, cookie = admin) => t.app.inject({ method: 'POST', url: '/api/accounts', headers: { cookie }, payload });
    expect((await post({ name: 'nvr', role: 'integration', topicRoot: 'frigate' }, operator)).statusCode).toBe(403);
    const created = await post({ name: 'nvr', role: 'integration', topicRoot: 'frigate' });
    expect(created.statusCode).toBe(201);
    const { username, token } = created.json() as { username: string; token: string };
    expect(username).toBe('int:nvr');
    expect((await post({ name: 'nvr', role: 'integration', topicRoot: 'frigate' })).json().error.code).toBe('account_exists');
    expect((await post({ name: 'x', role: 'integration', topicRoot: '#' })).json().error.code).toBe('invalid_account');

    const nvr = await deviceLogin(username, token);
    await nvr.publishAsync('frigate/front_door/person', '1', { qos: 1 });
    const rotated = await t.app.inject({ method: 'POST', url: '/api/accounts/int:nvr/token', headers: { cookie: admin } });
    expect(rotated.json()).toMatchObject({ username: 'int:nvr', gatewayNotified: true });
    await new Promise<void>((resolve) => (nvr.connected ? nvr.once('close', () => resolve()) : resolve()));
    const fresh = await deviceLogin(username, rotated.json().token as string);
    const closed = new Promise<void>((resolve) => fresh.once('close', () => resolve()));
    const disabled = await t.app.inject({ method: 'PATCH', url: '/api/accounts/int:nvr', headers: { cookie: admin }, payload: { enabled: false } });
    expect(disabled.json()).toEqual({ username: 'int:nvr', enabled: false, gatewayNotified: true });
    await closed;
    const listed = await t.app.inject({ url: '/api/accounts', headers: { cookie: admin } });
    expect(listed.json().items).toEqual([expect.objectContaining({ username: 'int:nvr', role: 'integration', topicRoot: 'frigate', enabled: false })]);
    expect((await t.app.inject({ method: 'POST', url: '/api/accounts/air-1/token', headers: { cookie: admin } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/accounts/admin:nobody/token', headers: { cookie: admin } })).statusCode).toBe(404);
  });

  it('shows the audit log to admins only, filtered by subject and action', async () => {
    expect((await t.app.inject({ url: '/api/audit', headers: { cookie: operator } })).statusCode).toBe(403);
    const revocations = await t.app.inject({ url: '/api/audit?subject=live-2&action=device.revoke', headers: { cookie: admin } });
    expect(revocations.statusCode).toBe(200);
    expect(revocations.json().items).toEqual([
      { id: expect.any(Number), ts: t.clock.now(), actor: 'user:admin', action: 'device.revoke', target: 'live-2', remoteAddress: '127.0.0.1', detail: {} },
    ]);
    const actions = (await t.app.inject({ url: '/api/audit?subject=live-2&limit=1000', headers: { cookie: admin } })).json().items.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['device.rotate', 'device.revoke']));
    const bad = await t.app.inject({ url: '/api/audit?from=yesterday', headers: { cookie: admin } });
    expect(bad.statusCode).toBe(400);
  });
});
