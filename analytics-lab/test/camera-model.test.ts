import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '@ioc/core/testing';
import { CAMERA_MODEL_CLASSES, loadCameraHealthModel, type CameraHealthModel, type CameraModelClass } from '@ioc/analytics';
import { startSimFootage, timeWithDarkness, type SimFootage } from '@ioc/analytics-lab';

const ffmpeg = requireBinary('ffmpeg', 'ffmpeg');
const CAMERA = 'model-test-cam'; // not one of the training cameras

describe.skipIf(!ffmpeg)('camera health model on the simulator’s streams', () => {
  let footage: SimFootage;
  let model: CameraHealthModel;

  beforeAll(async () => {
    footage = await startSimFootage({ ffmpegPath: ffmpeg!, cameras: [CAMERA] });
    model = await loadCameraHealthModel();
  });
  afterAll(async () => {
    await footage?.stop();
    await model?.close();
  });

  async function frames(): Promise<Uint8Array[]> {
    const grab = await footage.grab(CAMERA, 3);
    if (!grab.ok) throw new Error(grab.reason);
    return grab.frames;
  }

  /** The class with the highest mean probability over a check's frames, and that probability. */
  async function verdict(check: Uint8Array[], reference: Float32Array): Promise<[CameraModelClass, number]> {
    const scores = await model.score(check.slice(1).map((current, k) => ({ current, previous: check[k]!, reference })));
    const mean = CAMERA_MODEL_CLASSES.map((name) => scores.reduce((sum, s) => sum + s[name], 0) / scores.length);
    const best = mean.indexOf(Math.max(...mean));
    return [CAMERA_MODEL_CLASSES[best]!, mean[best]!];
  }

  it.each([
    ['by day', 0],
    ['at night', 9],
  ])('tells each tamper from the normal picture %s', async (_when, darkness) => {
    footage.setTime(timeWithDarkness(darkness));
    footage.setTamper(CAMERA, undefined);
    const normal = [...(await frames()), ...(await frames())];
    const reference = new Float32Array(normal[0]!.length);
    for (const frame of normal) frame.forEach((v, i) => (reference[i]! += v / normal.length));

    const verdicts: Record<string, [CameraModelClass, number]> = {};
    for (const tamper of CAMERA_MODEL_CLASSES) {
      footage.setTamper(CAMERA, undefined);
      await frames(); // the picture a frozen image repeats
      footage.setTamper(CAMERA, tamper === 'normal' ? undefined : tamper);
      verdicts[tamper] = await verdict(await frames(), reference);
    }
    for (const tamper of CAMERA_MODEL_CLASSES) {
      expect(verdicts[tamper]![0], `${tamper}: ${JSON.stringify(verdicts)}`).toBe(tamper);
      expect(verdicts[tamper]![1]).toBeGreaterThan(0.5);
    }
  });
});
