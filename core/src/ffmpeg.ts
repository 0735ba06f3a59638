import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { findBinary } from './testing/system.ts';

export interface ResolvedFfmpeg {
  path: string;
  /** Where the path came from. */
  source: 'FFMPEG_PATH' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
}

const require = createRequire(import.meta.url);

/** The module's exported binary path, when the package is installed and its binary is really there. */
function packagedBinary(name: string, pick: (exported: unknown) => unknown): string | undefined {
  try {
    const path = pick(require(name));
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds ffmpeg, in this order: FFMPEG_PATH, ffmpeg-static (if its binary was downloaded), @ffmpeg-installer/ffmpeg,
 * `ffmpeg` on PATH. ffmpeg-static is core's optional dependency: its install downloads the binary and may fail where
 * the network forbids it (the install still succeeds, without the binary); @ffmpeg-installer/ffmpeg can be installed
 * instead. Throws a message saying what to do when none is found, or when FFMPEG_PATH names a missing file.
 */
export function resolveFfmpeg(env: Record<string, string | undefined> = process.env): ResolvedFfmpeg {
  const configured = env.FFMPEG_PATH?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`FFMPEG_PATH: ${configured} does not exist`);
    return { path: configured, source: 'FFMPEG_PATH' };
  }
  const fromStatic = packagedBinary('ffmpeg-static', (exported) => exported);
  if (fromStatic) return { path: fromStatic, source: 'ffmpeg-static' };
  const fromInstaller = packagedBinary('@ffmpeg-installer/ffmpeg', (exported) => (exported as { path?: unknown }).path);
  if (fromInstaller) return { path: fromInstaller, source: '@ffmpeg-installer/ffmpeg' };
  const onPath = findBinary('ffmpeg');
  if (onPath) return { path: onPath, source: 'PATH' };
  throw new Error('ffmpeg not found: set FFMPEG_PATH, install the Debian package "ffmpeg", or npm install ffmpeg-static');
}
