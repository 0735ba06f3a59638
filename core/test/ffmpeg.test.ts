import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FFMPEG_PACKAGES, resolveFfmpeg, type FfmpegPackage } from '@ioc/core';
import { findBinary, tempDir } from '@ioc/core/testing';

describe('resolveFfmpeg', () => {
  const dir = tempDir('ioc-ffmpeg-');
  afterAll(() => dir.remove());
  const fake = join(dir.path, 'my-ffmpeg');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);

  /** A module standing in for a package, exporting `exported` (as ffmpeg-static exports its binary's path). */
  function packageExporting(name: string, exported: unknown, source: FfmpegPackage['source']): FfmpegPackage {
    const module = join(dir.path, `${name}.cjs`);
    writeFileSync(module, `module.exports = ${JSON.stringify(exported)};\n`);
    return { module, source, pick: (value) => value };
  }

  /** Runs `fn` with PATH holding only a directory with node in it: no system ffmpeg. */
  function withoutSystemFfmpeg<T>(fn: () => T): T {
    const path = process.env.PATH;
    process.env.PATH = dir.path;
    try {
      return fn();
    } finally {
      process.env.PATH = path;
    }
  }

  it('uses FFMPEG_PATH first', () => {
    expect(resolveFfmpeg({ FFMPEG_PATH: fake })).toEqual({ path: fake, source: 'FFMPEG_PATH' });
  });

  it('refuses an FFMPEG_PATH that does not exist, naming the variable', () => {
    expect(() => resolveFfmpeg({ FFMPEG_PATH: join(dir.path, 'missing') })).toThrow(/^FFMPEG_PATH: .*missing does not exist/);
  });

  it('tries ffmpeg-static, then @ffmpeg-installer/ffmpeg, then PATH', () => {
    expect(FFMPEG_PACKAGES.map((p) => p.module)).toEqual(['ffmpeg-static', '@ffmpeg-installer/ffmpeg']);
  });

  it('skips a package whose binary was never downloaded, or that is not installed', () => {
    const notDownloaded = packageExporting('static-without-binary', join(dir.path, 'never-downloaded'), 'ffmpeg-static');
    const notInstalled: FfmpegPackage = { module: join(dir.path, 'absent.cjs'), source: 'ffmpeg-static', pick: (v) => v };
    const installer = packageExporting('installer', fake, '@ffmpeg-installer/ffmpeg');
    expect(resolveFfmpeg({}, [notInstalled, notDownloaded, installer])).toEqual({ path: fake, source: '@ffmpeg-installer/ffmpeg' });
    const downloaded = packageExporting('static-with-binary', fake, 'ffmpeg-static');
    expect(resolveFfmpeg({}, [downloaded, installer])).toEqual({ path: fake, source: 'ffmpeg-static' });
  });

  it('finds a working ffmpeg from the install alone, with no system ffmpeg on PATH', () => {
    const found = withoutSystemFfmpeg(() => resolveFfmpeg({}));
    expect(found.source).not.toBe('PATH');
    const version = spawnSync(found.path, ['-hide_banner', '-version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^ffmpeg version /);
  });

  it('falls back to ffmpeg on PATH when no npm package provides one', () => {
    const onPath = findBinary('ffmpeg');
    if (onPath) expect(resolveFfmpeg({}, [])).toEqual({ path: onPath, source: 'PATH' });
    else expect(() => resolveFfmpeg({}, [])).toThrow(/ffmpeg not found: set FFMPEG_PATH/);
  });

  it('says what to do when nothing is found', () => {
    expect(() => withoutSystemFfmpeg(() => resolveFfmpeg({}, []))).toThrow(/ffmpeg not found: set FFMPEG_PATH, run npm install .*or install the Debian package "ffmpeg"/);
  });
});
