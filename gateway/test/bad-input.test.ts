import { connect as tcpConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseServiceHealthTopic } from '@ioc/core/contracts';
import type { MqttClient } from 'mqtt';
import { collect, connect, serviceLogin, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

/** What `client` receives, but the gateway's own health, which it publishes under ioc/ too. */
function forwarded(client: MqttClient): () => ReturnType<typeof collect> {
  const received = collect(client);
  return () => received.filter((message) => parseServiceHealthTopic(message.topic) === undefined);
}

/**
 * Sends a first packet on a fresh connection and, once the gateway has answered it, the rest; resolves with the
 * bytes the gateway sent back before closing the connection.
 */
function exchange(port: number, first: Buffer, ...rest: Buffer[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (data) => {
      received.push(data);
      for (const chunk of rest.splice(0)) socket.write(chunk);
    });
    socket.on('error', () => {});
    socket.once('close', () => resolve(Buffer.concat(received)));
    socket.write(first);
  });
}

const login = mqttPacket.generate({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  clientId: 'svc:bad',
  keepalive: 60,
  username: 'svc:bad',
  password: Buffer.from(SERVICE_TOKEN),
});
const CONNACK_OK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/** A QoS 0 PUBLISH with arbitrary topic bytes (mqtt-packet would refuse to generate the bad ones). */
function publishWithTopic(topic: Buffer): Buffer {
  const payload = Buffer.from('x');
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe('gateway: bad input is refused and logged, never a crash', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture();
  });
  afterAll(() => f.close());

  it('closes a connection that publishes to a topic with wildcards, without forwarding it', async () => {
    const watcher = await serviceLogin(f.url, 'watch-wild');
    const received = forwarded(watcher);
    await watcher.subscribeAsync('ioc/#', { qos: 0 });
    expect(await exchange(f.gateway.port, login, publishWithTopic(Buffer.from('ioc/v1/+/x')))).toEqual(CONNACK_OK);
    expect(await exchange(f.gateway.port, login, publishWithTopic(Buffer.from('ioc/v1/#')))).toEqual(CONNACK_OK);
    await watcher.publishAsync('ioc/v1/sentinel', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(received().map((m) => m.text)).toEqual(['sentinel']));
    await watcher.endAsync();
  });

  it('closes a connection whose topic is not valid UTF-8', async () => {
    const reply = await exchange(f.gateway.port, login, publishWithTopic(Buffer.from([0x69, 0x6f, 0x63, 0x2f, 0xc3, 0x28])));
    expect(reply).toEqual(CONNACK_OK);
    expect(f.gateway.health()).toMatchObject({ dropped: { malformedPackets: 1 } });
    expect(f.logLines().map((line) => line.reason)).toContain('publish with a string that is not valid UTF-8');
  });

  it('delivers a topic that holds U+FFFD written as valid UTF-8', async () => {
    const watcher = await serviceLogin(f.url, 'watch-fffd');
    const received = forwarded(watcher);
    await watcher.subscribeAsync('ioc/#', { qos: 0 });
    const client = await serviceLogin(f.url, 'send-fffd');
    await client.publishAsync('ioc/v1/replacement-\uFFFD', 'kept', { qos: 1 });
    await vi.waitFor(() => expect(received()).toEqual([expect.objectContaining({ topic: 'ioc/v1/replacement-\uFFFD', text: 'kept' })]));
    expect(f.gateway.health()).toMatchObject({ dropped: { malformedPackets: 1 } });
    await Promise.all([client.endAsync(), watcher.endAsync()]);
  });

  it('answers MQTT 5 with CONNACK 1 (unacceptable protocol version) and closes on an unknown version', async () => {
    const mqtt5 = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'v5', keepalive: 60 });
    expect([...(await exchange(f.gateway.port, mqtt5))]).toEqual([0x20, 0x02, 0x00, 0x01]);
    const unknown = Buffer.from(login);
    unknown[8] = 9; // the protocol level follows the length-prefixed "MQTT"
    expect([...(await exchange(f.gateway.port, unknown))]).toEqual([]);
  });

  it('closes a connection that sends a PUBLISH before CONNECT', async () => {
    expect(await exchange(f.gateway.port, publishWithTopic(Buffer.from('ioc/v1/early')))).toEqual(Buffer.alloc(0));
  });

  it('is still serving after all of it', async () => {
    const client = await connect(f.url, { username: 'svc:after', password: SERVICE_TOKEN });
    await client.endAsync();
    expect(f.gateway.health()).toMatchObject({ status: 'ok' });
  });
});
