import { systemClock, type Clock, type Db, type Health, type Logger, type MqttClient, type MqttConnect, type Service } from '@ioc/core';
import type { CameraHealthConfig } from '../config.ts';
import type { CameraHealthModel } from './health-model.ts';
import type { CameraHealthOptions } from './health-tracker.ts';
import { createCameraHealthMonitor, type CameraScheduleOptions } from './monitor.ts';

export interface CameraHealthDeps {
  config: CameraHealthConfig;
  logger: Logger;
  /** Read only: the cameras and their stream URLs. */
  db: Db;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** The model (default models/camera-health.onnx, loaded at start and released at stop). */
  model?: CameraHealthModel;
  /** Overrides of config.cameraChecks (and the grab timeout, default 10 s). */
  schedule?: Partial<CameraScheduleOptions>;
  health?: CameraHealthOptions;
  /** The ffmpeg that grabs frames (default: core's resolveFfmpeg). */
  ffmpegPath?: string;
}

export interface CameraHealthService extends Service {
  health(): Health;
}

/**
 * Camera health (`ioc start camera-health`): checks every camera's own stream (monitor.ts) and publishes each check's
 * score as the derived series `camera_health_anomaly` and each raise and clear on ioc/v1/anomalies. It writes no store.
 */
export function createCameraHealthService(deps: CameraHealthDeps): CameraHealthService {
  const logger = deps.logger.child({ service: 'camera-health' });
  const monitor = createCameraHealthMonitor({
    db: deps.db,
    logger,
    clock: deps.clock ?? systemClock,
    model: deps.model,
    ffmpegPath: deps.ffmpegPath,
    schedule: { ...deps.config.cameraChecks, timeoutMs: 10_000, ...deps.schedule },
    health: deps.health,
  });
  let client: MqttClient | undefined;

  return {
    name: 'camera-health',
    async start() {
      if (client) return;
      const connection = await deps.mqttConnect('camera-health');
      connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
      client = connection;
      await monitor.start(connection);
    },
    async stop() {
      if (!client) return;
      const connection = client;
      client = undefined;
      await monitor.stop();
      await connection.endAsync();
    },
    health() {
      const details = monitor.health();
      return { status: !client ? 'down' : !client.connected ? 'degraded' : 'ok', ...details };
    },
  };
}
