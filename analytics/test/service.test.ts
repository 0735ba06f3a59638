import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { startAnalyticsStack, type AnalyticsStack } from './stack.ts';

describe('analytics service on a real gateway', () => {
  let stack: AnalyticsStack;
  let analytics: AnalyticsStack['analytics'];
  let events: AnalyticsStack['events'];

  beforeAll(async () => {
    stack = await startAnalyticsStack();
    ({ analytics, events } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const station = (id: string): Promise<MqttClient> => stack.device({ id, kind: 'air' });

  it('raises one anomaly for a spike, clears it after the series calms down, and publishes the scores for ingest to store', async () => {
    const device = await station('air-ana-1');
    const start = Date.now() - 400 * 60_000;
    const pm25 = (i: number) => 30 + 8 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919) % 13) / 13;
    const publish = (i: number, value: number) =>
      device.publishAsync(deviceTopic('air-ana-1', 'telemetry'), JSON.stringify({ ts: start + i * 60_000, metrics: { pm25: value } }), { qos: 1 });
    for (let i = 0; i < 300; i++) await publish(i, pm25(i));
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 299 - 39 }), { timeout: 20_000 });
    expect(events).toEqual([]);

    for (let i = 300; i < 305; i++) await publish(i, 400);
    for (let i = 305; i < 360; i++) await publish(i, pm25(i));
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 359 - 39 }), { timeout: 20_000 });
    expect(events.map((e) => e.state)).toEqual(['raised', 'cleared']);
    const [raised, cleared] = events;
    expect(raised).toMatchObject({ deviceId: 'air-ana-1', kind: 'air', metric: 'pm25', model: 'ioc-env-v2', label: 'anomaly' });
    expect(raised!.ts).toBeGreaterThanOrEqual(start + 300 * 60_000);
    expect(cleared!.ts).toBeGreaterThan(raised!.ts);

    // Published on ioc/v1/derived/air-ana-1/telemetry and stored by ingest.
    const scores = () => stack.telemetry.range({ deviceId: 'air-ana-1', metric: 'pm25_anomaly', from: start, to: start + 400 * 60_000 });
    await vi.waitFor(async () => expect(await scores()).toHaveLength(359 - 39), { timeout: 10_000 });
    expect((await scores()).find((p) => p.ts === raised!.ts)!.value).toBeGreaterThanOrEqual(0.9995);
    expect(analytics.health()).toMatchObject({ status: 'ok', published: 2, activeAnomalies: 0 });
  });

  it('skips non-environment devices and counts telemetry it cannot read without stopping', async () => {
    const before = analytics.health();
    const speaker = await stack.device({ id: 'speaker-ana-1', kind: 'speaker' });
    await speaker.publishAsync(deviceTopic('speaker-ana-1', 'telemetry'), JSON.stringify({ metrics: { volume: 3 } }), { qos: 1 });
    const device = await station('air-ana-2');
    await device.publishAsync(deviceTopic('air-ana-2', 'telemetry'), '{"metrics": {"pm25": ', { qos: 1 });
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ received: (before.received as number) + 2, ignored: (before.ignored as number) + 1 }));
    expect(analytics.health()).toMatchObject({ status: 'ok', scored: before.scored });
  });
});
