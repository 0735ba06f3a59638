import { execFile } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMqttAccount, DEAD_LETTER_TEXT_LIMIT, listDeadLetters } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { MAX_RETAINED_PER_INTEGRATION } from '../src/retain-policy.ts';
import { collect, connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const mosquittoPub = requireBinary('mosquitto-clients', 'mosquitto_pub');

/** Logs in over a raw socket, sends `packets` after the CONNACK, and resolves once the gateway has answered a PINGREQ or closed. */
function rawSession(port: number, login: { clientId: string; username: string; password: string }, packets: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () =>
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, ...login, password: Buffer.from(login.password) })),
    );
    let connacked = false;
    socket.on('data', (chunk) => {
      if (!connacked && chunk[0] === 0x20) {
        connacked = true;
        socket.write(Buffer.concat([...packets, mqttPacket.generate({ cmd: 'pingreq' })]));
      } else if (chunk.includes(0xd0)) {
        socket.destroy();
        resolve();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

describe('gateway: nothing an attacker sends grows without bound (attack)', () => {
  let f: GatewayFixture;
  let deviceToken: string;
  let integrationToken: string;
  let adminToken: string;

  beforeAll(async () => {
    // No rates: the floods below open hundreds of connections and publish a thousand messages at once.
    f = await startGatewayFixture({ env: { IOC_MQTT_PUBLISH_RATE: '0', IOC_MQTT_CONNECT_RATE: '0' } });
    deviceToken = await f.addDevice('air-growth-1');
    integrationToken = (await createMqttAccount(f.db, { name: 'nvr', role: 'integration', topicRoot: 'nvr' })).token;
    adminToken = (await createMqttAccount(f.db, { name: 'ops', role: 'admin' })).token;
  });
  afterAll(() => f.close());

  it.skipIf(!mosquittoPub)('delivers a device\'s retained telemetry without retaining it, so a resubscribe does not ingest it again', async () => {
    await new Promise<void>((resolve) =>
      execFile(
        mosquittoPub as string,
        ['-h', '127.0.0.1', '-p', String(f.gateway.port), '-V', 'mqttv311', '-q', '1', '-r', '-i', 'air-growth-1', '-u', 'air-growth-1', '-P', deviceToken,
          '-t', 'ioc/v1/devices/air-growth-1/telemetry', '-m', '{"metrics":{"pm25":7}}'],
        { timeout: 10_000 },
        () => resolve(),
      ),
    );
    const ingest = await serviceLogin(f.url, 'ingest');
    const received = collect(ingest);
    await ingest.subscribeAsync('ioc/v1/devices/+/telemetry', { qos: 1 });
    await ingest.publishAsync('ioc/v1/devices/air-growth-1/telemetry', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(['sentinel']));
    expect(f.gateway.health()).toMatchObject({ dropped: { unretained: 1 } });
    await ingest.endAsync();
  });

  it(`retains at most ${MAX_RETAINED_PER_INTEGRATION} topics of an integration, and delivers the rest unretained`, async () => {
    const nvr = await connect(f.url, { username: 'int:nvr', password: integrationToken });
    for (let i = 0; i <= MAX_RETAINED_PER_INTEGRATION + 10; i++) nvr.publish(`nvr/cam/${i}`, 'x', { qos: 0, retain: true });
    await nvr.publishAsync('nvr/done', 'x', { qos: 1 });
    const late = await serviceLogin(f.url, 'late-reader');
    const received = collect(late);
    await late.subscribeAsync('nvr/#', { qos: 0 });
    await vi.waitFor(() => expect(received.filter((m) => m.retain)).toHaveLength(MAX_RETAINED_PER_INTEGRATION));
    // An empty payload clears one, which makes room for another.
    await nvr.publishAsync('nvr/cam/0', '', { qos: 1, retain: true });
    await nvr.publishAsync('nvr/cam/extra', 'x', { qos: 1, retain: true });
    const again = await serviceLogin(f.url, 'late-reader-2');
    const second = collect(again);
    await again.subscribeAsync('nvr/cam/extra', { qos: 0 });
    await vi.waitFor(() => expect(second.map((m) => m.text)).toEqual(['x']));
    await Promise.all([nvr.endAsync(), late.endAsync(), again.endAsync()]);
  });

  it('keeps no session queue for client ids that send PUBACKs and PUBCOMPs for nothing', async () => {
    for (let i = 0; i < 200; i++) {
      await rawSession(f.gateway.port, { clientId: `admin:ops/flood-${i}`, username: 'admin:ops', password: adminToken }, [
        mqttPacket.generate({ cmd: 'puback', messageId: 1 + i }),
        mqttPacket.generate({ cmd: 'pubcomp', messageId: 2 + i }),
      ]);
    }
    expect(f.gateway.health()).toMatchObject({ backlog: { sessionQueues: 0 } });
  });

  it('cuts the topic and reason of a refused publish\'s dead letter', async () => {
    const device = await connect(f.url, { clientId: 'air-growth-1', username: 'air-growth-1', password: deviceToken });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(`ioc/v1/devices/other/${'x'.repeat(60_000)}`, 'payload', { qos: 0 });
    await closed;
    device.end(true);
    await vi.waitFor(async () => {
      const [letter] = await listDeadLetters(f.db, { deviceId: 'air-growth-1' });
      expect([letter?.topic.length, letter?.reason.length]).toEqual([DEAD_LETTER_TEXT_LIMIT, DEAD_LETTER_TEXT_LIMIT]);
    });
  });
});
