import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDeviceStreamUrl } from '@ioc/core';
import { requireBinary } from '@ioc/core/testing';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, parseScenarioSpec, type DeviceSimService } from '@ioc/device-sim';
import { startBus } from './sim-fixture.ts';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');
const FRAME_BYTES = 320 * 240;

/** Decodes `frames` frames of a stream with a separate ffmpeg, as 8-bit grey pictures. */
function decode(url: string, frames: number): Promise<{ code: number | null; pictures: Buffer[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg!, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', url, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const all = Buffer.concat(chunks);
      const pictures = Array.from({ length: Math.floor(all.length / FRAME_BYTES) }, (_, i) => all.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES));
      resolve({ code, pictures, stderr });
    });
  });
}

const brightness = (picture: Buffer) => picture.reduce((sum, v) => sum + v, 0) / picture.length;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!ffmpeg)('simulated cameras', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { camera: 3 }, intervalsMs: DEFAULT_INTERVALS_MS });
  const [normal, covered, lost] = fleet.map((d) => d.id) as [string, string, string];
  const scenario = parseScenarioSpec({
    name: 'tamper',
    duration: '2h',
    incidents: [
      { type: 'camera_tamper', fault: 'covered_lens', devices: [covered], duration: '2h' },
      { type: 'camera_tamper', fault: 'lost_signal', devices: [lost], duration: '2h' },
    ],
  });
  let bus: Awaited<ReturnType<typeof startBus>>;
  let sim: DeviceSimService;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-camera-');
    // Noon in Huế, so that the normal picture is a daytime one.
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, scenario, startAt: Date.UTC(2026, 2, 2, 5, 0, 0), ffmpegPath: ffmpeg });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await bus?.stop();
  });

  it('registers each camera’s stream URL with the device', async () => {
    for (const id of fleet.map((d) => d.id)) expect(await getDeviceStreamUrl(bus.db, id)).toBe(sim.cameras!.url(id));
  });

  it('serves a stream that ffmpeg decodes, encoding only while someone watches', async () => {
    expect(sim.cameras!.encoding).toBe(0);
    const watching = decode(sim.cameras!.url(normal), 20);
    await until(() => sim.cameras!.encoding === 1, 'the encoder to start');
    const { code, pictures, stderr } = await watching;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(pictures).toHaveLength(20);
    expect(brightness(pictures[0]!)).toBeGreaterThan(40);
    // Moving vehicles: the picture changes over time.
    expect(pictures[0]!.equals(pictures[19]!)).toBe(false);
    await until(() => sim.cameras!.encoding === 0, 'the encoder to stop after the last viewer left');
  });

  it('shows tampering: a covered lens is black, a lost signal serves nothing', async () => {
    const { code, pictures } = await decode(sim.cameras!.url(covered), 3);
    expect(code).toBe(0);
    expect(brightness(pictures[2]!)).toBeLessThan(10);
    const response = await fetch(sim.cameras!.url(lost));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: 'no_signal', message: 'camera has no signal' } });
    expect((await fetch(sim.cameras!.url('nope'))).status).toBe(404);
    await until(() => sim.cameras!.encoding === 0, 'the encoders to stop');
  });
});
