/**
 * Analytics benchmark (`npx ioc bench analytics`): the environment model (models/env-novelty.onnx, onnxruntime on one
 * thread) scoring full-length windows in batches, as the analytics service does in steady state, then the rest of the
 * environment detector (analytics/env-pipeline.ts: multivariate model, consensus, judgement), then camera health
 * (analytics/camera.ts). Prints JSON lines; the last one is the summary, with the share of one core that 1,000
 * stations × 7 metrics every 10 s (one novelty window per stream per 2-minute step) and 100 cameras at one frame per
 * second would use.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_DETECTOR_OPTIONS, DEFAULT_STEP_MS, loadNoveltyModel, type NoveltyInput } from '@ioc/analytics';
import { line } from './common.ts';
import { measureCamera } from './analytics/camera.ts';
import { measureEnvPipeline } from './analytics/env-pipeline.ts';

const { values: flags } = parseArgs({
  options: {
    stations: { type: 'string', default: '1000' },
    metrics: { type: 'string', default: '7' },
    'interval-s': { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    cameras: { type: 'string', default: '100' },
    'camera-fps': { type: 'string', default: '1' },
  },
});
const stations = Number(flags.stations);
const metrics = Number(flags.metrics);
const intervalS = Number(flags['interval-s']);
const durationS = Number(flags.duration);
const batch = Number(flags.batch);

/** Daily-cycle-like series with noise, each a little different. */
function inputs(count: number): NoveltyInput[] {
  const { windowSize, historySize } = DEFAULT_DETECTOR_OPTIONS;
  return Array.from({ length: count }, (_, s) => ({
    values: Float32Array.from({ length: windowSize }, (_, i) => 30 + 10 * Math.sin((2 * Math.PI * (i + s * 7)) / 360) + Math.random() * 3),
    pastScores: Float32Array.from({ length: historySize }, () => 0.3 + Math.random() * 0.2),
  }));
}

const model = await loadNoveltyModel();
const work = inputs(batch);
await model.score(work); // warm-up
let windows = 0;
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let nextReport = wallStart + 1000;
while (performance.now() - wallStart < durationS * 1000) {
  await model.score(work);
  windows += batch;
  if (performance.now() >= nextReport) {
    nextReport += 1000;
    line({ elapsed_s: Math.round((performance.now() - wallStart) / 100) / 10, windows });
  }
}
const cpu = process.cpuUsage(cpuStart);
const wallS = (performance.now() - wallStart) / 1000;
await model.close();
const cpuS = (cpu.user + cpu.system) / 1e6;
const windowsPerCpuS = windows / cpuS;
const neededPerS = (stations * metrics) / intervalS;
// A stream is scored once per 2-minute step (its readings' mean), however often it reports.
const windowsNeededPerS = (stations * metrics) / Math.max(intervalS, DEFAULT_STEP_MS / 1000);
const pipeline = await measureEnvPipeline({ stations: 200, durationS: Math.min(durationS, 5) });
const envCoreFraction = windowsNeededPerS / windowsPerCpuS + neededPerS / pipeline.pipeline_readings_per_cpu_s;
const camera = await measureCamera({ cameras: Number(flags.cameras), fps: Number(flags['camera-fps']), durationS: Math.min(durationS, 5) });
line({
  summary: 'analytics',
  env_windows_per_s: Math.round(windows / wallS),
  env_windows_per_cpu_s: Math.round(windowsPerCpuS),
  env_ms_per_window: Math.round((cpuS * 1000 * 1000) / windows) / 1000,
  window_values: DEFAULT_DETECTOR_OPTIONS.windowSize,
  batch,
  stations,
  metrics,
  interval_s: intervalS,
  ...pipeline,
  env_core_fraction: Math.round(envCoreFraction * 1000) / 1000,
  ...camera,
  core_fraction: Math.round((envCoreFraction + camera.camera_core_fraction) * 1000) / 1000,
  meets_target: envCoreFraction + camera.camera_core_fraction < 0.5,
  load_average_1m: loadavg()[0],
});
