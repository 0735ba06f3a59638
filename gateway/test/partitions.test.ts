import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ownsDevice } from '@ioc/core';
import { collect, connect, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const DEVICES = Array.from({ length: 12 }, (_, i) => `air-part-${i}`);
const TELEMETRY = 'ioc/v1/devices/+/telemetry';
const deviceOf = (topic: string) => topic.split('/')[3] as string;

describe('gateway: workers that split the devices (client id …-p<i>of<n>)', () => {
  let f: GatewayFixture;
  let tokens: Map<string, string>;
  const worker = (index: number) => {
    const clientId = `svc:ingest/ioc-ingest-p${index}of2`;
    return mqtt.connect(f.url, { clientId, clean: false, username: 'svc:ingest', password: SERVICE_TOKEN, reconnectPeriod: 0 });
  };
  const publishAll = async (round: string) => {
    for (const id of DEVICES) {
      const device = await connect(f.url, { username: id, password: tokens.get(id) as string });
      await device.publishAsync(`ioc/v1/devices/${id}/telemetry`, round, { qos: 1 });
      await device.endAsync();
    }
  };
  const owned = (index: number) => DEVICES.filter((id) => ownsDevice({ index, count: 2 }, id)).sort();

  beforeAll(async () => {
    f = await startGatewayFixture();
    tokens = new Map();
    for (const id of DEVICES) tokens.set(id, await f.addDevice(id));
    // The split is only worth testing if both workers own some of these devices.
    expect(owned(1).length).toBeGreaterThan(0);
    expect(owned(2).length).toBeGreaterThan(0);
  });
  afterAll(() => f.close());

  it('forwards each device message to the one worker owning the device, and everything to other clients', async () => {
    const workers = [worker(1), worker(2)];
    const received = workers.map(collect);
    await Promise.all(workers.map((w) => w.subscribeAsync(TELEMETRY, { qos: 1 })));
    const watcher = await connect(f.url, { username: 'svc:watch', password: SERVICE_TOKEN });
    const all = collect(watcher);
    await watcher.subscribeAsync(TELEMETRY, { qos: 1 });

    await publishAll('live');
    await vi.waitFor(() => expect(all).toHaveLength(DEVICES.length));
    await vi.waitFor(() => expect(received[0]!.length + received[1]!.length).toBe(DEVICES.length));
    expect(received[0]!.map((m) => deviceOf(m.topic)).sort()).toEqual(owned(1));
    expect(received[1]!.map((m) => deviceOf(m.topic)).sort()).toEqual(owned(2));
    await Promise.all([...workers, watcher].map((client) => client.endAsync()));
  });

  it('queues for an absent worker only its own devices, and holds nothing back for the others', async () => {
    // Both sessions exist from the test before; worker 2 is away while the devices publish.
    const first = worker(1);
    const live = collect(first);
    await new Promise((resolve) => first.once('connect', resolve));
    await publishAll('while-away');
    await vi.waitFor(() => expect(live.filter((m) => m.text === 'while-away').map((m) => deviceOf(m.topic)).sort()).toEqual(owned(1)));

    const back = worker(2);
    const queued = collect(back);
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => back.once('connect', resolve));
    expect(connack.sessionPresent).toBe(true);
    await vi.waitFor(() => expect(queued.map((m) => deviceOf(m.topic)).sort()).toEqual(owned(2)));
    expect(queued.every((m) => m.text === 'while-away')).toBe(true);
    // Nothing of the other worker's devices waits in either session.
    await vi.waitFor(() => expect(f.gateway.health()).toMatchObject({ backlog: { messages: 0 } }));
    await Promise.all([first.endAsync(), back.endAsync()]);
  });

  it('does not split commands: a partitioned service still gets every device command it subscribes to', async () => {
    const w = worker(1);
    const received = collect(w);
    await w.subscribeAsync('ioc/v1/devices/+/cmd', { qos: 1 });
    const commander = await connect(f.url, { username: 'svc:commander', password: SERVICE_TOKEN });
    for (const id of DEVICES) await commander.publishAsync(`ioc/v1/devices/${id}/cmd`, JSON.stringify({ id: `c-${id}`, type: 'ping' }), { qos: 1 });
    await vi.waitFor(() => expect(received).toHaveLength(DEVICES.length));
    await Promise.all([w.endAsync(), commander.endAsync()]);
  });
});
