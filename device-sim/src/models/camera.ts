import type { SimDevice } from '../fleet.ts';
import { hashString, normal, seededRandom } from '../random.ts';
import type { Environment } from './environment.ts';
import { daylight, round1 } from './time.ts';

/** Ways a camera's picture can be tampered with or lost (scenario incidents). */
export const CAMERA_TAMPERS = ['covered_lens', 'defocus', 'frozen_image', 'moved_camera', 'overexposed', 'underexposed', 'lost_signal'] as const;
export type CameraTamper = (typeof CAMERA_TAMPERS)[number];

export const CAMERA_FPS = 10;

/**
 * What a camera reports about its own stream: frame rate and bitrate. A busy daytime picture costs more bits than
 * a dark one; a covered or frozen picture compresses to almost nothing, a defocused or badly exposed one (washed out
 * or nearly black) to less; a lost signal has no frames at all.
 */
export function cameraReading(camera: SimDevice, ts: number, env: Environment, tamper?: CameraTamper): { fps: number; bitrate_kbps: number } {
  if (tamper === 'lost_signal') return { fps: 0, bitrate_kbps: 0 };
  const random = seededRandom(hashString(camera.id) ^ Math.floor(ts / 1000) ^ env.seed);
  const detail =
    tamper === 'covered_lens' ? 0.06
    : tamper === 'frozen_image' ? 0.04
    : tamper === 'defocus' ? 0.35
    : tamper === 'overexposed' || tamper === 'underexposed' ? 0.25
    : 0.55 + 0.45 * daylight(ts);
  const bitrate = 1200 * detail * (1 + 0.05 * normal(random));
  return { fps: round1(CAMERA_FPS + 0.2 * normal(random)), bitrate_kbps: Math.round(bitrate) };
}
