import { createHysteresis } from '../env/hysteresis.ts';
import { CAMERA_CONDITIONS, type CameraCondition, type CameraModelClass } from './conditions.ts';
import type { Grab } from './frame-grabber.ts';
import type { CameraHealthModel } from './health-model.ts';

export interface CameraHealthOptions {
  /** A check detects a condition whose mean probability over its frames reaches this. */
  threshold: number;
  /** Consecutive checks that must detect a condition before it is raised. */
  raiseAfter: number;
  /** Consecutive checks below the threshold before a raised condition is cleared. */
  clearAfter: number;
  /** Weight of a normal check's picture in the camera's reference (an exponential moving average). */
  referenceRate: number;
}

export const DEFAULT_CAMERA_HEALTH: CameraHealthOptions = { threshold: 0.5, raiseAfter: 2, clearAfter: 2, referenceRate: 0.2 };

export interface CameraTransition {
  label: CameraCondition;
  state: 'raised' | 'cleared';
  score: number;
}

export interface CameraCheck {
  /** Mean probability of each condition over the check's frames; lost_signal is 1 when the stream gave none. */
  scores: Record<CameraCondition, number>;
  /** How unlike a healthy picture the check was, 0…1 (1 − probability of normal; 1 for a lost signal). */
  anomaly: number;
  /** The condition this check found, if any. */
  detected?: CameraCondition;
  transitions: CameraTransition[];
  framesScored: number;
}

interface CameraState {
  reference?: Float32Array;
  streaks: Map<CameraCondition, number>;
  active: Set<CameraCondition>;
}

/**
 * Judges each check of a camera (a few consecutive frames, or the reason there were none): scores every frame
 * against the one before it and the camera's reference picture with the camera health model, and raises and clears
 * one alarm per condition with hysteresis (raised after `raiseAfter` detecting checks in a row, cleared after
 * `clearAfter` calm ones). The reference starts as the camera's first picture and follows normal checks slowly, so
 * dusk and dawn are not scene changes; it is frozen while the camera has an alarm.
 */
export function createCameraHealthTracker(model: CameraHealthModel, options: CameraHealthOptions = DEFAULT_CAMERA_HEALTH) {
  const cameras = new Map<string, CameraState>();
  const hysteresis = createHysteresis({ clearBelow: options.threshold, clearAfter: options.clearAfter });

  async function judge(state: CameraState, frames: Uint8Array[]): Promise<{ scores: CameraCheck['scores']; anomaly: number; picture: Float32Array }> {
    const picture = new Float32Array(frames[0]!.length);
    for (const frame of frames) frame.forEach((value, i) => (picture[i]! += value / frames.length));
    state.reference ??= picture.slice();
    const reference = state.reference;
    const perFrame = await model.score(frames.slice(1).map((current, k) => ({ current, previous: frames[k]!, reference })));
    const mean = (name: CameraModelClass) => perFrame.reduce((sum, s) => sum + s[name], 0) / perFrame.length;
    const scores = Object.fromEntries(CAMERA_CONDITIONS.map((c) => [c, c === 'lost_signal' ? 0 : mean(c)])) as CameraCheck['scores'];
    return { scores, anomaly: 1 - mean('normal'), picture };
  }

  return {
    async check(camera: string, grab: Grab): Promise<CameraCheck> {
      const state: CameraState = cameras.get(camera) ?? { streaks: new Map(), active: new Set() };
      cameras.set(camera, state);
      const frames = grab.ok ? grab.frames : [];
      const judged = frames.length >= 2 ? await judge(state, frames) : undefined;
      const scores = judged?.scores ?? (Object.fromEntries(CAMERA_CONDITIONS.map((c) => [c, c === 'lost_signal' ? 1 : 0])) as CameraCheck['scores']);
      const best = CAMERA_CONDITIONS.reduce((a, b) => (scores[b] > scores[a] ? b : a));
      const detected = scores[best] >= options.threshold ? best : undefined;
      const transitions: CameraTransition[] = [];
      for (const condition of CAMERA_CONDITIONS) {
        const streak = condition === detected ? (state.streaks.get(condition) ?? 0) + 1 : 0;
        state.streaks.set(condition, streak);
        const change = hysteresis.update(`${camera}/${condition}`, streak >= options.raiseAfter, scores[condition]);
        if (change === 'raised') state.active.add(condition);
        if (change === 'cleared') state.active.delete(condition);
        if (change) transitions.push({ label: condition, state: change, score: scores[condition] });
      }
      if (judged && !detected && state.active.size === 0) {
        const rate = options.referenceRate;
        judged.picture.forEach((value, i) => (state.reference![i] = (1 - rate) * state.reference![i]! + rate * value));
      }
      return { scores, anomaly: judged?.anomaly ?? 1, detected, transitions, framesScored: judged ? frames.length - 1 : 0 };
    },
    /** Alarms raised and not yet cleared, over all cameras. */
    get active(): number {
      return hysteresis.active;
    },
  };
}
