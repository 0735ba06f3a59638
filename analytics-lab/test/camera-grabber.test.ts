import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG_PACKAGES, resolveFfmpeg } from '@ioc/core';
import { freePort, requireBinary } from '@ioc/core/testing';
import { FRAME_PIXELS, grabFrames } from '@ioc/analytics';
import { startSimFootage, type SimFootage } from '@ioc/analytics-lab';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');

describe.skipIf(!ffmpeg)('camera frame grabber on the simulator’s streams', () => {
  let footage: SimFootage;

  beforeAll(async () => {
    footage = await startSimFootage({ ffmpegPath: ffmpeg!, cameras: ['grab-cam'] });
  });
  afterAll(async () => {
    await footage?.stop();
  });

  it('pulls consecutive small greyscale frames of a live MJPEG stream', async () => {
    const grab = await grabFrames({ ffmpegPath: ffmpeg!, url: footage.url('grab-cam'), frames: 3 });
    expect(grab.ok).toBe(true);
    if (!grab.ok) return;
    expect(grab.frames).toHaveLength(3);
    for (const frame of grab.frames) expect(frame).toHaveLength(FRAME_PIXELS);
    const mean = grab.frames[0]!.reduce((sum, v) => sum + v, 0) / FRAME_PIXELS;
    expect(mean).toBeGreaterThan(40); // a daytime street, not a black picture
    expect(Buffer.from(grab.frames[0]!).equals(Buffer.from(grab.frames[2]!))).toBe(false); // sensor noise and traffic
  });

  it('pulls frames with the ffmpeg npm install brings, from a stream named by host name (a static build resolves none)', async () => {
    const packaged = resolveFfmpeg({}, FFMPEG_PACKAGES);
    expect(packaged.source).not.toBe('PATH');
    const grab = await grabFrames({ ffmpegPath: packaged.path, url: footage.url('grab-cam').replace('127.0.0.1', 'localhost'), frames: 3 });
    expect(grab.ok && grab.frames.map((frame) => frame.length)).toEqual([FRAME_PIXELS, FRAME_PIXELS, FRAME_PIXELS]);
    const unknown = await grabFrames({ ffmpegPath: packaged.path, url: 'http://no-such-camera.invalid/stream.mjpg', frames: 3 });
    expect(unknown).toEqual({ ok: false, reason: expect.stringMatching(/^cannot resolve no-such-camera\.invalid: ENOTFOUND/) });
  });

  it('returns a lost signal (503) as a reason, not an error', async () => {
    footage.setTamper('grab-cam', 'lost_signal');
    const grab = await grabFrames({ ffmpegPath: ffmpeg!, url: footage.url('grab-cam'), frames: 3 });
    footage.setTamper('grab-cam', undefined);
    expect(grab).toEqual({ ok: false, reason: expect.stringMatching(/5XX.*\(0 of 3 frames\)$/) });
  });

  it('returns an unreachable camera and a stalled stream as reasons', async () => {
    const refused = await grabFrames({ ffmpegPath: ffmpeg!, url: `http://127.0.0.1:${await freePort()}/stream.mjpg`, frames: 2 });
    expect(refused).toEqual({ ok: false, reason: expect.stringMatching(/Connection refused.*\(0 of 2 frames\)$/) });

    const stalled = createServer((_request, response) => response.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=x' }));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/stream.mjpg`;
    const grab = await grabFrames({ ffmpegPath: ffmpeg!, url, frames: 2, timeoutMs: 1500 });
    stalled.closeAllConnections();
    await new Promise((resolve) => stalled.close(resolve));
    expect(grab.ok).toBe(false);
    if (!grab.ok) expect(grab.reason).toMatch(/\(0 of 2 frames\)$/);
  });
});
