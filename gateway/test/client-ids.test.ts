import { execFile } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { announceCredentialChange, createMqttAccount, createMqttConnect, listAuditEvents } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { collect, connect, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const mosquittoSub = requireBinary('mosquitto-clients', 'mosquitto_sub');
const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }));
  });
}

/** An MQTT string: two bytes of length, then the bytes. */
const mqttString = (text: string) => {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/** The remaining-length field of a fixed header (7 bits per byte, low first). */
function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/**
 * Sends an MQTT 3.1.1 CONNECT written byte by byte (mqtt.js and mosquitto_sub will not send a zero-length client id
 * without a clean session) and resolves with the CONNACK's return code.
 */
function connackCode(port: number, login: { clientId: string; clean: boolean; username: string; password: string }): Promise<number> {
  const flags = 0x80 | 0x40 | (login.clean ? 0x02 : 0);
  const body = Buffer.concat([
    mqttString('MQTT'),
    Buffer.from([4, flags, 0, 30]),
    mqttString(login.clientId),
    mqttString(login.username),
    mqttString(login.password),
  ]);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body])));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      socket.destroy();
      if (received[0] !== 0x20) reject(new Error(`not a CONNACK: ${received.toString('hex')}`));
      else resolve(received[3] as number);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before CONNACK')));
  });
}

const INGEST = { clientId: 'svc:ingest/ioc-ingest', username: 'svc:ingest', password: SERVICE_TOKEN, clean: false };
const TELEMETRY = 'ioc/v1/devices/+/telemetry';

describe('client ids belong to logins: no login takes over another one\'s connection or session', () => {
  let f: GatewayFixture;
  let attacker: string;
  let victim: string;
  const port = () => String(f.gateway.port);
  const refusals = async () => listAuditEvents(f.db, { action: 'mqtt.client_id_refused' });
  beforeAll(async () => {
    f = await startGatewayFixture();
    attacker = await f.addDevice('air-cid-attacker');
    victim = await f.addDevice('air-cid-victim');
  });
  afterAll(() => f.close());

  it.skipIf(!mosquittoSub)('refuses a device logging in with ingest\'s client id (mosquitto_sub -c and clean), ingest stays connected', async () => {
    const ingest = await connect(f.url, INGEST);
    await ingest.subscribeAsync(TELEMETRY, { qos: 1 });
    let ingestClosed = false;
    ingest.on('close', () => (ingestClosed = true));
    for (const clientId of [INGEST.clientId, 'ioc-ingest']) {
      for (const persistent of [['-c'], []]) {
        const sub = await run(mosquittoSub as string, ['-h', '127.0.0.1', '-p', port(), '-V', 'mqttv311', '-i', clientId, ...persistent,
          '-u', 'air-cid-attacker', '-P', attacker, '-t', TELEMETRY, '-q', '1', '-C', '1', '-W', '3']);
        expect(sub.code).not.toBe(0);
        expect(sub.output).toMatch(/identifier rejected/i);
      }
    }
    // Ingest kept its connection and its subscription: a device's message reaches it.
    const received = collect(ingest);
    const device = await connect(f.url, { username: 'air-cid-victim', password: victim });
    await device.publishAsync('ioc/v1/devices/air-cid-victim/telemetry', 'live', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(['live']));
    expect(ingestClosed).toBe(false);
    expect(ingest.connected).toBe(true);
    await Promise.all([device.endAsync(), ingest.endAsync()]);
    await vi.waitFor(async () => expect(await refusals()).toHaveLength(4), { timeout: 5000 });
    expect((await refusals()).map((e) => [e.actor, e.detail.clientId])).toEqual(
      expect.arrayContaining([['air-cid-attacker', 'svc:ingest/ioc-ingest'], ['air-cid-attacker', 'ioc-ingest']]),
    );
    expect(f.gateway.health()).toMatchObject({ refused: { clientIds: 4 } });
  });

  it('keeps ingest\'s queued messages for ingest while a device tries its client id with mqtt.js (persistent and clean)', async () => {
    const first = await connect(f.url, INGEST);
    await first.subscribeAsync(TELEMETRY, { qos: 1 });
    await first.endAsync();
    const device = await connect(f.url, { username: 'air-cid-victim', password: victim });
    for (const text of ['q1', 'q2', 'q3']) await device.publishAsync('ioc/v1/devices/air-cid-victim/telemetry', text, { qos: 1 });
    await device.endAsync();

    for (const clean of [false, true]) {
      const attempt = connect(f.url, { clientId: INGEST.clientId, clean, username: 'air-cid-attacker', password: attacker });
      await expect(attempt).rejects.toThrow(/identifier rejected/i);
    }
    // Listening before the CONNACK: the queued messages follow it at once.
    const back = mqtt.connect(f.url, { ...INGEST, reconnectPeriod: 0 });
    const received = collect(back);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(['q1', 'q2', 'q3']));
    await back.endAsync();
  });

  it.skipIf(!mosquittoPub)('refuses a device using another device\'s id (mosquitto_pub and mqtt.js); that device stays connected', async () => {
    const target = await connect(f.url, { clientId: 'air-cid-victim', username: 'air-cid-victim', password: victim });
    const commands = collect(target);
    await target.subscribeAsync('ioc/v1/devices/air-cid-victim/cmd', { qos: 1 });
    const pub = await run(mosquittoPub as string, ['-h', '127.0.0.1', '-p', port(), '-V', 'mqttv311', '-i', 'air-cid-victim',
      '-u', 'air-cid-attacker', '-P', attacker, '-t', 'ioc/v1/devices/air-cid-attacker/telemetry', '-m', '{}']);
    expect(pub.code).not.toBe(0);
    expect(pub.output).toMatch(/identifier rejected/i);
    await expect(connect(f.url, { clientId: 'air-cid-victim', username: 'air-cid-attacker', password: attacker })).rejects.toThrow(/identifier rejected/i);
    // A device's id is its client id: not even a suffix of its own.
    await expect(connect(f.url, { clientId: 'air-cid-attacker-2', username: 'air-cid-attacker', password: attacker })).rejects.toThrow(/identifier rejected/i);

    const ioc = await connect(f.url, { username: 'svc:cid-commander', password: SERVICE_TOKEN });
    await ioc.publishAsync('ioc/v1/devices/air-cid-victim/cmd', '{"id":"c1","type":"ping"}', { qos: 1 });
    await vi.waitFor(() => expect(commands.map((m) => m.text)).toEqual(['{"id":"c1","type":"ping"}']));
    expect(target.connected).toBe(true);
    await Promise.all([ioc.endAsync(), target.endAsync()]);
  });

  it('takes an account\'s username, alone or followed by "/", as its client id, and nothing else', async () => {
    const { token } = await createMqttAccount(f.db, { name: 'cid', role: 'integration', topicRoot: 'cid' });
    await createMqttAccount(f.db, { name: 'cid-2', role: 'integration', topicRoot: 'cid2' });
    for (const clientId of ['int:cid', 'int:cid/a', 'int:cid/a/b-p1of2']) {
      (await connect(f.url, { clientId, username: 'int:cid', password: token })).end(true);
    }
    // 'int:cid-2' belongs to the account cid-2: the separator '/' appears in no username.
    for (const clientId of ['int:cid-2', 'int:cid-2/x', 'int:cidx', 'cid', 'svc:ingest/ioc-ingest', 'air-cid-victim', 'mqttjs_0123abcd']) {
      await expect(connect(f.url, { clientId, username: 'int:cid', password: token })).rejects.toThrow(/identifier rejected/i);
    }
    await expect(connect(f.url, { clientId: 'svc:ingestion/x', username: 'svc:ingest', password: SERVICE_TOKEN })).rejects.toThrow(/identifier rejected/i);
  });

  it('answers a zero-length client id without a clean session with CONNACK 2 [MQTT-3.1.3-8], before the login', async () => {
    const gatewayPort = f.gateway.port;
    const service = { username: 'svc:cid-empty', password: SERVICE_TOKEN };
    const device = { username: 'air-cid-victim', password: victim };
    expect(await connackCode(gatewayPort, { clientId: '', clean: false, ...service })).toBe(2);
    expect(await connackCode(gatewayPort, { clientId: '', clean: false, ...device })).toBe(2);
    expect(await connackCode(gatewayPort, { clientId: '', clean: false, username: 'air-cid-victim', password: 'wrong' })).toBe(2);
    // With a clean session an account gets the unique id aedes assigns; a device must send its id.
    expect(await connackCode(gatewayPort, { clientId: '', clean: true, ...service })).toBe(0);
    expect(await connackCode(gatewayPort, { clientId: '', clean: true, ...device })).toBe(2);
    expect(await connackCode(gatewayPort, { clientId: 'air-cid-victim', clean: false, ...device })).toBe(0);
  });

  it('refuses client ids over 256 bytes before the login, and logs and audits only their start', async () => {
    const login = { username: 'svc:cid-long', password: SERVICE_TOKEN };
    const longest = `svc:cid-long/${'x'.repeat(256 - 'svc:cid-long/'.length)}`;
    (await connect(f.url, { ...login, clientId: longest })).end(true);
    const tooLong = [
      `svc:cid-long/${'y'.repeat(20_000)}`,
      `${longest}y`,
      `svc:cid-long/${'é'.repeat(122)}`, // 135 characters, 257 bytes
    ];
    for (const clientId of tooLong) await expect(connect(f.url, { ...login, clientId })).rejects.toThrow(/identifier rejected/i);
    await expect(connect(f.url, { username: 'svc:cid-long', password: 'wrong', clientId: tooLong[0] })).rejects.toThrow(/identifier rejected/i);
    await expect(connect(f.url, { username: 'air-cid-attacker', password: attacker, clientId: tooLong[0] })).rejects.toThrow(/identifier rejected/i);

    await vi.waitFor(async () => expect((await refusals()).filter((e) => /bytes/.test(String(e.detail.reason)))).toHaveLength(5), { timeout: 5000 });
    const events = (await refusals()).filter((e) => /bytes/.test(String(e.detail.reason)));
    expect(events.map((e) => e.detail.reason)).toEqual(expect.arrayContaining(['client id of 20013 bytes, more than 256', 'client id of 257 bytes, more than 256']));
    for (const event of events) expect(String(event.detail.clientId).length).toBeLessThanOrEqual(256);
    const written = JSON.stringify([f.logLines(), await listAuditEvents(f.db, {})]);
    expect(written).not.toContain('y'.repeat(65));
    expect(written).not.toContain('é'.repeat(65));
  });

  it('drops from a resumed session what its owner may no longer read (an integration whose topic root moved)', async () => {
    const { token } = await createMqttAccount(f.db, { name: 'cid-nvr', role: 'integration', topicRoot: 'nvr' });
    const session = { clientId: 'int:cid-nvr/events', username: 'int:cid-nvr', password: token, clean: false };
    const first = await connect(f.url, session);
    await first.subscribeAsync('nvr/#', { qos: 1 });
    await first.endAsync();
    const publisher = await connect(f.url, { clientId: 'int:cid-nvr/publisher', username: 'int:cid-nvr', password: token });
    await publisher.publishAsync('nvr/events', 'queued under the old root', { qos: 1 });
    await publisher.endAsync();

    await f.db.query("UPDATE mqtt_accounts SET topic_root = 'nvr2' WHERE name = 'cid-nvr'");
    await announceCredentialChange(createMqttConnect({ mqttUrl: f.url, serviceToken: SERVICE_TOKEN }), 'cid-test', {
      username: 'int:cid-nvr',
      change: 'updated',
      ts: Date.now(),
    });
    const back: MqttClient = mqtt.connect(f.url, { ...session, reconnectPeriod: 0 });
    const received = collect(back);
    await new Promise((resolve) => back.once('connect', resolve));
    await vi.waitFor(() => expect(f.gateway.health()).toMatchObject({ refused: { queuedMessages: 1 } }));
    expect(received).toEqual([]);
    expect(f.logLines().some((line) => line.clientId === 'int:cid-nvr/events' && /queued messages dropped/.test(String(line.msg)))).toBe(true);
    await back.endAsync();
    // Dropped from the session, not kept for later.
    const again = mqtt.connect(f.url, { ...session, reconnectPeriod: 0 });
    const later = collect(again);
    await new Promise((resolve) => again.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(later).toEqual([]);
    expect(f.gateway.health()).toMatchObject({ refused: { queuedMessages: 1 } });
    await again.endAsync();
  });
});
