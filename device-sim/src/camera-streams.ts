import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, Logger } from '@ioc/core';
import { hashString } from './random.ts';
import type { CameraTamper } from './models/camera.ts';
import { daylight } from './models/time.ts';

const BOUNDARY = 'iocframe';
const WIDTH = 320;
const HEIGHT = 240;

/** What a camera's picture looks like now: what decides the ffmpeg filter graph. */
interface View {
  tamper?: CameraTamper;
  /** Darkness 0 (noon) … 9 (night), in steps so that dusk restarts the encoder only a few times. */
  darkness: number;
}

interface Stream {
  id: string;
  viewers: Set<ServerResponse>;
  child?: ChildProcess;
  view?: View;
  lastFrame?: Buffer;
}

/**
 * The lavfi graph of a simulated street camera: a coloured background with a road and two vehicles moving along
 * it, darker at night (a street-lit scene: the gain falls to 0.28 at night), with a little sensor noise that changes
 * every frame; a covered lens is black, a defocused one blurred, a moved camera sees a mirrored, shifted scene, an
 * overexposed one is washed out to white and an underexposed one nearly black (the sensor's gain far too high or too
 * low). The vehicles are where they are at
 * `startS` seconds (the time of day the encoder starts), so each new viewer sees the street at its own moment.
 */
export function cameraFilter(id: string, view: View, fps: number, startS = 0): string {
  const hue = hashString(id);
  const channel = (shift: number, base: number) => (base + ((hue >> shift) & 0x3f)).toString(16);
  const size = `s=${WIDTH}x${HEIGHT}:r=${fps}`;
  const dim = `lutyuv=y=16+(val-16)*${(1 - 0.08 * view.darkness).toFixed(2)}`;
  const sensor = [dim, ...exposure(view.tamper), 'noise=alls=6:allf=t'];
  if (view.tamper === 'covered_lens') return `color=c=black:${size},${sensor.join(',')}[out0]`;
  const road = HEIGHT / 2 - 10;
  const speedA = 20 + (hue % 30);
  const speedB = 15 + ((hue >> 8) % 25);
  const after = [...sensor];
  if (view.tamper === 'defocus') after.unshift('boxblur=10:2');
  if (view.tamper === 'moved_camera') after.unshift('hflip', `crop=${WIDTH - 60}:${HEIGHT - 60}:60:0`, `scale=${WIDTH}:${HEIGHT}`);
  return [
    `color=c=0x${channel(0, 0x30)}${channel(6, 0x50)}${channel(12, 0x30)}:${size},drawbox=x=0:y=${road}:w=${WIDTH}:h=30:color=gray:t=fill[bg]`,
    `color=c=red:s=40x18:r=${fps}[car]`,
    `color=c=yellow:s=26x12:r=${fps}[bike]`,
    `[bg][car]overlay=x='mod((t+${startS})*${speedA},${WIDTH + 40})-40':y=${road + 5}[street]`,
    `[street][bike]overlay=x='${WIDTH}-mod((t+${startS})*${speedB},${WIDTH + 30})':y=${road + 16},${after.join(',')}[out0]`,
  ].join(';');
}

const secondOfDay = (ts: number) => Math.floor(ts / 1000) % 86_400;

/** The gain a tampered exposure applies to the picture's brightness (luma), after the scene's own lighting. */
function exposure(tamper: CameraTamper | undefined): string[] {
  if (tamper === 'overexposed') return ['lutyuv=y=val*2+70'];
  if (tamper === 'underexposed') return ['lutyuv=y=16+(val-16)/4'];
  return [];
}

export interface CameraStreams {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly port: number;
  /** The stream URL of a camera (registered with the device). */
  url(id: string): string;
  /** Cameras whose ffmpeg is running now (only while someone watches). */
  readonly encoding: number;
  /** Re-reads a camera's view (tamper, daylight) and restarts its encoder if the picture must change. */
  refresh(id: string): void;
}

/**
 * Serves each simulated camera as MJPEG over HTTP (`multipart/x-mixed-replace`, what many IP cameras serve) at
 * /cameras/<id>/stream.mjpg. ffmpeg renders a camera only while at least one client watches it, so an idle demo
 * runs no encoder. A lost signal answers 503; a frozen image repeats its last frame.
 */
export function createCameraStreams(options: {
  ffmpegPath: string;
  clock: Clock;
  logger: Logger;
  cameras: readonly string[];
  tamper: (id: string, ts: number) => CameraTamper | undefined;
  host?: string;
  port?: number;
  /** Host name put in the URLs (default the bound host). */
  publicHost?: string;
  fps?: number;
}): CameraStreams {
  const { clock, logger } = options;
  const fps = options.fps ?? 10;
  const host = options.host ?? '127.0.0.1';
  const streams = new Map(options.cameras.map((id): [string, Stream] => [id, { id, viewers: new Set() }]));
  let boundPort = 0;

  const viewNow = (id: string): View => ({
    tamper: options.tamper(id, clock.now()),
    darkness: Math.round(9 * (1 - daylight(clock.now()))),
  });

  function send(stream: Stream, frame: Buffer) {
    const head = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`;
    for (const viewer of stream.viewers) {
      viewer.write(head);
      viewer.write(frame);
      viewer.write('\r\n');
    }
  }

  function stopEncoder(stream: Stream) {
    stream.child?.kill('SIGKILL');
    stream.child = undefined;
  }

  function startEncoder(stream: Stream) {
    const view = viewNow(stream.id);
    stream.view = view;
    if (view.tamper === 'lost_signal') {
      for (const viewer of stream.viewers) viewer.end();
      return;
    }
    const child = spawn(
      options.ffmpegPath,
      ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', cameraFilter(stream.id, view, fps, secondOfDay(clock.now())), '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '8', 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    stream.child = child;
    let pending = Buffer.alloc(0);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // JPEG frames run from SOI (FF D8) to EOI (FF D9); entropy-coded data never contains FF D9.
      for (let end = pending.indexOf(Buffer.from([0xff, 0xd9])); end !== -1; end = pending.indexOf(Buffer.from([0xff, 0xd9]))) {
        const frame = pending.subarray(0, end + 2);
        pending = pending.subarray(end + 2);
        if (stream.view?.tamper === 'frozen_image' && stream.lastFrame) send(stream, stream.lastFrame);
        else {
          stream.lastFrame = Buffer.from(frame);
          send(stream, stream.lastFrame);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => logger.warn({ camera: stream.id, ffmpeg: chunk.toString().trim() }, 'camera encoder'));
    child.once('close', () => {
      if (stream.child === child) stream.child = undefined;
    });
  }

  const server = createServer((request, response) => {
    const match = /^\/cameras\/([^/]+)\/stream\.mjpg$/.exec(request.url?.split('?')[0] ?? '');
    const stream = match ? streams.get(decodeURIComponent(match[1]!)) : undefined;
    if (!stream || request.method !== 'GET') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no such camera' } }));
      return;
    }
    if (options.tamper(stream.id, clock.now()) === 'lost_signal') {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'no_signal', message: 'camera has no signal' } }));
      return;
    }
    response.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, 'cache-control': 'no-store', connection: 'close' });
    stream.viewers.add(response);
    if (stream.lastFrame && stream.view?.tamper === 'frozen_image') send(stream, stream.lastFrame);
    if (!stream.child) startEncoder(stream);
    response.once('close', () => {
      stream.viewers.delete(response);
      if (stream.viewers.size === 0) stopEncoder(stream);
    });
  });

  return {
    get port() {
      return boundPort;
    },
    get encoding() {
      return [...streams.values()].filter((s) => s.child).length;
    },
    url(id) {
      return `http://${options.publicHost ?? host}:${boundPort}/cameras/${encodeURIComponent(id)}/stream.mjpg`;
    },
    refresh(id) {
      const stream = streams.get(id);
      if (!stream || stream.viewers.size === 0) return;
      const view = viewNow(id);
      if (view.tamper === stream.view?.tamper && view.darkness === stream.view?.darkness) return;
      stopEncoder(stream);
      startEncoder(stream);
    },
    start() {
      return new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`camera streams could not listen on ${host}:${options.port ?? 0}: ${error.message}`)));
        server.listen(options.port ?? 0, host, () => {
          boundPort = (server.address() as AddressInfo).port;
          resolve();
        });
      });
    },
    async stop() {
      for (const stream of streams.values()) {
        stopEncoder(stream);
        for (const viewer of stream.viewers) viewer.destroy();
        stream.viewers.clear();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
