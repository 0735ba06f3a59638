import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { CAMERA_MODEL_CLASSES, type CameraModelClass } from './conditions.ts';
import { FRAME_HEIGHT, FRAME_PIXELS, FRAME_WIDTH } from './frame-grabber.ts';

export const CAMERA_HEALTH_MODEL = fileURLToPath(new URL('../../models/camera-health.onnx', import.meta.url));
export const CAMERA_MODEL_NAME = 'camera-health-v1';

/** One frame to judge: the frame, the one before it, and the camera's reference picture (pixels 0…255). */
export interface CameraFramePair {
  current: ArrayLike<number>;
  previous: ArrayLike<number>;
  reference: ArrayLike<number>;
}

export type CameraScores = Record<CameraModelClass, number>;

/** models/camera-health.onnx run by onnxruntime on one thread; the frames given together are scored in one batch. */
export interface CameraHealthModel {
  score(pairs: CameraFramePair[]): Promise<CameraScores[]>;
  close(): Promise<void>;
}

export async function loadCameraHealthModel(path = CAMERA_HEALTH_MODEL): Promise<CameraHealthModel> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const tensor = (pairs: CameraFramePair[], pick: (pair: CameraFramePair) => ArrayLike<number>) => {
    const data = new Float32Array(pairs.length * FRAME_PIXELS);
    pairs.forEach((pair, i) => data.set(pick(pair), i * FRAME_PIXELS));
    return new ort.Tensor('float32', data, [pairs.length, FRAME_HEIGHT, FRAME_WIDTH]);
  };
  return {
    async score(pairs) {
      if (pairs.length === 0) return [];
      const result = await session.run({
        current: tensor(pairs, (p) => p.current),
        previous: tensor(pairs, (p) => p.previous),
        reference: tensor(pairs, (p) => p.reference),
      });
      const scores = result.scores!.data as Float32Array;
      const classes = CAMERA_MODEL_CLASSES.length;
      return pairs.map((_, i) => Object.fromEntries(CAMERA_MODEL_CLASSES.map((name, k) => [name, scores[i * classes + k]!])) as CameraScores);
    },
    close: () => session.release(),
  };
}
