import { connect as tcpConnect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collect, connect, serviceLogin, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

/** A clock that stands still, so token buckets never refill during a test (no timing involved). */
const frozen = { now: () => 1_800_000_000_000 };

/** Resolves when the server closes the socket; `data` says whether it sent anything first. */
function rawSocket(port: number): { socket: Socket; closed: Promise<{ data: boolean }> } {
  const socket = tcpConnect(port, '127.0.0.1');
  let data = false;
  socket.on('data', () => (data = true));
  socket.on('error', () => {});
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve({ data }))) };
}

describe('gateway limits', () => {
  let f: GatewayFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('closes connections beyond IOC_MQTT_MAX_CONNECTIONS at once, and accepts again when one leaves', async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_MAX_CONNECTIONS: '2' } });
    const first = await serviceLogin(f.url, 'one');
    const second = await serviceLogin(f.url, 'two');
    const third = rawSocket(f.gateway.port);
    expect(await third.closed).toEqual({ data: false });
    expect(f.gateway.health()).toMatchObject({ connections: 2, dropped: { refusedConnections: 1 } });
    expect(f.logLines().some((line) => String(line.reason).includes('IOC_MQTT_MAX_CONNECTIONS is 2'))).toBe(true);
    await first.endAsync();
    await vi.waitFor(() => expect(f?.gateway.health()).toMatchObject({ connections: 1 }));
    const again = await serviceLogin(f.url, 'three');
    await Promise.all([again.endAsync(), second.endAsync()]);
  });

  it('closes new connections from an address over IOC_MQTT_CONNECT_RATE', async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_CONNECT_RATE: '3' }, clock: frozen });
    const clients = [await serviceLogin(f.url, 'a'), await serviceLogin(f.url, 'b'), await serviceLogin(f.url, 'c')];
    expect(await rawSocket(f.gateway.port).closed).toEqual({ data: false });
    expect(f.gateway.health()).toMatchObject({ dropped: { refusedConnections: 1 } });
    await Promise.all(clients.map((client) => client.endAsync()));
  });

  it('closes a connection that sends a packet over IOC_MQTT_MAX_PACKET_BYTES, and only that one', async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_MAX_PACKET_BYTES: '1024' } });
    const token = await f.addDevice('air-big-1');
    const topic = 'ioc/v1/devices/air-big-1/telemetry';
    const watcher = await serviceLogin(f.url, 'watch');
    const received = collect(watcher);
    await watcher.subscribeAsync(topic, { qos: 1 });
    const device = await connect(f.url, { username: 'air-big-1', password: token });
    await device.publishAsync(topic, 'x'.repeat(500), { qos: 1 });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(topic, 'y'.repeat(2000), { qos: 1 });
    await closed;
    device.end(true);
    await watcher.publishAsync(topic, 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(received.map((m) => m.text)).toContain('sentinel'));
    expect(received.map((m) => m.text.length)).toEqual([500, 8]);
    expect(f.gateway.health()).toMatchObject({ dropped: { oversizedPackets: 1 } });
    expect(f.logLines().map((line) => line.reason)).toContainEqual(expect.stringMatching(/^publish of \d+ bytes is over IOC_MQTT_MAX_PACKET_BYTES \(1024\)$/));
    await watcher.endAsync();
  });

  it('slows a publisher down to IOC_MQTT_PUBLISH_RATE without losing or reordering its messages', async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_PUBLISH_RATE: '5' }, clock: frozen });
    const watcher = await serviceLogin(f.url, 'watch');
    const received = collect(watcher);
    await watcher.subscribeAsync('ioc/v1/rate', { qos: 1 });
    const publisher = await serviceLogin(f.url, 'fast');
    const sent = Array.from({ length: 9 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((text) => publisher.publishAsync('ioc/v1/rate', text, { qos: 0 })));
    await vi.waitFor(() => expect(received.map((m) => m.text)).toEqual(sent), { timeout: 15_000 });
    expect(f.gateway.health()).toMatchObject({ throttledPublishes: 4 });
    await Promise.all([publisher.endAsync(), watcher.endAsync()]);
  });

  it('disconnects a stuck subscriber past IOC_MQTT_MAX_QUEUE_BYTES while the others keep receiving', async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_MAX_QUEUE_BYTES: '65536', IOC_MQTT_PUBLISH_RATE: '0' } });
    const topic = 'ioc/v1/flood';
    // A subscriber that logs in, subscribes, then never reads again.
    const stuck = rawSocket(f.gateway.port);
    stuck.socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'svc:stuck', keepalive: 60, username: 'svc:stuck', password: Buffer.from(SERVICE_TOKEN) }));
    stuck.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }));
    // CONNACK (4 bytes) and SUBACK (5 bytes): then it stops reading.
    let acknowledged = 0;
    stuck.socket.on('data', (chunk: Buffer) => (acknowledged += chunk.length));
    await vi.waitFor(() => expect(acknowledged).toBe(9));
    stuck.socket.pause();

    const healthy = await serviceLogin(f.url, 'healthy');
    let count = 0;
    healthy.on('message', () => count++);
    await healthy.subscribeAsync(topic, { qos: 0 });
    const publisher = await serviceLogin(f.url, 'publisher');
    const payload = Buffer.alloc(16 * 1024, 1);
    const total = 1500; // 24 MB: more than the kernel buffers of the stuck socket hold
    for (let i = 0; i < total; i++) await publisher.publishAsync(topic, payload, { qos: 1 });
    await vi.waitFor(() => expect(count).toBe(total), { timeout: 30_000 });
    expect(f.gateway.health()).toMatchObject({ dropped: { slowConsumers: 1 } });
    stuck.socket.resume(); // it reads what the kernel still held, then sees the connection closed
    await stuck.closed;
    await Promise.all([healthy.endAsync(), publisher.endAsync()]);
  });
});
