import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collect, connect, serviceLogin, startGatewayFixture, type GatewayFixture } from './fixture.ts';

describe('gateway delivery: QoS, retained messages, persistent sessions, takeover, live counters', () => {
  let f: GatewayFixture;
  let token: string;
  const cmd = 'ioc/v1/devices/spk-ses-1/cmd';
  beforeAll(async () => {
    f = await startGatewayFixture({ metricsIntervalMs: 100 });
    token = await f.addDevice('spk-ses-1', 'speaker');
  });
  afterAll(() => f.close());

  it('delivers at QoS 0, 1 and 2, each once, at the lower of the two QoS', async () => {
    const telemetry = 'ioc/v1/devices/spk-ses-1/telemetry';
    const watcher = await serviceLogin(f.url, 'qos-watch');
    const received: Array<{ text: string; qos: number }> = [];
    watcher.on('message', (_topic, payload, packet) => received.push({ text: payload.toString(), qos: packet.qos }));
    await watcher.subscribeAsync(telemetry, { qos: 2 });
    const device = await connect(f.url, { username: 'spk-ses-1', password: token });
    for (const qos of [0, 1, 2] as const) await device.publishAsync(telemetry, `q${qos}`, { qos });
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(received).toEqual([{ text: 'q0', qos: 0 }, { text: 'q1', qos: 1 }, { text: 'q2', qos: 2 }]);
    await Promise.all([device.endAsync(), watcher.endAsync()]);
  });

  it('keeps the last retained message per topic for later subscribers', async () => {
    const service = await serviceLogin(f.url, 'retainer');
    await service.publishAsync('ioc/v1/alerts/a-1', 'first', { qos: 1, retain: true });
    await service.publishAsync('ioc/v1/alerts/a-1', 'second', { qos: 1, retain: true });
    const late = await serviceLogin(f.url, 'late');
    const received = collect(late);
    await late.subscribeAsync('ioc/v1/alerts/+', { qos: 1 });
    await vi.waitFor(() => expect(received).toEqual([{ topic: 'ioc/v1/alerts/a-1', text: 'second', retain: true }]));
    await Promise.all([service.endAsync(), late.endAsync()]);
  });

  it('keeps QoS 1 commands for an offline device with a persistent session, except those expired', async () => {
    const options = { username: 'spk-ses-1', password: token, clientId: 'spk-ses-1', clean: false };
    const first = await connect(f.url, options);
    await first.subscribeAsync(cmd, { qos: 1 });
    await first.endAsync();

    const ioc = await serviceLogin(f.url, 'commander');
    const command = (id: string, expires?: number) => JSON.stringify({ id, type: 'volume', args: { level: 3 }, expires });
    await ioc.publishAsync(cmd, command('c1'), { qos: 1 });
    await ioc.publishAsync(cmd, command('c2', Date.now() - 1000), { qos: 1 });
    await ioc.publishAsync(cmd, command('c3', Date.now() + 3_600_000), { qos: 1 });
    await ioc.endAsync();

    // Listening before the CONNACK: the queued commands follow it at once.
    const back = mqtt.connect(f.url, { ...options, reconnectPeriod: 0 });
    const received = collect(back);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(received.map((m) => JSON.parse(m.text).id)).toEqual(['c1', 'c3']));
    expect(f.gateway.health()).toMatchObject({ dropped: { expiredCommands: 1 } });
    await back.endAsync();
    // A clean session forgets the subscription and the queue.
    const clean = await connect(f.url, { ...options, clean: true });
    await clean.endAsync();
  });

  it('closes the older connection when a client id is taken over [MQTT-3.1.4-2]', async () => {
    const options = { username: 'spk-ses-1', password: token, clientId: 'spk-ses-1' };
    const older = await connect(f.url, options);
    const olderClosed = new Promise<void>((resolve) => older.once('close', () => resolve()));
    const newer = await connect(f.url, options);
    await olderClosed;
    older.end(true);
    expect(newer.connected).toBe(true);
    await newer.endAsync();
  });

  it('publishes live counters on $SYS for services, and in health()', async () => {
    const service = await serviceLogin(f.url, 'sys-reader');
    const received = collect(service);
    await service.subscribeAsync('$SYS/ioc/gateway/#', { qos: 0 });
    const node = (await f.gateway.health()).node as string;
    await vi.waitFor(() => {
      const topics = new Set(received.map((m) => m.topic));
      for (const leaf of ['clients', 'messages/in/per_second', 'messages/out/per_second', 'health']) {
        expect(topics).toContain(`$SYS/ioc/gateway/${node}/${leaf}`);
      }
    });
    const clients = received.find((m) => m.topic.endsWith('/clients'));
    expect(Number(clients?.text)).toBeGreaterThanOrEqual(1);
    const health = JSON.parse(received.find((m) => m.topic.endsWith('/health'))?.text ?? '{}');
    expect(health).toMatchObject({ status: 'ok', node, messages: { inPerSecond: expect.any(Number), outPerSecond: expect.any(Number) } });
    await service.endAsync();
  });
});
