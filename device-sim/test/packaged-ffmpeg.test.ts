import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, getDeviceStreamUrl, resolveFfmpeg } from '@ioc/core';
import { buildFleet, createDeviceSimService, DEFAULT_INTERVALS_MS, type DeviceSimService } from '@ioc/device-sim';
import { serveFiles, startBus } from './sim-fixture.ts';

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/** Reads an MJPEG stream over HTTP until it has `count` whole JPEG pictures. */
async function jpegFrames(url: string, count: number): Promise<Buffer[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=iocframe');
  const frames: Buffer[] = [];
  let pending = Buffer.alloc(0);
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    pending = Buffer.concat([pending, read.value]);
    for (let start = pending.indexOf(SOI), end = pending.indexOf(EOI, start); start !== -1 && end !== -1; start = pending.indexOf(SOI), end = pending.indexOf(EOI, start)) {
      frames.push(Buffer.from(pending.subarray(start, end + 2)));
      pending = pending.subarray(end + 2);
    }
    if (frames.length >= count) break;
  }
  controller.abort();
  return frames;
}

/** The ffmpeg `npm install` brings, used on a host whose PATH has no ffmpeg (only node) and no FFMPEG_PATH. */
describe('a simulator host with only the ffmpeg the npm install brings', () => {
  const fleet = buildFleet({ name: 't', seed: 1, areas: ['19753'], perArea: { camera: 1, speaker: 1 }, intervalsMs: DEFAULT_INTERVALS_MS });
  const camera = fleet.find((d) => d.kind === 'camera')!.id;
  const speaker = fleet.find((d) => d.kind === 'speaker')!.id;
  const path = process.env.PATH;
  const configured = process.env.FFMPEG_PATH;
  let bus: Awaited<ReturnType<typeof startBus>>;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  let sim: DeviceSimService;

  beforeAll(async () => {
    bus = await startBus('ioc-sim-packaged-ffmpeg-');
    symlinkSync(process.execPath, join(bus.dir.path, 'node'));
    process.env.PATH = bus.dir.path;
    delete process.env.FFMPEG_PATH;
    // The tone the speaker plays, made with the same packaged ffmpeg (an MP3, as an Icecast stream serves).
    execFileSync(resolveFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libmp3lame', join(bus.dir.path, 'tone.mp3')]);
    files = await serveFiles(bus.dir.path);
    // URLs by host name: the npm builds are static and cannot resolve names themselves (ffmpegInputUrl does).
    sim = createDeviceSimService({ config: bus.config, logger: bus.logger, db: bus.db, fleet, cameraPublicHost: 'localhost' });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await files?.close();
    await bus?.stop();
    process.env.PATH = path;
    if (configured !== undefined) process.env.FFMPEG_PATH = configured;
  });

  it('finds a packaged ffmpeg, not one on PATH', () => {
    expect(resolveFfmpeg().source).not.toBe('PATH');
  });

  it('serves camera video: a stream of JPEG pictures of a moving street', async () => {
    const url = (await getDeviceStreamUrl(bus.db, camera))!;
    expect(url).toMatch(/^http:\/\/localhost:\d+\/cameras\//);
    const frames = await jpegFrames(url, 6);
    expect(frames.length).toBeGreaterThanOrEqual(6);
    for (const frame of frames) expect(frame.length).toBeGreaterThan(1000);
    expect(frames[0]!.equals(frames[5]!)).toBe(false);
  });

  it('plays a stream named by host name to its end, really decoding a second of audio', async () => {
    const url = files.url('tone.mp3').replace('127.0.0.1', 'localhost');
    await bus.observer.publishAsync(deviceTopic(speaker, 'cmd'), JSON.stringify({ id: 'p1', type: 'play', args: { url }, expires: Date.now() + 60_000 }), { qos: 1 });
    const ack = await bus.waitFor((m) => m.topic === deviceTopic(speaker, 'ack') && m.body.id === 'p1', 'the ack');
    expect(ack.body).toEqual({ id: 'p1', status: 'ok' });
    const ended = await bus.waitFor((m) => m.topic === deviceTopic(speaker, 'events') && m.body.cmd === 'p1' && String(m.body.type).match(/^playback\.(finished|failed)$/) !== null, 'the end of playback');
    expect(ended.body).toMatchObject({ type: 'playback.finished', url });
    // MP3 frames pad the second a little; a 440 Hz sine at ffmpeg's default amplitude is about −21 dBFS.
    expect(ended.body.decoded_ms).toBeGreaterThanOrEqual(1000);
    expect(ended.body.decoded_ms).toBeLessThan(1200);
    expect(ended.body.rms_dbfs).toBeGreaterThan(-30);
    expect(ended.body.rms_dbfs).toBeLessThan(-10);
  });
});
