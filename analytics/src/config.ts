import { ConfigError, loadCommonConfig, readCount, type CommonConfig, type ConfigEnv } from '@ioc/core';

/** Camera health's configuration (`ioc start camera-health`): how it checks the cameras, with the common settings. */
export interface CameraHealthConfig extends CommonConfig {
  cameraChecks: CameraCheckConfig;
}

export interface CameraCheckConfig {
  /** How often each camera is checked, in ms. */
  intervalMs: number;
  /** Checks running at once (each makes its camera encode while frames are pulled); 0 = cameras are not checked. */
  concurrency: number;
  /** Consecutive frames grabbed per check (at least 2). */
  frames: number;
}

function cameraChecks(env: ConfigEnv): CameraCheckConfig {
  const intervalS = readCount(env, 'IOC_CAMERA_CHECK_INTERVAL_S', 60);
  if (intervalS < 1) throw new ConfigError('IOC_CAMERA_CHECK_INTERVAL_S', 'must be at least 1 (seconds)');
  const frames = readCount(env, 'IOC_CAMERA_CHECK_FRAMES', 3);
  if (frames < 2) throw new ConfigError('IOC_CAMERA_CHECK_FRAMES', 'must be at least 2 (a frame is judged against the one before it)');
  return { intervalMs: intervalS * 1000, concurrency: readCount(env, 'IOC_CAMERA_CHECKS_AT_ONCE', 1), frames };
}

/** Reads and validates camera health's configuration; throws ConfigError on the first bad variable. */
export function loadCameraHealthConfig(env: ConfigEnv = process.env): CameraHealthConfig {
  return { ...loadCommonConfig(env), cameraChecks: cameraChecks(env) };
}
