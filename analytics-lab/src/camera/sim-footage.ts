import { createLogger, type Logger } from '@ioc/core';
import { createCameraStreams, HOUR_MS, type CameraTamper } from '@ioc/device-sim';
import { grabFrames, type Grab } from '@ioc/analytics';

/** A simulated time in Huế whose daylight gives the simulator's darkness level `darkness` (morning side). */
export function timeWithDarkness(darkness: number): number {
  const daylight = 1 - darkness / 9;
  const localHour = 6 + (12 / Math.PI) * Math.asin(daylight);
  return Date.UTC(2026, 2, 2) + (localHour - 7) * HOUR_MS;
}

export interface SimFootage {
  /** Sets the simulated time (shared by the cameras): it decides how dark the scene is and where the vehicles are. */
  setTime(ts: number): void;
  setTamper(camera: string, tamper: CameraTamper | undefined): void;
  /** Grabs frames of a camera's real MJPEG stream, as the camera health monitor does. */
  grab(camera: string, frames: number): Promise<Grab>;
  url(camera: string): string;
  stop(): Promise<void>;
}

/**
 * The simulator's camera streams (device-sim createCameraStreams: ffmpeg-rendered MJPEG over HTTP, encoded only
 * while watched) under a clock and tampers set by the caller: the footage the camera health model is trained and
 * evaluated on.
 */
export async function startSimFootage(options: { ffmpegPath: string; cameras: readonly string[]; logger?: Logger }): Promise<SimFootage> {
  let now = timeWithDarkness(0);
  const tampers = new Map<string, CameraTamper>();
  const streams = createCameraStreams({
    ffmpegPath: options.ffmpegPath,
    clock: { now: () => now },
    logger: options.logger ?? createLogger({ level: 'warn' }),
    cameras: options.cameras,
    tamper: (id) => tampers.get(id),
  });
  await streams.start();
  return {
    setTime(ts) {
      now = ts;
    },
    setTamper(camera, tamper) {
      if (tamper) tampers.set(camera, tamper);
      else tampers.delete(camera);
    },
    grab: (camera, frames) => grabFrames({ ffmpegPath: options.ffmpegPath, url: streams.url(camera), frames }),
    url: (camera) => streams.url(camera),
    stop: () => streams.stop(),
  };
}
