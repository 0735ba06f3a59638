import { connect as tcpConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { summarize } from '../e2e/stats.ts';

/** How many messages may be published and not yet received: keeps both brokers' queues small and equal. */
const WINDOW = 2000;
const STALL_MS = 10_000;

export interface Login {
  username?: string;
  password?: string;
}

export function client(url: string, login: Login, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...login, ...options });
}

/**
 * One publisher to one subscriber on `topic`: `count` messages of `payloadBytes` at `qos`, at most WINDOW in
 * flight. Returns messages per second from the first publish to the last delivery, and how many never came.
 */
export async function throughput(
  url: string,
  publisherLogin: Login,
  subscriberLogin: Login,
  topic: string,
  qos: 0 | 1,
  count: number,
  payloadBytes: number,
): Promise<{ msgs_per_s: number; lost: number }> {
  const subscriber = await client(url, subscriberLogin);
  await subscriber.subscribeAsync(topic, { qos });
  const publisher = await client(url, publisherLogin);
  const payload = Buffer.alloc(payloadBytes, 0x61);
  let received = 0;
  let wake: (() => void) | undefined;
  subscriber.on('message', () => {
    received++;
    if (wake && (received === count || received % 100 === 0)) wake();
  });
  const progress = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STALL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const start = performance.now();
  let sent = 0;
  let stalled = false;
  while (received < count && !stalled) {
    while (sent < count && sent - received < WINDOW) {
      publisher.publish(topic, payload, { qos });
      sent++;
    }
    const before = received;
    await progress();
    stalled = received === before;
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  return { msgs_per_s: Math.round(received / seconds), lost: count - received };
}

/** QoS 0 latency at a steady `rate` (messages per second) for `seconds`, publisher and subscriber in this process. */
export async function latency(url: string, publisherLogin: Login, subscriberLogin: Login, topic: string, rate: number, seconds: number, payloadBytes: number) {
  const subscriber = await client(url, subscriberLogin);
  await subscriber.subscribeAsync(topic, { qos: 0 });
  const publisher = await client(url, publisherLogin);
  const latencies: number[] = [];
  subscriber.on('message', (_topic, payload: Buffer) => latencies.push(performance.now() - payload.readDoubleLE(0)));
  const perTick = Math.max(1, Math.round(rate / 100));
  const ticks = seconds * 100;
  for (let tick = 0; tick < ticks; tick++) {
    for (let i = 0; i < perTick; i++) {
      const payload = Buffer.alloc(payloadBytes, 0x61);
      payload.writeDoubleLE(performance.now(), 0);
      publisher.publish(topic, payload, { qos: 0 });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
  return summarize(latencies);
}

/** Opens one raw MQTT connection and resolves with whether the CONNACK accepted it (the socket stays open). */
function rawConnect(port: number, clientId: string, login: Login): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const parser = mqttPacket.parser();
    parser.on('packet', (packet) => resolve(packet.cmd === 'connack' && packet.returnCode === 0 ? socket : undefined));
    socket.on('data', (data) => parser.parse(data));
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId,
        keepalive: 0,
        username: login.username,
        password: login.password === undefined ? undefined : Buffer.from(login.password),
      }),
    );
  });
}

/** Opens authenticated connections, `concurrency` at a time; resolves with the open sockets. */
export async function connectMany(port: number, logins: Array<Login & { clientId: string }>, concurrency = 200): Promise<Socket[]> {
  const open: Socket[] = [];
  for (let i = 0; i < logins.length; i += concurrency) {
    const batch = await Promise.all(logins.slice(i, i + concurrency).map((login) => rawConnect(port, login.clientId, login)));
    for (const socket of batch) if (socket) open.push(socket);
  }
  return open;
}
