import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '@ioc/core';
import { findBinary, tempDir } from '@ioc/core/testing';

describe('resolveFfmpeg', () => {
  const dir = tempDir('ioc-ffmpeg-');
  afterAll(() => dir.remove());

  it('uses FFMPEG_PATH first', () => {
    const fake = join(dir.path, 'my-ffmpeg');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(resolveFfmpeg({ FFMPEG_PATH: fake })).toEqual({ path: fake, source: 'FFMPEG_PATH' });
  });

  it('refuses an FFMPEG_PATH that does not exist, naming the variable', () => {
    expect(() => resolveFfmpeg({ FFMPEG_PATH: join(dir.path, 'missing') })).toThrow(/^FFMPEG_PATH: .*missing does not exist/);
  });

  it('falls back to ffmpeg on PATH when no npm package provides one', () => {
    const onPath = findBinary('ffmpeg');
    if (onPath) expect(resolveFfmpeg({})).toEqual({ path: onPath, source: 'PATH' });
    else expect(() => resolveFfmpeg({})).toThrow(/ffmpeg not found: set FFMPEG_PATH/);
  });

  it('says what to install when nothing is found', () => {
    const path = process.env.PATH;
    process.env.PATH = dir.path;
    try {
      expect(() => resolveFfmpeg({})).toThrow(/ffmpeg not found: set FFMPEG_PATH, install the Debian package "ffmpeg"/);
    } finally {
      process.env.PATH = path;
    }
  });
});
