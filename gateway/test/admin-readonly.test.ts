import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CREDENTIALS_TOPIC, createMqttAccount, listDeadLetters } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { collect, connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

function publish(port: number, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    execFile(mosquittoPub as string, ['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-q', '1', ...args], { timeout: 10_000 }, () => resolve());
  });
}

describe.skipIf(!mosquittoPub)('gateway: admin accounts read only; credential changes only from services (attack)', () => {
  let f: GatewayFixture;
  let adminToken: string;

  beforeAll(async () => {
    f = await startGatewayFixture();
    await f.addDevice('spk-admin-1', 'speaker');
    adminToken = (await createMqttAccount(f.db, { name: 'rogue', role: 'admin' })).token;
  });
  afterAll(() => f.close());

  it('cannot kick ingest through the control topic, forge telemetry or leave a retained command', async () => {
    const ingest = await serviceLogin(f.url, 'ingest');
    const seen = collect(ingest);
    await ingest.subscribeAsync(['ioc/v1/devices/+/telemetry', 'ioc/v1/devices/+/cmd'], { qos: 1 });
    const login = ['-I', 'admin:rogue/', '-u', 'admin:rogue', '-P', adminToken];
    await publish(f.gateway.port, [...login, '-t', CREDENTIALS_TOPIC, '-m', JSON.stringify({ username: 'svc:ingest', change: 'revoked', ts: Date.now() })]);
    await publish(f.gateway.port, [...login, '-t', 'ioc/v1/devices/spk-admin-1/telemetry', '-m', '{"metrics":{"volume":100}}']);
    await publish(f.gateway.port, [...login, '-r', '-t', 'ioc/v1/devices/spk-admin-1/cmd', '-m', '{"id":"x","type":"play","args":{"url":"http://evil"},"expires":9e15}']);
    // Each refused publish is a dead letter; nothing reached ingest, which is still connected.
    await vi.waitFor(async () => expect((await listDeadLetters(f.db, { reason: 'admin "rogue" may not publish' })).length).toBe(3));
    expect(ingest.connected).toBe(true);
    expect(seen).toEqual([]);
    // A device subscribing later finds no retained command.
    const late = await serviceLogin(f.url, 'late');
    const retained = collect(late);
    await late.subscribeAsync('ioc/v1/devices/spk-admin-1/cmd', { qos: 1 });
    await late.publishAsync('ioc/v1/devices/spk-admin-1/cmd', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(retained.map((m) => m.text)).toEqual(['sentinel']));
    // The admin still reads.
    const admin = await connect(f.url, { username: 'admin:rogue', password: adminToken });
    await admin.subscribeAsync('ioc/#', { qos: 1 });
    expect(admin.connected).toBe(true);
    await Promise.all([ingest.endAsync(), late.endAsync(), admin.endAsync()]);
  });
});
