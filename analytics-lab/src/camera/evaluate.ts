import { resolveFfmpeg } from '@ioc/core';
import { CAMERA_CONDITIONS, type CameraCondition, type CameraHealthModel, createCameraHealthTracker, DEFAULT_CAMERA_HEALTH, loadCameraHealthModel } from '@ioc/analytics';
import { startSimFootage, timeWithDarkness, type SimFootage } from './sim-footage.ts';

export interface CameraEvaluationOptions {
  /** Simulated cameras evaluated (`eval-cam-1`…; the model was trained on other cameras). */
  cameras?: number;
  /** Darkness levels (0 noon … 9 night) at which every tamper is played. */
  darkness?: number[];
  /** Normal checks before the tampers, at each darkness level. */
  normalChecks?: number;
  /** Checks of each tamper (a detection must come within them). */
  tamperChecks?: number;
  /** Normal checks after each tamper (the alarm must clear; a new alarm here is a false alarm). */
  recoveryChecks?: number;
  /** Checks per darkness level of the dusk run (noon to night, all normal). */
  duskChecksPerLevel?: number;
  frames?: number;
  /** Camera time one check stands for, in s: the monitor's interval (IOC_CAMERA_CHECK_INTERVAL_S, default 60). */
  checkIntervalS?: number;
  ffmpegPath?: string;
}

const TAMPERS = CAMERA_CONDITIONS;

/** Area under the ROC curve of scores of positives against negatives (ties count half). */
function auc(positives: number[], negatives: number[]): number {
  if (positives.length === 0 || negatives.length === 0) return NaN;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Plays tampers on the simulator's real camera streams and runs the camera health tracker and model on them, as the
 * monitor does (one check = a few frames grabbed with ffmpeg). At each darkness level, every camera first shows its
 * normal street, then each tamper in turn for `tamperChecks` checks, each followed by `recoveryChecks` normal ones;
 * a dusk run then takes every camera from noon to night. A tamper is detected when its own label is raised within
 * its checks. Every alarm raised on normal footage is a false alarm; the normal footage's camera time is its number
 * of checks × `checkIntervalS`.
 */
export async function evaluateCameraHealth(options: CameraEvaluationOptions = {}) {
  const cameras = Array.from({ length: options.cameras ?? 4 }, (_, i) => `eval-cam-${i + 1}`);
  const darkness = options.darkness ?? [0, 3, 6, 9];
  const normalChecks = options.normalChecks ?? 60;
  const tamperChecks = options.tamperChecks ?? 4;
  const recoveryChecks = options.recoveryChecks ?? 4;
  const duskChecksPerLevel = options.duskChecksPerLevel ?? 3;
  const frames = options.frames ?? 3;
  const checkIntervalS = options.checkIntervalS ?? 60;
  const loaded = await loadCameraHealthModel();
  let modelMs = 0;
  let framesScored = 0;
  const model: CameraHealthModel = {
    async score(pairs) {
      const start = performance.now();
      const scores = await loaded.score(pairs);
      modelMs += performance.now() - start;
      framesScored += pairs.length;
      return scores;
    },
    close: () => loaded.close(),
  };
  const footage: SimFootage = await startSimFootage({ ffmpegPath: options.ffmpegPath ?? resolveFfmpeg().path, cameras });
  const cases = Object.fromEntries(TAMPERS.map((t) => [t, { cases: 0, detected: 0 }])) as Record<CameraCondition, { cases: number; detected: number }>;
  const scores = { normal: [] as number[], tampered: [] as number[] };
  let normalCheckCount = 0;
  let falseAlarms = 0;
  let wrongLabels = 0;
  let notCleared = 0;

  try {
    for (const level of [...darkness, 'dusk' as const]) {
      const tracker = createCameraHealthTracker(model, DEFAULT_CAMERA_HEALTH);
      let step = 0;
      /** One check of every camera (two at a time) at the next simulated minute; returns the labels each raised. */
      const checkAll = async (time: number, tamper: CameraCondition | undefined) => {
        footage.setTime(time);
        for (const camera of cameras) footage.setTamper(camera, tamper);
        const raised = new Map<string, CameraCondition[]>();
        for (let i = 0; i < cameras.length; i += 2) {
          await Promise.all(
            cameras.slice(i, i + 2).map(async (camera) => {
              const result = await tracker.check(camera, await footage.grab(camera, frames));
              (tamper ? scores.tampered : scores.normal).push(result.anomaly);
              raised.set(camera, result.transitions.filter((t) => t.state === 'raised').map((t) => t.label));
            }),
          );
        }
        if (!tamper) normalCheckCount += cameras.length;
        return raised;
      };
      const countFalseAlarms = (raised: Map<string, CameraCondition[]>) => {
        for (const labels of raised.values()) falseAlarms += labels.length;
      };

      if (level === 'dusk') {
        for (let d = 0; d <= 9; d++) for (let k = 0; k < duskChecksPerLevel; k++) countFalseAlarms(await checkAll(timeWithDarkness(d) + k * checkIntervalS * 1000, undefined));
        continue;
      }
      const base = timeWithDarkness(level);
      const next = () => base + step++ * checkIntervalS * 1000;
      for (let k = 0; k < normalChecks; k++) countFalseAlarms(await checkAll(next(), undefined));
      for (const tamper of TAMPERS) {
        const detected = new Set<string>();
        for (let k = 0; k < tamperChecks; k++) {
          for (const [camera, labels] of await checkAll(next(), tamper)) {
            if (labels.includes(tamper)) detected.add(camera);
            wrongLabels += labels.filter((label) => label !== tamper).length;
          }
        }
        cases[tamper].cases += cameras.length;
        cases[tamper].detected += detected.size;
        for (let k = 0; k < recoveryChecks; k++) countFalseAlarms(await checkAll(next(), undefined));
        notCleared += tracker.active;
      }
    }
  } finally {
    await footage.stop();
    await model.close();
  }

  const recall = Object.fromEntries(TAMPERS.map((t) => [t, round(cases[t].detected / cases[t].cases)])) as Record<CameraCondition, number>;
  const normalCameraDays = (normalCheckCount * checkIntervalS) / 86_400;
  return {
    cameras: cameras.length,
    darkness,
    frames_per_check: frames,
    check_interval_s: checkIntervalS,
    tamper_checks: tamperChecks,
    cases_per_tamper: cases[TAMPERS[0]!].cases,
    recall,
    min_recall: Math.min(...Object.values(recall)),
    wrong_labels: wrongLabels,
    not_cleared: notCleared,
    normal_checks: normalCheckCount,
    normal_camera_days: round(normalCameraDays, 4),
    false_alarms: falseAlarms,
    false_alarms_per_camera_day: round(falseAlarms / normalCameraDays, 2),
    /** The highest anomaly score of a normal check: how far normal footage stays from the 0.5 threshold. */
    max_normal_anomaly: round(Math.max(...scores.normal), 4),
    auc: round(auc(scores.tampered, scores.normal), 4),
    ms_per_frame: round(modelMs / framesScored, 4),
    frames_scored: framesScored,
  };
}
