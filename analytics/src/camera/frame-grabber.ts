import { spawn } from 'node:child_process';
import { ffmpegInputUrl } from '@ioc/core';

/** The size of the greyscale frames the camera health model reads. */
export const FRAME_WIDTH = 64;
export const FRAME_HEIGHT = 48;
export const FRAME_PIXELS = FRAME_WIDTH * FRAME_HEIGHT;

export interface GrabOptions {
  ffmpegPath: string;
  /** The camera's stream URL (MJPEG over HTTP, RTSP, anything ffmpeg reads). */
  url: string;
  frames: number;
  /** Longest a grab may take, in ms (default 10 000): a stream that stalls is a lost signal. */
  timeoutMs?: number;
}

/** Consecutive small greyscale frames (FRAME_WIDTH × FRAME_HEIGHT, one byte per pixel), or why there are none. */
export type Grab = { ok: true; frames: Uint8Array[] } | { ok: false; reason: string };

/**
 * Pulls `frames` consecutive frames of a camera's stream with ffmpeg, scaled down to small greyscale pictures. An
 * unreachable stream, an HTTP error (a 503 "no signal"), a stream that ends early or stalls past the timeout is
 * returned as a reason — the evidence of a lost signal — never thrown.
 */
export async function grabFrames(options: GrabOptions): Promise<Grab> {
  const { ffmpegPath, frames } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let url: string;
  try {
    url = await ffmpegInputUrl(ffmpegPath, options.url);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-rw_timeout', String(timeoutMs * 1000), '-i', url, '-frames:v', String(frames)];
  args.push('-vf', `scale=${FRAME_WIDTH}:${FRAME_HEIGHT}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `ffmpeg could not run: ${error.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const got = Math.floor(all.length / FRAME_PIXELS);
      if (got >= frames) {
        resolve({ ok: true, frames: Array.from({ length: frames }, (_, i) => new Uint8Array(all.subarray(i * FRAME_PIXELS, (i + 1) * FRAME_PIXELS))) });
        return;
      }
      const why = timedOut ? `no ${frames} frames within ${timeoutMs} ms` : (stderr.trim().split('\n').at(-1) ?? '') || `ffmpeg exited with code ${code}`;
      resolve({ ok: false, reason: `${why} (${got} of ${frames} frames)` });
    });
  });
}
