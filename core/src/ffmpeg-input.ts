import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

const resolvesNames = new Map<string, Promise<boolean>>();

/**
 * Whether this ffmpeg binary can look up host names itself. Statically linked Linux builds (the ones npm packages
 * bring: @ffmpeg-installer/ffmpeg's, ffmpeg-static's) cannot use glibc's resolver; the 2018 build of
 * @ffmpeg-installer/ffmpeg even crashes (SIGSEGV) on `localhost`. Asked once per binary: it opens
 * http://localhost:1/, which a working resolver turns into "connection refused".
 */
export function ffmpegResolvesNames(ffmpegPath: string): Promise<boolean> {
  let known = resolvesNames.get(ffmpegPath);
  if (!known) {
    known = new Promise((resolve) => {
      const child = spawn(ffmpegPath, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', 'http://localhost:1/'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', () => resolve(false));
      child.once('close', (_code, signal) => {
        clearTimeout(timer);
        resolve(signal === null && !/resolve/i.test(stderr));
      });
    });
    resolvesNames.set(ffmpegPath, known);
  }
  return known;
}

/**
 * The input URL to hand this ffmpeg: unchanged when it resolves names (or the URL has no host name), otherwise with
 * the host name looked up by Node (an IPv6 address in brackets). The server then sees the address in the Host header
 * and, over https, no SNI: fine for cameras and Icecast, not for a name-based virtual host (set FFMPEG_PATH to a
 * system ffmpeg there). Throws `cannot resolve <host>: <reason>` when Node cannot resolve it either.
 */
export async function ffmpegInputUrl(ffmpegPath: string, url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host || isIP(host) !== 0 || parsed.protocol === 'file:' || (await ffmpegResolvesNames(ffmpegPath))) return url;
  let address: { address: string; family: number };
  try {
    address = await lookup(host);
  } catch (error) {
    throw new Error(`cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  parsed.hostname = address.family === 6 ? `[${address.address}]` : address.address;
  return parsed.toString();
}
