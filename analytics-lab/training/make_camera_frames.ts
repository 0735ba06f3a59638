/**
 * Records the training footage of the camera health model (models/camera-health.onnx) from the simulator's real
 * camera streams: for each training camera and darkness level (noon … night), a few normal checks, then one normal
 * check and two checks of each tamper, each check a few consecutive 64×48 greyscale frames grabbed with ffmpeg as
 * the monitor grabs them. The training cameras are not the ones `npx ioc eval camera` evaluates on.
 *   npx tsx analytics-lab/training/make_camera_frames.ts [OUT_PREFIX]      (default /tmp/camera-frames)
 * writes OUT_PREFIX.frames (the frames, raw bytes one after another) and OUT_PREFIX.json (what each frame shows);
 * analytics-lab/training/make_camera_health.py trains on them.
 */
import { writeFileSync } from 'node:fs';
import { resolveFfmpeg } from '@ioc/core';
import { CAMERA_MODEL_CLASSES, FRAME_HEIGHT, FRAME_WIDTH, type CameraModelClass } from '@ioc/analytics';
import { startSimFootage, timeWithDarkness } from '../src/camera/sim-footage.ts';

const OUT = process.argv[2] ?? '/tmp/camera-frames';
const CAMERAS = ['train-cam-1', 'train-cam-2', 'train-cam-3', 'train-cam-4', 'train-cam-5'];
const DARKNESS = [0, 2, 4, 6, 8, 9];
const NORMAL_CHECKS = 4;
const TAMPER_CHECKS = 2;
const FRAMES = 3;
const CHECK_SPACING_MS = 60_000;

interface Check {
  camera: string;
  darkness: number;
  label: CameraModelClass;
  /** Index of the check's first frame in OUT.frames; its frames follow one another. */
  first: number;
  frames: number;
}

const footage = await startSimFootage({ ffmpegPath: resolveFfmpeg().path, cameras: CAMERAS });
const chunks: Uint8Array[] = [];
const checks: Check[] = [];
try {
  for (const darkness of DARKNESS) {
    // A normal check before each tamper, so that a frozen image repeats a normal picture.
    const tampers = CAMERA_MODEL_CLASSES.slice(1).flatMap((label): CameraModelClass[] => ['normal', ...Array<CameraModelClass>(TAMPER_CHECKS).fill(label)]);
    const plan: CameraModelClass[] = [...Array<CameraModelClass>(NORMAL_CHECKS).fill('normal'), ...tampers];
    for (const [i, label] of plan.entries()) {
      footage.setTime(timeWithDarkness(darkness) + i * CHECK_SPACING_MS);
      for (const camera of CAMERAS) footage.setTamper(camera, label === 'normal' ? undefined : label);
      const grabs = await Promise.all(CAMERAS.map((camera) => footage.grab(camera, FRAMES)));
      grabs.forEach((grab, c) => {
        if (!grab.ok) throw new Error(`${CAMERAS[c]} ${label} at darkness ${darkness}: ${grab.reason}`);
        checks.push({ camera: CAMERAS[c]!, darkness, label, first: chunks.length, frames: FRAMES });
        chunks.push(...grab.frames);
      });
    }
    process.stderr.write(`darkness ${darkness}: ${checks.length} checks\n`);
  }
} finally {
  await footage.stop();
}
writeFileSync(`${OUT}.frames`, Buffer.concat(chunks));
writeFileSync(`${OUT}.json`, JSON.stringify({ width: FRAME_WIDTH, height: FRAME_HEIGHT, checks }));
console.log(JSON.stringify({ out: OUT, checks: checks.length, frames: chunks.length }));
