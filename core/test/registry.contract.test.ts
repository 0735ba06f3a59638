import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MqttAccountError,
  clearStalePresence,
  createDevice,
  createDevices,
  createMqttAccount,
  createPgliteDb,
  createSqlTelemetryStore,
  deleteDevice,
  getDevice,
  getDeviceCredentials,
  getMqttAccountCredentials,
  listAuditEvents,
  listMqttAccounts,
  loadHueAreas,
  migrate,
  parseAccountUsername,
  readDeviceStates,
  readRegistry,
  pruneAuditEvents,
  recordAuditEvents,
  recordDevicePresence,
  revokeDeviceToken,
  rotateDeviceToken,
  rotateMqttAccountToken,
  seedAreas,
  setMqttAccountEnabled,
  updateDevice,
  verifyToken,
  type Db,
} from '@ioc/core';
import { postgresAvailable, startPostgres } from '@ioc/core/testing';
import { createPostgresDb } from '../src/db/postgres.ts';

/** The device registry, MQTT accounts and audit log (migration 002), on every relational adapter. */
function registryContract(open: () => Promise<{ db: Db; dispose(): Promise<void> }>): void {
  let db: Db;
  let dispose: () => Promise<void>;
  const communeId = loadHueAreas()[1]?.id as string;

  beforeAll(async () => {
    ({ db, dispose } = await open());
    await migrate(db);
    await seedAreas(db);
  });
  afterAll(() => dispose());

  it('stores attributes and updates a device field by field', async () => {
    const { device } = await createDevice(db, { id: 'air-reg-1', kind: 'air', attributes: { model: 'PMS7003', floor: 2, solar: true } });
    expect(device.attributes).toEqual({ model: 'PMS7003', floor: 2, solar: true });
    const moved = await updateDevice(db, 'air-reg-1', { areaId: communeId, lat: 16.46, lon: 107.59 });
    expect(moved).toMatchObject({ areaId: communeId, lat: 16.46, lon: 107.59, attributes: { model: 'PMS7003' }, enabled: true });
    expect(moved!.updatedAt).toBeGreaterThanOrEqual(device.updatedAt);
    const off = await updateDevice(db, 'air-reg-1', { enabled: false, lat: null, lon: null, attributes: {} });
    expect(off).toMatchObject({ enabled: false, lat: null, lon: null, attributes: {}, areaId: communeId });
    expect(await updateDevice(db, 'nobody', { enabled: false })).toBeUndefined();
    await expect(updateDevice(db, 'air-reg-1', { lat: 16 })).rejects.toMatchObject({ code: 'invalid_device' });
    await expect(updateDevice(db, 'air-reg-1', { areaId: 'atlantis' })).rejects.toMatchObject({ code: 'unknown_area' });
    await expect(updateDevice(db, 'air-reg-1', { attributes: { x: { nested: 1 } } as never })).rejects.toMatchObject({ code: 'invalid_device' });
  });

  it('revokes a token so none works until a new one is issued', async () => {
    const { token } = await createDevice(db, { id: 'air-reg-2', kind: 'air' });
    const revoked = await revokeDeviceToken(db, 'air-reg-2');
    expect(revoked?.revokedAt).toEqual(expect.any(Number));
    expect(verifyToken(token, (await getDeviceCredentials(db, 'air-reg-2'))!.tokenHash)).toBe(false);
    const fresh = (await rotateDeviceToken(db, 'air-reg-2')) as string;
    expect(fresh.length).toBeGreaterThanOrEqual(43); // 32 random bytes, base64url
    expect(verifyToken(fresh, (await getDeviceCredentials(db, 'air-reg-2'))!.tokenHash)).toBe(true);
    expect((await getDevice(db, 'air-reg-2'))?.revokedAt).toBeNull();
    expect(await revokeDeviceToken(db, 'nobody')).toBeUndefined();
    expect(await deleteDevice(db, 'air-reg-2')).toBe(true);
    expect(await getDevice(db, 'air-reg-2')).toBeUndefined();
    expect(await deleteDevice(db, 'air-reg-2')).toBe(false);
  });

  it('registers devices in bulk, all or nothing, listing every refusal', async () => {
    await createDevice(db, { id: 'bulk-taken', kind: 'noise' });
    const refused = await createDevices(db, [
      { id: 'bulk-1', kind: 'air' },
      { id: 'bulk-1', kind: 'air' },
      { id: 'bulk-taken', kind: 'noise' },
      { id: 'bulk-3', kind: 'toaster' },
      { id: 'bulk-4', kind: 'water', areaId: 'atlantis' },
    ]);
    expect(refused).toEqual({
      ok: false,
      errors: [
        { index: 1, id: 'bulk-1', code: 'device_exists', message: 'device "bulk-1" appears twice' },
        { index: 2, id: 'bulk-taken', code: 'device_exists', message: 'device "bulk-taken" already exists' },
        { index: 3, id: 'bulk-3', code: 'invalid_device', message: 'unknown device kind "toaster"' },
        { index: 4, id: 'bulk-4', code: 'unknown_area', message: 'unknown area "atlantis"' },
      ],
    });
    expect(await getDevice(db, 'bulk-1')).toBeUndefined();
    const created = await createDevices(db, [
      { id: 'bulk-1', kind: 'air', areaId: communeId, lat: 16.4, lon: 107.5, attributes: { owner: 'Sở TN&MT' } },
      { id: 'bulk-2', kind: 'speaker', enabled: false },
    ]);
    if (!created.ok) throw new Error('expected the bulk registration to succeed');
    expect(created.created.map((c) => c.device.id)).toEqual(['bulk-1', 'bulk-2']);
    expect(new Set(created.created.map((c) => c.token)).size).toBe(2);
    expect(await getDevice(db, 'bulk-2')).toMatchObject({ enabled: false, kind: 'speaker' });
    expect(await getDevice(db, 'bulk-1')).toMatchObject({ attributes: { owner: 'Sở TN&MT' }, areaId: communeId });
  });

  it('records presences in one statement; last_seen never moves backwards', async () => {
    await createDevice(db, { id: 'seen-1', kind: 'air' });
    await createDevice(db, { id: 'seen-2', kind: 'air' });
    const t = Date.UTC(2026, 0, 1);
    await recordDevicePresence(db, [
      { id: 'seen-1', online: true, lastSeen: t },
      { id: 'seen-2', lastSeen: t + 5 },
      { id: 'not-registered', lastSeen: t },
    ]);
    expect(await getDevice(db, 'seen-1')).toMatchObject({ online: true, lastSeen: t });
    expect(await getDevice(db, 'seen-2')).toMatchObject({ online: false, lastSeen: t + 5 });
    await recordDevicePresence(db, [{ id: 'seen-1', lastSeen: t - 1000 }]);
    expect(await getDevice(db, 'seen-1')).toMatchObject({ online: true, lastSeen: t });
    await recordDevicePresence(db, []);
  });

  it('counts registry changes in a revision that presence does not move, read with every state in one snapshot', async () => {
    const revision = async () => (await readDeviceStates(db)).revision;
    const before = await revision();
    expect((await readRegistry(db)).revision).toBe(before);
    await createDevice(db, { id: 'rev-1', kind: 'air', lat: 16.4, lon: 107.6 });
    const created = await revision();
    expect(created).toBeGreaterThan(before);
    await recordDevicePresence(db, [{ id: 'rev-1', online: true, lastSeen: Date.UTC(2026, 0, 2, 3, 4, 5, 678) }]);
    await clearStalePresence(db);
    await db.query('UPDATE devices SET online = true, last_seen = $2 WHERE id = $1', ['rev-1', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)).toISOString()]);
    expect(await revision()).toBe(created);
    const changes: Array<() => Promise<unknown>> = [
      () => updateDevice(db, 'rev-1', { attributes: { model: 'x' } }),
      () => rotateDeviceToken(db, 'rev-1'),
      () => revokeDeviceToken(db, 'rev-1'),
      () => db.query("UPDATE devices SET kind = 'noise' WHERE id = 'rev-1'"),
      () => deleteDevice(db, 'rev-1'),
    ];
    let last = created;
    for (const change of changes) {
      await change();
      const now = await revision();
      expect(now).toBeGreaterThan(last);
      last = now;
    }
    const bulk = await createDevices(db, [1, 2, 3].map((n) => ({ id: `rev-bulk-${n}`, kind: 'air' })));
    expect(bulk.ok).toBe(true);
    expect(await revision()).toBe(last + 1); // once per transaction, not per row
    await expect(db.query("INSERT INTO devices (id, kind, token_hash) VALUES (E'tab\\there', 'air', 'x')")).rejects.toThrow(/devices_id_pattern/);
  });

  it('reads every device\'s presence and latest reading as stored, metrics unparsed', async () => {
    await createDevice(db, { id: 'state-1', kind: 'air' });
    await createDevice(db, { id: 'state-2', kind: 'air' });
    const seen = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    await recordDevicePresence(db, [{ id: 'state-1', online: true, lastSeen: seen }]);
    const telemetry = createSqlTelemetryStore(db);
    await telemetry.write([
      { deviceId: 'state-1', metric: 'pm25', ts: seen + 1, value: 35.5 },
      { deviceId: 'state-1', metric: 'rh', ts: seen, value: 80 },
    ]);
    const { states } = await readDeviceStates(db);
    const one = states.get('state-1');
    expect(one).toMatchObject({ online: true, lastSeen: seen, latest: { ts: seen + 1 } });
    expect(JSON.parse(one?.latest?.metricsJson ?? '')).toEqual({ pm25: 35.5, rh: 80 });
    expect(states.get('state-2')).toEqual({ online: false, lastSeen: null, latest: null });
    expect(states.size).toBe((await readRegistry(db)).devices.length);
    await telemetry.close();
  });

  it('keeps integration and admin accounts with hashed tokens, validated topic roots', async () => {
    const created = await createMqttAccount(db, { name: 'frigate', role: 'integration', topicRoot: 'frigate' });
    expect(created).toMatchObject({ username: 'int:frigate', account: { name: 'frigate', role: 'integration', topicRoot: 'frigate', enabled: true } });
    expect(parseAccountUsername('int:frigate')).toEqual({ role: 'integration', name: 'frigate' });
    expect(parseAccountUsername('air-1')).toBeUndefined();
    const stored = await getMqttAccountCredentials(db, 'integration', 'frigate');
    expect(verifyToken(created.token, stored!.tokenHash)).toBe(true);
    const code = (promise: Promise<unknown>) => promise.then(() => 'created', (e: unknown) => (e instanceof MqttAccountError ? e.code : String(e)));
    expect(await code(createMqttAccount(db, { name: 'frigate', role: 'integration', topicRoot: 'frigate' }))).toBe('account_exists');
    for (const topicRoot of ['#', 'frigate/#', 'ioc', 'ioc/v1', '$SYS', '', 'a/b/c/d/e', 'a//b']) {
      expect(await code(createMqttAccount(db, { name: 'bad', role: 'integration', topicRoot }))).toBe('invalid_account');
    }
    expect(await code(createMqttAccount(db, { name: 'bad name', role: 'admin' }))).toBe('invalid_account');
    expect(await code(createMqttAccount(db, { name: 'ops', role: 'admin', topicRoot: 'x' }))).toBe('invalid_account');
    await createMqttAccount(db, { name: 'ops', role: 'admin' });
    expect((await listMqttAccounts(db)).map((a) => `${a.role}:${a.name}`)).toEqual(['admin:ops', 'integration:frigate']);
    const fresh = (await rotateMqttAccountToken(db, 'integration', 'frigate')) as string;
    expect(verifyToken(fresh, (await getMqttAccountCredentials(db, 'integration', 'frigate'))!.tokenHash)).toBe(true);
    expect(await setMqttAccountEnabled(db, 'integration', 'frigate', false)).toBe(true);
    expect((await getMqttAccountCredentials(db, 'integration', 'frigate'))?.enabled).toBe(false);
    expect(await setMqttAccountEnabled(db, 'admin', 'nobody', false)).toBe(false);
  });

  it('appends audit events and lists them newest first, filtered', async () => {
    const t = Date.UTC(2026, 1, 1);
    await recordAuditEvents(db, [
      { ts: t, actor: 'air-9', action: 'mqtt.connect', remoteAddress: '10.0.0.9:5000', detail: { clientId: 'c1' } },
      { ts: t + 1, actor: 'user:admin', action: 'device.revoke', target: 'air-9' },
      { ts: t + 2, actor: 'bad\u0000name', action: 'mqtt.auth_failure', detail: { reason: 'wrong\u0000token' } },
    ]);
    const all = await listAuditEvents(db, { since: t });
    expect(all.map((e) => e.action)).toEqual(['mqtt.auth_failure', 'device.revoke', 'mqtt.connect']);
    expect(all[2]).toMatchObject({ actor: 'air-9', target: null, remoteAddress: '10.0.0.9:5000', detail: { clientId: 'c1' }, ts: t });
    expect(all[0]?.actor).toBe('bad\uFFFDname');
    expect((await listAuditEvents(db, { subject: 'air-9' })).map((e) => e.action)).toEqual(['device.revoke', 'mqtt.connect']);
    expect((await listAuditEvents(db, { action: 'mqtt.connect', since: t, until: t + 1 })).length).toBe(1);
    expect(await listAuditEvents(db, { since: t, limit: 1 })).toHaveLength(1);
    expect(await pruneAuditEvents(db, t + 1)).toBe(1);
    expect((await listAuditEvents(db, { since: t })).map((e) => e.action)).toEqual(['mqtt.auth_failure', 'device.revoke']);
  });
}

describe('device registry: PGlite', () => {
  registryContract(async () => {
    const db = await createPgliteDb();
    return { db, dispose: () => db.close() };
  });
});

describe.skipIf(!postgresAvailable())('device registry: PostgreSQL', () => {
  registryContract(async () => {
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
