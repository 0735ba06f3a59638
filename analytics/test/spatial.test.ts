import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deviceTopic } from '@ioc/core';
import { createSpatialContext, distanceKm } from '@ioc/analytics';
import { startAnalyticsStack, type AnalyticsStack } from './stack.ts';

describe('spatial labels', () => {
  it('calls it an episode when a neighbour was unusual lately, a sensor fault when reporting neighbours were not', () => {
    const spatial = createSpatialContext({ radiusKm: 5, recentMs: 600_000, unusual: 0.95 });
    spatial.place('a', { lat: 16.46, lon: 107.59 });
    spatial.place('b', { lat: 16.47, lon: 107.6 });
    spatial.place('far', { lat: 16.8, lon: 107.2 });
    expect(distanceKm({ lat: 16.46, lon: 107.59 }, { lat: 16.47, lon: 107.6 })).toBeCloseTo(1.52, 1);
    expect(spatial.label('a', 'pm25', 1_000_000)).toBe('anomaly');
    spatial.record('b', 'pm25', 1_000_000, 0.5);
    spatial.record('far', 'pm25', 1_000_000, 0.999);
    expect(spatial.label('a', 'pm25', 1_000_000)).toBe('sensor_fault');
    expect(spatial.label('a', 'no2', 1_000_000)).toBe('anomaly');
    spatial.record('b', 'pm25', 1_060_000, 0.99);
    spatial.record('b', 'pm25', 1_120_000, 0.4);
    expect(spatial.label('a', 'pm25', 1_200_000)).toBe('episode');
    expect(spatial.label('a', 'pm25', 1_200_000 + 700_000)).toBe('anomaly');
  });
});

describe('analytics service: episodes and sensor faults on a real gateway', () => {
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

  it('labels a jump shared by neighbouring stations an episode and one station jumping alone a sensor fault', async () => {
    const stations = { 'air-sp-a': [16.46, 107.59], 'air-sp-b': [16.465, 107.595], 'air-sp-c': [16.47, 107.6], 'air-sp-e': [16.468, 107.585] };
    const devices = new Map<string, MqttClient>();
    for (const [id, [lat, lon]] of Object.entries(stations)) {
      devices.set(id, await stack.device({ id, kind: 'air', lat, lon }));
    }
    const start = Date.now() - 500 * 60_000;
    const episode = (id: string, i: number) => id !== 'air-sp-e' && i >= 300 && i < 305;
    const fault = (id: string, i: number) => id === 'air-sp-e' && i >= 345 && i < 350;
    for (let i = 0; i < 380; i++) {
      for (const [id, client] of devices) {
        const normal = 30 + 8 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919 + id.length * 31) % 13) / 13;
        const value = episode(id, i) || fault(id, i) ? normal + 300 : normal;
        await client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify({ ts: start + i * 60_000, metrics: { pm25: value } }), { qos: 1 });
      }
    }
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 4 * (380 - 39) }), { timeout: 30_000 });
    const raised = events.filter((e) => e.state === 'raised');
    expect(raised.map((e) => [e.deviceId, e.label]).sort()).toEqual([
      ['air-sp-a', 'episode'],
      ['air-sp-b', 'episode'],
      ['air-sp-c', 'episode'],
      ['air-sp-e', 'sensor_fault'],
    ]);
    for (const event of events.filter((e) => e.state === 'cleared')) {
      expect(event.label).toBe(raised.find((r) => r.deviceId === event.deviceId)!.label);
    }
  });
});
