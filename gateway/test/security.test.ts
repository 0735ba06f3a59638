import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  announceCredentialChange,
  createDevice,
  createLogger,
  createMqttAccount,
  createMqttConnect,
  createPgliteDb,
  getDevice,
  listAuditEvents,
  migrate,
  recordAuditEvents,
  revokeDeviceToken,
  rotateDeviceToken,
  updateDevice,
  type Db,
  type MqttConnect,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import mqtt, { type MqttClient } from 'mqtt';
import { collect, connect, SERVICE_TOKEN, subscribeGranted } from './fixture.ts';

/** A clock the test moves by hand (backoff waits, last-seen times). */
function manualClock(start = Date.UTC(2026, 0, 15, 8, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const closedPromise = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

describe('gateway security: registry changes, accounts, backoff, audit, presence', () => {
  const dir = tempDir();
  const clock = manualClock();
  let db: Db;
  let gateway: GatewayService;
  let url: string;
  let mqttConnect: MqttConnect;

  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    const config = loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path });
    gateway = createGatewayService({
      config,
      logger: createLogger({ level: 'silent' }),
      db,
      clock,
      security: {
        auditIntervalMs: 20,
        presenceIntervalMs: 20,
        backoff: { username: { freeFailures: 2, baseMs: 60_000, maxMs: 60_000 }, ip: { freeFailures: 1000, baseMs: 1000, maxMs: 1000 } },
      },
    });
    await gateway.start();
    url = `mqtt://127.0.0.1:${gateway.port}`;
    mqttConnect = createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN });
  });
  afterAll(async () => {
    await gateway.stop();
    await db.close();
    dir.remove();
  });

  const announce = (username: string, change: 'rotated' | 'revoked' | 'disabled' | 'enabled') =>
    announceCredentialChange(mqttConnect, 'security-test', { username, change, ts: clock.now() });

  it('verifies a known device from its cached credential, without reading the database again', async () => {
    const { token } = await createDevice(db, { id: 'air-cache', kind: 'air' });
    (await connect(url, { username: 'air-cache', password: token })).end(true);
    // Changed behind the IOC's back (no announcement): the cached hash still admits the device.
    await db.query("UPDATE devices SET token_hash = 'feed' WHERE id = 'air-cache'");
    const again = await connect(url, { username: 'air-cache', password: token });
    expect(again.connected).toBe(true);
    await again.endAsync();
  });

  it('disconnects a device at once when its token is revoked elsewhere and announced on the bus', async () => {
    const { token } = await createDevice(db, { id: 'air-revoked', kind: 'air' });
    const device = await connect(url, { clientId: 'air-revoked', username: 'air-revoked', password: token });
    const closed = closedPromise(device);
    expect((await revokeDeviceToken(db, 'air-revoked'))?.revokedAt).not.toBeNull();
    await announce('air-revoked', 'revoked');
    await closed;
    await expect(connect(url, { username: 'air-revoked', password: token })).rejects.toThrow(/bad username or password/i);
    await vi.waitFor(async () =>
      expect((await listAuditEvents(db, { subject: 'air-revoked', action: 'mqtt.kicked' }))[0]).toMatchObject({
        actor: 'gateway',
        detail: { change: 'revoked', connections: 1 },
      }),
    );
    const fresh = await rotateDeviceToken(db, 'air-revoked');
    await announce('air-revoked', 'rotated');
    expect((await getDevice(db, 'air-revoked'))?.revokedAt).toBeNull();
    const back = await connect(url, { username: 'air-revoked', password: fresh as string });
    expect(back.connected).toBe(true);
    await back.endAsync();
  });

  it('closes a rotated device\'s connection and admits only the new token', async () => {
    const { token } = await createDevice(db, { id: 'air-rotated', kind: 'air' });
    const device = await connect(url, { username: 'air-rotated', password: token });
    const closed = closedPromise(device);
    const fresh = (await rotateDeviceToken(db, 'air-rotated')) as string;
    await announce('air-rotated', 'rotated');
    await closed;
    await expect(connect(url, { username: 'air-rotated', password: token })).rejects.toThrow(/bad username or password/i);
    (await connect(url, { username: 'air-rotated', password: fresh })).end(true);
  });

  it('disconnects a disabled device and lets it back once enabled', async () => {
    const { token } = await createDevice(db, { id: 'air-disabled', kind: 'air' });
    const device = await connect(url, { username: 'air-disabled', password: token });
    const closed = closedPromise(device);
    await updateDevice(db, 'air-disabled', { enabled: false });
    await announce('air-disabled', 'disabled');
    await closed;
    await expect(connect(url, { username: 'air-disabled', password: token })).rejects.toThrow(/bad username or password/i);
    await updateDevice(db, 'air-disabled', { enabled: true });
    await announce('air-disabled', 'enabled');
    (await connect(url, { username: 'air-disabled', password: token })).end(true);
  });

  it('ignores credential changes published by a device (only services may publish there)', async () => {
    const { token } = await createDevice(db, { id: 'air-prankster', kind: 'air' });
    const { token: victimToken } = await createDevice(db, { id: 'air-victim', kind: 'air' });
    const victim = await connect(url, { username: 'air-victim', password: victimToken });
    const prankster = await connect(url, { username: 'air-prankster', password: token });
    const pranksterClosed = closedPromise(prankster);
    prankster.publish('ioc/v1/control/credentials', JSON.stringify({ username: 'air-victim', change: 'revoked', ts: 0 }));
    await pranksterClosed; // refused publish: the prankster is disconnected, the victim is not
    expect(victim.connected).toBe(true);
    await victim.endAsync();
    (await connect(url, { username: 'air-victim', password: victimToken })).end(true); // its token still works
  });

  it('scopes an integration account to its own topic tree and keeps $SYS for services and admins', async () => {
    const frigate = await createMqttAccount(db, { name: 'frigate', role: 'integration', topicRoot: 'frigate' });
    const admin = await createMqttAccount(db, { name: 'ops', role: 'admin' });
    const { token } = await createDevice(db, { id: 'air-sys', kind: 'air' });
    expect(frigate.username).toBe('int:frigate');

    const nvr = await connect(url, { username: 'int:frigate', password: frigate.token });
    expect(await subscribeGranted(nvr, ['frigate/#', 'frigate', 'frigate/+/events', '#', 'frigatex/#', '+/events', 'ioc/#', '$SYS/#'])).toEqual([
      1, 1, 1, 128, 128, 128, 128, 128,
    ]);
    const ops = await connect(url, { username: 'admin:ops', password: admin.token });
    expect(await subscribeGranted(ops, ['$SYS/#', '#'])).toEqual([1, 1]);
    const device = await connect(url, { username: 'air-sys', password: token });
    expect(await subscribeGranted(device, ['$SYS/#', 'ioc/v1/devices/air-sys/#', 'ioc/v1/devices/+/cmd'])).toEqual([128, 128, 128]);
    await device.endAsync();

    const seen = collect(ops);
    await nvr.publishAsync('frigate/events', '{"type":"new"}', { qos: 1 });
    await vi.waitFor(() => expect(seen.map((m) => m.topic)).toContain('frigate/events'));
    const nvrClosed = closedPromise(nvr);
    nvr.publish('ioc/v1/devices/air-sys/telemetry', '{}');
    await nvrClosed;
    await expect(connect(url, { username: 'int:frigate', password: admin.token })).rejects.toThrow(/bad username or password/i);
    await expect(connect(url, { username: 'int:nobody', password: admin.token })).rejects.toThrow(/bad username or password/i);
    await ops.endAsync();
  });

  it('backs off a username after repeated failures, refusing even the right token until the wait is over', async () => {
    const { token } = await createDevice(db, { id: 'air-guessed', kind: 'air' });
    for (let i = 0; i < 3; i++) {
      await expect(connect(url, { username: 'air-guessed', password: `guess-${i}` })).rejects.toThrow(/bad username or password/i);
    }
    await expect(connect(url, { username: 'air-guessed', password: token })).rejects.toThrow(/not authori[sz]ed/i);
    expect(gateway.health()).toMatchObject({ security: { throttledLogins: 1 } });
    await vi.waitFor(async () =>
      expect((await listAuditEvents(db, { subject: 'air-guessed', action: 'mqtt.login_blocked' }))[0]).toMatchObject({
        detail: { scope: 'username', waitMs: 60_000 },
      }),
    );
    clock.advance(60_001);
    (await connect(url, { username: 'air-guessed', password: token })).end(true);
  });

  it('audits connects, disconnects and refused logins with who and from where', async () => {
    const { token } = await createDevice(db, { id: 'air-audited', kind: 'air' });
    const device = await connect(url, { clientId: 'air-audited', username: 'air-audited', password: token });
    await device.endAsync();
    await expect(connect(url, { clientId: 'air-audited-x', username: 'air-audited', password: 'wrong' })).rejects.toThrow();
    await vi.waitFor(async () => {
      const events = await listAuditEvents(db, { subject: 'air-audited' });
      expect(events.map((e) => e.action).sort()).toEqual(['mqtt.auth_failure', 'mqtt.connect', 'mqtt.disconnect']);
    });
    const [failure] = await listAuditEvents(db, { subject: 'air-audited', action: 'mqtt.auth_failure' });
    expect(failure).toMatchObject({ detail: { clientId: 'air-audited-x', reason: 'wrong token' } });
    expect(failure?.remoteAddress).toMatch(/127\.0\.0\.1:\d+$/);
  });

  it('moves last_seen with the device\'s messages, written in batches', async () => {
    const { token } = await createDevice(db, { id: 'air-seen', kind: 'air' });
    const device = await connect(url, { username: 'air-seen', password: token });
    await vi.waitFor(async () => expect((await getDevice(db, 'air-seen'))?.online).toBe(true));
    clock.advance(30_000);
    await device.publishAsync('ioc/v1/devices/air-seen/telemetry', '{"metrics":{"pm25":3}}', { qos: 1 });
    const published = clock.now();
    await vi.waitFor(async () => expect((await getDevice(db, 'air-seen'))?.lastSeen).toBe(published));
    await device.endAsync();
  });

  it('counts a keep-alive ping of an idle device as seen', async () => {
    const { token } = await createDevice(db, { id: 'air-idle', kind: 'air' });
    const device = await connect(url, { username: 'air-idle', password: token, keepalive: 1 });
    await vi.waitFor(async () => expect((await getDevice(db, 'air-idle'))?.online).toBe(true));
    clock.advance(45_000);
    const pinged = clock.now();
    await vi.waitFor(async () => expect((await getDevice(db, 'air-idle'))?.lastSeen).toBe(pinged), { timeout: 10_000, interval: 100 });
    await device.endAsync();
  });
});

describe('gateway security: backoff per IP, audit retention', () => {
  const dir = tempDir();
  const clock = manualClock();
  let db: Db;
  let gateway: GatewayService;

  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    await recordAuditEvents(db, [
      { ts: clock.now() - 25 * 3_600_000, actor: 'air-old', action: 'mqtt.connect' },
      { ts: clock.now() - 23 * 3_600_000, actor: 'air-recent', action: 'mqtt.connect' },
    ]);
    gateway = createGatewayService({
      config: loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_AUDIT_RETENTION: '24h' }),
      logger: createLogger({ level: 'silent' }),
      db,
      clock,
      security: {
        auditIntervalMs: 20,
        backoff: { username: { freeFailures: 100, baseMs: 1000, maxMs: 1000 }, ip: { freeFailures: 3, baseMs: 60_000, maxMs: 60_000 } },
      },
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway.stop();
    await db.close();
    dir.remove();
  });

  it('deletes audit events older than IOC_AUDIT_RETENTION when it starts', async () => {
    await vi.waitFor(async () => expect((await listAuditEvents(db, { action: 'mqtt.connect' })).map((e) => e.actor)).toEqual(['air-recent']));
  });

  it('slows an address that tries many usernames, even for a device whose token is right', async () => {
    const url = `mqtt://127.0.0.1:${gateway.port}`;
    const { token } = await createDevice(db, { id: 'air-behind-nat', kind: 'air' });
    for (const username of ['guess-a', 'guess-b', 'guess-c', 'guess-d']) {
      await expect(connect(url, { username, password: 'x' })).rejects.toThrow(/bad username or password/i);
    }
    await expect(connect(url, { username: 'air-behind-nat', password: token })).rejects.toThrow(/not authori[sz]ed/i);
    await vi.waitFor(async () =>
      expect(await listAuditEvents(db, { action: 'mqtt.login_blocked' })).toEqual([
        expect.objectContaining({ actor: 'guess-d', target: expect.stringMatching(/127\.0\.0\.1$/), detail: { scope: 'ip', waitMs: 60_000 } }),
      ]),
    );
  });
});

describe('gateway security: a revocation that overtakes a login being checked', () => {
  const dir = tempDir();
  let db: Db;
  let gateway: GatewayService;
  /** While set, a credentials read returns only once it resolves, with what the database said before. */
  let held: { reached: () => void; release: Promise<void> } | undefined;

  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    // The real database, with the gateway's credentials read held back on demand: the login is checked
    // against the token as it was, and the revocation is announced before the login completes.
    const gated: Db = {
      kind: db.kind,
      transaction: (fn) => db.transaction(fn),
      close: () => db.close(),
      async query(sql, params) {
        const result = await db.query(sql, params);
        const hold = held;
        if (hold && sql.startsWith('SELECT token_hash, enabled, kind')) {
          held = undefined;
          hold.reached();
          await hold.release;
        }
        return result as never;
      },
    };
    gateway = createGatewayService({
      config: loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path }),
      logger: createLogger({ level: 'silent' }),
      db: gated,
      security: { auditIntervalMs: 20 },
    });
    await gateway.start();
  });
  afterAll(async () => {
    await gateway.stop();
    await db.close();
    dir.remove();
  });

  it('closes the connection as soon as it is ready', async () => {
    const url = `mqtt://127.0.0.1:${gateway.port}`;
    const { token } = await createDevice(db, { id: 'air-racing', kind: 'air' });
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
      held = { reached: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    const closed = new Promise<void>((resolve) => {
      const device = mqtt.connect(url, { clientId: 'air-racing', username: 'air-racing', password: token, reconnectPeriod: 0 });
      device.once('close', () => resolve());
    });
    await reached; // the old token has been read and is about to be accepted
    await revokeDeviceToken(db, 'air-racing');
    await announceCredentialChange(createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN }), 'race-test', {
      username: 'air-racing',
      change: 'revoked',
      ts: Date.now(),
    });
    release();
    await closed;
    await vi.waitFor(() => expect(gateway.health()).toMatchObject({ clients: { devices: 0 } }));
    await vi.waitFor(async () =>
      expect((await listAuditEvents(db, { subject: 'air-racing', action: 'mqtt.kicked' }))[0]).toMatchObject({
        detail: { change: 'revoked during login' },
      }),
    );
  });
});
