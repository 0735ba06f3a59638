import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { findBinary } from './testing/system.ts';

export interface ResolvedFfmpeg {
  path: string;
  /** Where the path came from. */
  source: 'FFMPEG_PATH' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
}

/** An npm package that brings an ffmpeg binary, and how to read the binary's path from what it exports. */
export interface FfmpegPackage {
  /** What `require` loads: the package name (or, in tests, a module's absolute path). */
  module: string;
  source: 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg';
  pick: (exported: unknown) => unknown;
}

/**
 * The packages tried after FFMPEG_PATH, in order. Both are core's optional dependencies. ffmpeg-static downloads its
 * binary in an install script, which fails where the network reaches only the npm registry (the install still
 * succeeds, without the binary); @ffmpeg-installer/ffmpeg's binary is itself a package on the npm registry.
 */
export const FFMPEG_PACKAGES: readonly FfmpegPackage[] = [
  { module: 'ffmpeg-static', source: 'ffmpeg-static', pick: (exported) => exported },
  { module: '@ffmpeg-installer/ffmpeg', source: '@ffmpeg-installer/ffmpeg', pick: (exported) => (exported as { path?: unknown } | null)?.path },
];

const require = createRequire(import.meta.url);

/** The module's exported binary path, when the package is installed and its binary is really there. */
function packagedBinary({ module, pick }: FfmpegPackage): string | undefined {
  try {
    const path = pick(require(module));
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds ffmpeg, in this order: FFMPEG_PATH, the packages' binaries (FFMPEG_PACKAGES: ffmpeg-static if its binary
 * was downloaded, then @ffmpeg-installer/ffmpeg), `ffmpeg` on PATH. So `npm install` alone gives an ffmpeg on a
 * machine that has none. Throws a message saying what to do when none is found, or when FFMPEG_PATH names a missing
 * file.
 */
export function resolveFfmpeg(env: Record<string, string | undefined> = process.env, packages: readonly FfmpegPackage[] = FFMPEG_PACKAGES): ResolvedFfmpeg {
  const configured = env.FFMPEG_PATH?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`FFMPEG_PATH: ${configured} does not exist`);
    return { path: configured, source: 'FFMPEG_PATH' };
  }
  for (const candidate of packages) {
    const path = packagedBinary(candidate);
    if (path) return { path, source: candidate.source };
  }
  const onPath = findBinary('ffmpeg');
  if (onPath) return { path: onPath, source: 'PATH' };
  throw new Error('ffmpeg not found: set FFMPEG_PATH, run npm install (its optional dependency @ffmpeg-installer/ffmpeg brings one) or install the Debian package "ffmpeg"');
}
