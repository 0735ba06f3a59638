/**
 * What the camera health model tells apart, in the order of its `scores` output. Each tampered condition is named
 * as the simulator's tamper that produces it; `lost_signal` is not the model's (no frames): the monitor raises it
 * when a stream gives no frames.
 */
export const CAMERA_MODEL_CLASSES = ['normal', 'covered_lens', 'defocus', 'frozen_image', 'moved_camera', 'overexposed', 'underexposed'] as const;
export type CameraModelClass = (typeof CAMERA_MODEL_CLASSES)[number];
export type CameraCondition = Exclude<CameraModelClass, 'normal'> | 'lost_signal';
export const CAMERA_CONDITIONS: readonly CameraCondition[] = [...CAMERA_MODEL_CLASSES.slice(1), 'lost_signal'] as CameraCondition[];
