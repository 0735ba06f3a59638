/**
 * The camera part of `npx ioc bench analytics`: what camera health costs on one core. Three measures:
 * - the model (models/camera-health.onnx, onnxruntime on one thread) scoring frames as the monitor does, one call
 *   per check of 3 frames (2 frames judged, each against the one before it and the reference);
 * - ffmpeg decoding the simulator's MJPEG into small greyscale frames, one ffmpeg reading many frames (what a
 *   camera watched continuously at 1 fps costs), measured as the CPU time of the ffmpeg child;
 * - one whole check as the monitor runs it by default (a new ffmpeg, its start-up and 3 frames).
 * The camera's own encoding (the simulator's ffmpeg) is not the IOC's cost and is done beforehand into a file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFfmpeg } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { cameraFilter } from '@ioc/device-sim';
import { grabFrames, loadCameraHealthModel, type CameraFramePair } from '@ioc/analytics';

/** CPU seconds used by this process's finished children (Linux /proc, clock ticks of 10 ms). */
function childrenCpuS(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

export async function measureCamera(options: { cameras: number; fps: number; durationS: number }) {
  const ffmpegPath = resolveFfmpeg().path;
  const dir = tempDir('ioc-bench-camera-');
  const video = join(dir.path, 'street.mjpeg');
  const frames = 600;
  const encoded = spawnSync(ffmpegPath, ['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', cameraFilter('bench-cam', { darkness: 0 }, 10), '-frames:v', String(frames), '-c:v', 'mjpeg', '-q:v', '8', '-f', 'mjpeg', video]);
  if (encoded.status !== 0) throw new Error(`could not render the simulator's street: ${encoded.stderr.toString()}`);

  const decodeStart = childrenCpuS();
  const decoded = await grabFrames({ ffmpegPath, url: video, frames });
  const decodeMsPerFrame = ((childrenCpuS() - decodeStart) * 1000) / frames;
  if (!decoded.ok) throw new Error(`could not decode the simulator's street: ${decoded.reason}`);

  const checks = 10;
  const checkStart = childrenCpuS();
  for (let i = 0; i < checks; i++) await grabFrames({ ffmpegPath, url: video, frames: 3 });
  const checkCpuMs = ((childrenCpuS() - checkStart) * 1000) / checks;
  dir.remove();

  const model = await loadCameraHealthModel();
  const reference = Float32Array.from(decoded.frames[0]!);
  const checkPairs = (i: number): CameraFramePair[] => [1, 2].map((k) => ({ current: decoded.frames[(i + k) % frames]!, previous: decoded.frames[(i + k - 1) % frames]!, reference }));
  await model.score(checkPairs(0)); // warm-up
  let scored = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; performance.now() - wallStart < options.durationS * 1000; i++) {
    await model.score(checkPairs(i));
    scored += 2;
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallS = (performance.now() - wallStart) / 1000;
  await model.close();
  const modelMsPerFrame = (cpu.user + cpu.system) / 1000 / scored;
  const framesPerS = options.cameras * options.fps;
  return {
    camera_frames_per_s: Math.round(scored / wallS),
    camera_ms_per_frame: Math.round(modelMsPerFrame * 1000) / 1000,
    camera_decode_ms_per_frame: Math.round(decodeMsPerFrame * 1000) / 1000,
    camera_check_cpu_ms: Math.round(checkCpuMs * 10) / 10,
    cameras: options.cameras,
    camera_fps: options.fps,
    camera_core_fraction: Math.round(((framesPerS * (modelMsPerFrame + decodeMsPerFrame)) / 1000) * 1000) / 1000,
  };
}
