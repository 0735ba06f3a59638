import type { Socket } from 'node:net';
import { clientIdOf } from '@ioc/core';
import { summarize } from '../e2e/stats.ts';
import { publishPackets, rawClient } from './raw.ts';

/** How many messages may be published and not yet received: keeps both brokers' queues small and equal. */
const WINDOW = 2000;
const BATCH = 500;
const STALL_MS = 10_000;

export interface Login {
  username?: string;
  password?: string;
}

/** `login`'s client id named `name` (our gateway ties client ids to logins, core's client-id.ts); an anonymous peer's is `name`. */
const clientIdFor = (login: Login, name: string) => (login.username ? clientIdOf(login.username, name) : name);

export interface Route {
  port: number;
  publisher: Login;
  subscriber: Login;
  topic: string;
}

/**
 * One publisher to one subscriber: `count` messages of `payloadBytes` at `qos`, written in batches with at most
 * WINDOW in flight. Returns messages per second from the first publish to the last delivery, how many came and how
 * many never came.
 */
export async function throughput(route: Route, qos: 0 | 1, count: number, payloadBytes: number): Promise<{ msgs_per_s: number; received: number; lost: number }> {
  const subscriber = await rawClient(route.port, clientIdFor(route.subscriber, `bench-sub-${qos}`), route.subscriber);
  await subscriber.subscribe(route.topic, qos);
  const publisher = await rawClient(route.port, clientIdFor(route.publisher, `bench-pub-${qos}`), route.publisher);
  const payload = Buffer.alloc(payloadBytes, 0x61);
  const batch = qos === 0 ? publishPackets(route.topic, 0, BATCH, 0, () => payload) : undefined;
  let received = 0;
  let wake: (() => void) | undefined;
  subscriber.onPublish = () => {
    received++;
    if (received % BATCH === 0 || received === count) wake?.();
  };
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
      const n = Math.min(BATCH, count - sent);
      publisher.send(batch && n === BATCH ? batch : publishPackets(route.topic, qos, n, sent, () => payload));
      sent += n;
    }
    const before = received;
    await progress();
    stalled = received === before;
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([publisher.close(), subscriber.close()]);
  return { msgs_per_s: Math.round(received / seconds), received, lost: count - received };
}

/** QoS 0 latency at a steady `rate` (messages per second) for `seconds`; the payload carries its send time. */
export async function latency(route: Route, rate: number, seconds: number, payloadBytes: number) {
  const subscriber = await rawClient(route.port, clientIdFor(route.subscriber, 'bench-lat-sub'), route.subscriber);
  await subscriber.subscribe(route.topic, 0);
  const publisher = await rawClient(route.port, clientIdFor(route.publisher, 'bench-lat-pub'), route.publisher);
  const latencies: number[] = [];
  subscriber.onPublish = (_qos, payload) => latencies.push(performance.now() - payload.readDoubleLE(0));
  const perTick = Math.max(1, Math.round(rate / 100));
  for (let tick = 0; tick < seconds * 100; tick++) {
    publisher.send(
      publishPackets(route.topic, 0, perTick, 0, () => {
        const payload = Buffer.alloc(payloadBytes, 0x61);
        payload.writeDoubleLE(performance.now(), 0);
        return payload;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await Promise.all([publisher.close(), subscriber.close()]);
  return summarize(latencies);
}

/** Opens authenticated connections, `concurrency` at a time; resolves with the open sockets. */
export async function connectMany(port: number, logins: Array<Login & { clientId: string }>, concurrency = 200): Promise<Socket[]> {
  const open: Socket[] = [];
  for (let i = 0; i < logins.length; i += concurrency) {
    const batch = await Promise.all(
      logins.slice(i, i + concurrency).map((login) => rawClient(port, login.clientId, login).then((client) => client.socket, () => undefined)),
    );
    for (const socket of batch) if (socket) open.push(socket);
  }
  return open;
}
