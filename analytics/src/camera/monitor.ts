import { listCameraStreamUrls, publishAnomalyEvent, publishDerivedTelemetry, resolveFfmpeg, type AnomalyEvent, type Clock, type Db, type Logger, type MqttClient } from '@ioc/core';
import { grabFrames } from './frame-grabber.ts';
import { CAMERA_MODEL_NAME, loadCameraHealthModel, type CameraHealthModel } from './health-model.ts';
import { createCameraHealthTracker, DEFAULT_CAMERA_HEALTH, type CameraCheck, type CameraHealthOptions } from './health-tracker.ts';

/** The derived series holding each check's anomaly score (0…1) on the camera. */
export const CAMERA_HEALTH_METRIC = 'camera_health_anomaly';

export interface CameraScheduleOptions {
  /** How often each camera is checked, in ms. */
  intervalMs: number;
  /** Checks running at once; 0 turns the monitor off. */
  concurrency: number;
  /** Consecutive frames grabbed per check (at least 2). */
  frames: number;
  /** Longest one grab may take, in ms; a stream that stalls longer counts as a lost signal. */
  timeoutMs: number;
}

export interface CameraMonitorDeps {
  db: Db;
  logger: Logger;
  clock: Clock;
  /** The camera health model (default: models/camera-health.onnx, loaded at start and released at stop). */
  model?: CameraHealthModel;
  /** The ffmpeg that grabs frames (default: found as core's resolveFfmpeg finds it); without one the monitor stays off. */
  ffmpegPath?: string;
  schedule: CameraScheduleOptions;
  health?: CameraHealthOptions;
}

/**
 * Watches every enabled camera that has a stream URL, round-robin: one check every `intervalMs / cameras`, so each
 * camera is checked about once per `intervalMs`, with at most `concurrency` checks at once (each one makes the camera
 * encode while its frames are pulled) and never two of the same camera; a camera whose turn comes while the checks
 * are busy waits for the next free tick. A check grabs a few frames with ffmpeg and judges them (health-tracker.ts);
 * the anomaly score is published as the derived series `camera_health_anomaly` (ioc/v1/derived/{id}/telemetry, stored
 * by ingest) and raised/cleared alarms on ioc/v1/anomalies. The list of cameras is read again at the start of every round.
 */
export function createCameraHealthMonitor(deps: CameraMonitorDeps) {
  const { db, clock, schedule } = deps;
  const logger = deps.logger.child({ part: 'camera-health' });
  const health = deps.health ?? DEFAULT_CAMERA_HEALTH;
  const counts = { cameras: 0, cameraChecks: 0, cameraFramesScored: 0, cameraNoFrames: 0, cameraPublished: 0 };
  let lastError: string | null = null;
  let ffmpegPath: string | undefined;
  let model: CameraHealthModel | undefined;
  let tracker: ReturnType<typeof createCameraHealthTracker> | undefined;
  let client: MqttClient | undefined;
  let queue: { id: string; url: string }[] = [];
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  /** Cameras being checked now: a camera is never checked twice at once (its checks are judged in order). */
  const checking = new Set<string>();

  async function publish(deviceId: string, ts: number, transition: CameraCheck['transitions'][number]): Promise<void> {
    if (!client) return;
    const event: AnomalyEvent = { deviceId, kind: 'camera', metric: 'camera_health', model: CAMERA_MODEL_NAME, threshold: health.threshold, ...transition, ts };
    await publishAnomalyEvent(client, event);
    counts.cameraPublished++;
    logger.info({ deviceId, label: event.label, state: event.state, score: event.score }, 'camera anomaly');
  }

  async function check(camera: { id: string; url: string }): Promise<void> {
    const grab = await grabFrames({ ffmpegPath: ffmpegPath!, url: camera.url, frames: schedule.frames, timeoutMs: schedule.timeoutMs });
    const ts = clock.now();
    const result = await tracker!.check(camera.id, grab);
    counts.cameraChecks++;
    counts.cameraFramesScored += result.framesScored;
    if (!grab.ok) {
      counts.cameraNoFrames++;
      logger.debug({ deviceId: camera.id, reason: grab.reason }, 'camera gave no frames');
    }
    if (client) await publishDerivedTelemetry(client, camera.id, { ts, metrics: { [CAMERA_HEALTH_METRIC]: result.anomaly } });
    for (const transition of result.transitions) await publish(camera.id, ts, transition);
  }

  /** Starts checking cameras, publishing with `mqtt`; stays off (saying why in health) without ffmpeg. */
  async function start(mqtt: MqttClient): Promise<void> {
    if (schedule.concurrency <= 0 || client) return;
    try {
      ffmpegPath = deps.ffmpegPath ?? resolveFfmpeg().path;
    } catch (error) {
      lastError = `cameras are not checked: ${(error as Error).message}`;
      logger.warn(lastError);
      return;
    }
    model = deps.model ?? (await loadCameraHealthModel());
    tracker = createCameraHealthTracker(model, health);
    client = mqtt;
    timer = setTimeout(tick, 0);
  }

  async function tick(): Promise<void> {
    timer = undefined;
    try {
      if (next >= queue.length) {
        queue = await listCameraStreamUrls(db);
        next = 0;
        counts.cameras = queue.length;
      }
      const camera = queue[next];
      if (camera && client && inFlight.size < schedule.concurrency && !checking.has(camera.id)) {
        next++;
        checking.add(camera.id);
        const running: Promise<void> = check(camera)
          .catch((error: Error) => {
            lastError = `${camera.id}: ${error.message}`;
            logger.warn({ err: error, deviceId: camera.id }, 'camera check failed');
          })
          .finally(() => {
            inFlight.delete(running);
            checking.delete(camera.id);
          });
        inFlight.add(running);
      }
    } catch (error) {
      lastError = (error as Error).message;
      logger.warn({ err: error }, 'camera list not read');
    }
    if (client) timer = setTimeout(tick, schedule.intervalMs / Math.max(queue.length, 1));
  }

  return {
    start,
    async stop(): Promise<void> {
      client = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all(inFlight);
      if (!deps.model) await model?.close();
      model = undefined;
    },
    health() {
      return { ...counts, cameraActiveAnomalies: tracker?.active ?? 0, cameraLastError: lastError };
    },
  };
}
