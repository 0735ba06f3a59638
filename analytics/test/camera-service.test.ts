import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, setDeviceStreamUrl } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { CAMERA_HEALTH_METRIC, startSimFootage, type SimFootage } from '@ioc/analytics';
import { startAnalyticsStack, type AnalyticsStack } from './stack.ts';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');
const CAMERA = 'camera-svc-1';
const CALM = 'camera-svc-2'; // a second camera that stays normal throughout

describe.skipIf(!ffmpeg)('analytics service: camera health on a real stack', () => {
  let stack: AnalyticsStack;
  let footage: SimFootage;
  const cameraEvents = () => stack.events.filter((e) => e.deviceId === CAMERA).map((e) => `${e.state} ${e.label}`);
  const checks = () => stack.analytics.health().cameraChecks as number;

  beforeAll(async () => {
    footage = await startSimFootage({ ffmpegPath: ffmpeg!, cameras: [CAMERA, CALM] });
    // Each camera checked every 600 ms instead of every minute, two at a time; raised after 2 detecting checks,
    // cleared after 2 calm ones.
    stack = await startAnalyticsStack({ ffmpegPath: ffmpeg!, cameraSchedule: { intervalMs: 600, concurrency: 2, frames: 3, timeoutMs: 5000 } });
    for (const id of [CAMERA, CALM]) {
      await createDevice(stack.db, { id, kind: 'camera' });
      await setDeviceStreamUrl(stack.db, id, footage.url(id));
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await footage?.stop();
  });

  /** Sets the tamper, then waits for about `more` checks of each camera (they are checked in turn). */
  async function show(tamper: Parameters<SimFootage['setTamper']>[1], more: number): Promise<void> {
    footage.setTamper(CAMERA, tamper);
    const target = checks() + 2 * more;
    await vi.waitFor(() => expect(checks()).toBeGreaterThanOrEqual(target), { timeout: 30_000, interval: 100 });
  }

  it('raises a covered lens once, clears it once the lens is clear, and stores the scores as telemetry', async () => {
    const since = Date.now();
    await show(undefined, 4);
    expect(cameraEvents()).toEqual([]);
    expect(stack.analytics.health()).toMatchObject({ cameras: 2, cameraNoFrames: 0, cameraActiveAnomalies: 0, cameraLastError: null });

    await show('covered_lens', 5);
    expect(cameraEvents()).toEqual(['raised covered_lens']);
    expect(stack.analytics.health().cameraActiveAnomalies).toBe(1);
    await show(undefined, 5);
    expect(cameraEvents()).toEqual(['raised covered_lens', 'cleared covered_lens']);
    const raised = stack.events.find((e) => e.deviceId === CAMERA)!;
    expect(raised).toMatchObject({ kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', threshold: 0.5 });
    expect(raised.score).toBeGreaterThan(0.5);

    const scores = await stack.telemetry.range({ deviceId: CAMERA, metric: CAMERA_HEALTH_METRIC, from: since, to: Date.now() + 1 });
    expect(scores.length).toBeGreaterThanOrEqual(14);
    expect(Math.max(...scores.map((p) => p.value))).toBeGreaterThan(0.9);
    expect(Math.min(...scores.map((p) => p.value))).toBeLessThan(0.1);
    const calm = await stack.telemetry.range({ deviceId: CALM, metric: CAMERA_HEALTH_METRIC, from: since, to: Date.now() + 1 });
    expect(calm.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...calm.map((p) => p.value))).toBeLessThan(0.5);
    expect(stack.events.filter((e) => e.deviceId === CALM)).toEqual([]);
  });

  it('raises a lost signal when the stream answers 503 and clears it when frames come back', async () => {
    const before = cameraEvents().length;
    await show('lost_signal', 4);
    expect(stack.analytics.health().cameraNoFrames).toBeGreaterThanOrEqual(3);
    await show(undefined, 4);
    expect(cameraEvents().slice(before)).toEqual(['raised lost_signal', 'cleared lost_signal']);
    expect(stack.analytics.health().cameraActiveAnomalies).toBe(0);
  });
});
