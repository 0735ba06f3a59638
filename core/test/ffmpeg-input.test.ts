import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffmpegInputUrl, ffmpegResolvesNames, FFMPEG_PACKAGES, resolveFfmpeg } from '@ioc/core';
import { findBinary, tempDir } from '@ioc/core/testing';

describe('ffmpeg input URLs', () => {
  const dir = tempDir('ioc-ffmpeg-input-');
  afterAll(() => dir.remove());
  /** A stand-in ffmpeg that crashes as a static build without a usable resolver does. */
  const crashing = join(dir.path, 'crashing-ffmpeg');
  writeFileSync(crashing, '#!/bin/sh\nkill -SEGV $$\n');
  chmodSync(crashing, 0o755);
  const systemFfmpeg = findBinary('/usr/bin/ffmpeg');

  it('finds that a binary crashing on a host name cannot resolve names, and one that is missing neither', async () => {
    expect(await ffmpegResolvesNames(crashing)).toBe(false);
    expect(await ffmpegResolvesNames(join(dir.path, 'missing'))).toBe(false);
  });

  it('asks the packaged binary itself: the static builds on npm cannot resolve names', async () => {
    const packaged = resolveFfmpeg({}, FFMPEG_PACKAGES);
    expect(packaged.source).not.toBe('PATH');
    expect(await ffmpegResolvesNames(packaged.path)).toBe(false);
  });

  it.skipIf(!systemFfmpeg)('leaves the URL to a system ffmpeg, which resolves names', async () => {
    expect(await ffmpegResolvesNames(systemFfmpeg!)).toBe(true);
    expect(await ffmpegInputUrl(systemFfmpeg!, 'http://localhost:8000/a.mp3')).toBe('http://localhost:8000/a.mp3');
  });

  it('looks the host name up in Node for a binary that cannot, keeping port, path and query', async () => {
    expect(await ffmpegInputUrl(crashing, 'http://localhost:8000/live/a.mp3?x=1')).toMatch(/^http:\/\/(127\.0\.0\.1|\[::1\]):8000\/live\/a\.mp3\?x=1$/);
  });

  it('leaves addresses, files and what is not a URL as they are', async () => {
    for (const input of ['http://127.0.0.1:9/a.mp3', 'rtsp://[::1]:554/cam', '/tmp/video.mjpeg', 'file:///tmp/a.wav']) {
      expect(await ffmpegInputUrl(crashing, input)).toBe(input);
    }
  });

  it('says which host cannot be resolved', async () => {
    await expect(ffmpegInputUrl(crashing, 'http://no-such-host.invalid/a.mp3')).rejects.toThrow(/^cannot resolve no-such-host\.invalid: ENOTFOUND/);
  });
});
