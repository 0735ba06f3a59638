import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, createLogger, setDeviceStreamUrl } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { createCameraStreams, type CameraStreams, type CameraTamper } from '@ioc/device-sim';
import { CAMERA_HEALTH_METRIC, createCameraHealthService, loadCameraHealthConfig, type CameraHealthService } from '@ioc/analytics';
import { startBusStack, type BusStack } from './stack.ts';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');
const CAMERA = 'camera-svc-1';
const CALM = 'camera-svc-2'; // a second camera that stays normal throughout
/** Noon in Huế: the simulated streets in full daylight. */
const NOON = Date.UTC(2026, 2, 2, 5);

describe.skipIf(!ffmpeg)('camera health service on a real stack', () => {
  let stack: BusStack;
  let cameraHealth: CameraHealthService;
  let footage: CameraStreams;
  const tampers = new Map<string, CameraTamper>();
  const cameraEvents = () => stack.events.filter((e) => e.deviceId === CAMERA).map((e) => `${e.state} ${e.label}`);
  const checks = () => cameraHealth.health().cameraChecks as number;

  beforeAll(async () => {
    // The simulator's real MJPEG streams, with the tamper the test sets.
    footage = createCameraStreams({ ffmpegPath: ffmpeg!, clock: { now: () => NOON }, logger: createLogger({ level: 'warn' }), cameras: [CAMERA, CALM], tamper: (id) => tampers.get(id) });
    await footage.start();
    // Each camera checked every 600 ms instead of every minute, two at a time; raised after 2 detecting checks,
    // cleared after 2 calm ones.
    stack = await startBusStack();
    for (const id of [CAMERA, CALM]) {
      await createDevice(stack.db, { id, kind: 'camera' });
      await setDeviceStreamUrl(stack.db, id, footage.url(id));
    }
    const { env, logger, db, mqttConnect } = stack;
    cameraHealth = await stack.run(
      createCameraHealthService({ config: loadCameraHealthConfig(env), logger, db, mqttConnect, ffmpegPath: ffmpeg!, schedule: { intervalMs: 600, concurrency: 2, frames: 3, timeoutMs: 5000 } }),
    );
  });
  afterAll(async () => {
    await stack?.stop();
    await footage?.stop();
  });

  /** Sets the tamper, then waits for about `more` checks of each camera (they are checked in turn). */
  async function show(tamper: CameraTamper | undefined, more: number): Promise<void> {
    if (tamper) tampers.set(CAMERA, tamper);
    else tampers.delete(CAMERA);
    const target = checks() + 2 * more;
    await vi.waitFor(() => expect(checks()).toBeGreaterThanOrEqual(target), { timeout: 30_000, interval: 100 });
  }

  it('raises a covered lens once, clears it once the lens is clear, and publishes the scores for ingest to store', async () => {
    const since = Date.now();
    await show(undefined, 4);
    expect(cameraEvents()).toEqual([]);
    expect(cameraHealth.health()).toMatchObject({ cameras: 2, cameraNoFrames: 0, cameraActiveAnomalies: 0, cameraLastError: null });

    await show('covered_lens', 5);
    expect(cameraEvents()).toEqual(['raised covered_lens']);
    expect(cameraHealth.health().cameraActiveAnomalies).toBe(1);
    await show(undefined, 5);
    expect(cameraEvents()).toEqual(['raised covered_lens', 'cleared covered_lens']);
    const raised = stack.events.find((e) => e.deviceId === CAMERA)!;
    expect(raised).toMatchObject({ kind: 'camera', metric: 'camera_health', model: 'camera-health-v1', threshold: 0.5 });
    expect(raised.score).toBeGreaterThan(0.5);

    const until = Date.now() + 1;
    await vi.waitFor(async () => expect((await stack.telemetry.range({ deviceId: CAMERA, metric: CAMERA_HEALTH_METRIC, from: since, to: until })).length).toBeGreaterThanOrEqual(14));
    const scores = await stack.telemetry.range({ deviceId: CAMERA, metric: CAMERA_HEALTH_METRIC, from: since, to: until });
    expect(Math.max(...scores.map((p) => p.value))).toBeGreaterThan(0.9);
    expect(Math.min(...scores.map((p) => p.value))).toBeLessThan(0.1);
    const calm = await stack.telemetry.range({ deviceId: CALM, metric: CAMERA_HEALTH_METRIC, from: since, to: until });
    expect(calm.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...calm.map((p) => p.value))).toBeLessThan(0.5);
    expect(stack.events.filter((e) => e.deviceId === CALM)).toEqual([]);
  });

  it('raises a lost signal when the stream answers 503 and clears it when frames come back', async () => {
    const before = cameraEvents().length;
    await show('lost_signal', 4);
    expect(cameraHealth.health().cameraNoFrames).toBeGreaterThanOrEqual(3);
    await show(undefined, 4);
    expect(cameraEvents().slice(before)).toEqual(['raised lost_signal', 'cleared lost_signal']);
    expect(cameraHealth.health().cameraActiveAnomalies).toBe(0);
  });
});
