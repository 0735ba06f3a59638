import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, SERVICE_TOKEN, startGatewayFixture, type GatewayFixture } from './fixture.ts';

const MESSAGES = 2000;
const BACKLOG_LIMIT = 100;

interface Backlog {
  messages: number;
  heldPublishes: number;
  waiting: number;
}

describe('gateway backpressure: a persistent subscriber that falls behind holds publishers back, and nothing is lost', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGatewayFixture({ env: { IOC_MQTT_MAX_BACKLOG: String(BACKLOG_LIMIT), IOC_MQTT_PUBLISH_RATE: '0' } });
  });
  afterAll(() => f.close());

  const backlog = () => (f.gateway.health() as unknown as { backlog: Backlog }).backlog;

  it('stops reading the publisher while the backlog is over the limit and delivers everything once it clears', async () => {
    const token = await f.addDevice('air-backpressure');
    // An ingest-like subscriber: persistent session, QoS 1, acknowledging nothing until told to.
    const slow = await connect(f.url, { username: 'svc:slow-ingest', password: SERVICE_TOKEN, clientId: 'svc:slow-ingest', clean: false });
    const withheld: Array<() => void> = [];
    let holding = true;
    const received = new Set<string>();
    slow.handleMessage = (packet, callback) => {
      received.add(String(packet.payload));
      if (holding) withheld.push(() => callback());
      else callback();
    };
    await slow.subscribeAsync('ioc/v1/devices/+/telemetry', { qos: 1 });

    const device = await connect(f.url, { username: 'air-backpressure', password: token, clientId: 'air-backpressure' });
    let acknowledged = 0;
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < MESSAGES; i++) {
      device.publish('ioc/v1/devices/air-backpressure/telemetry', JSON.stringify({ metrics: { pm25: i }, padding }), { qos: 1 }, () => acknowledged++);
    }

    // The gate closes: publishes wait, the device's acknowledgements stop short, the backlog stays near the limit.
    await vi.waitFor(() => expect(backlog().waiting).toBeGreaterThan(0));
    const stalledAt = acknowledged;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(acknowledged).toBe(stalledAt);
    expect(acknowledged).toBeLessThan(MESSAGES);
    expect(backlog().messages).toBeLessThan(MESSAGES / 4);
    expect(backlog().heldPublishes).toBeGreaterThan(0);

    // The subscriber catches up: the gate opens and every message arrives, each once.
    holding = false;
    for (const ack of withheld.splice(0)) ack();
    await vi.waitFor(() => expect(acknowledged).toBe(MESSAGES), { timeout: 30_000 });
    await vi.waitFor(() => expect(received.size).toBe(MESSAGES), { timeout: 30_000 });
    await vi.waitFor(() => expect(backlog()).toMatchObject({ messages: 0, waiting: 0 }));
    await Promise.all([device.endAsync(), slow.endAsync()]);
  });
});
