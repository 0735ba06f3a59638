import {
  ANOMALIES_TOPIC,
  allDevicesTopic,
  decodeTelemetry,
  getDevice,
  parseDeviceTopic,
  systemClock,
  type Clock,
  type Db,
  type DeviceKind,
  type Health,
  type IocConfig,
  type Logger,
  type MqttClient,
  type MqttConnect,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { ENVIRONMENT_KINDS, NOT_SCORED_METRICS } from './env/scored-metrics.ts';
import { createFrigateAdapter } from './frigate/adapter.ts';
import type { CameraHealthModel } from './camera/health-model.ts';
import type { CameraHealthOptions } from './camera/health-tracker.ts';
import { createCameraHealthMonitor, type CameraScheduleOptions } from './camera/monitor.ts';
import { createHysteresis, DEFAULT_HYSTERESIS, type HysteresisOptions } from './env/hysteresis.ts';
import { loadNoveltyModel, type NoveltyModel } from './env/novelty-model.ts';
import { createSpatialContext, DEFAULT_SPATIAL, type AnomalyLabel, type SpatialOptions } from './env/spatial.ts';
import { createSeriesDetector, type DetectorOptions, type SeriesScore } from './env/series-detector.ts';

export const ENV_MODEL_NAME = 'env-novelty-v1';
/** Suffix of the telemetry metric that stores a metric's anomaly likelihood, e.g. pm25_anomaly. */
export const ANOMALY_METRIC_SUFFIX = '_anomaly';

export interface AnomalyEvent {
  deviceId: string;
  kind: DeviceKind;
  metric: string;
  model: string;
  score: number;
  threshold: number;
  /** episode: neighbours move together; sensor_fault: this station alone; anomaly: no neighbours to tell. */
  label: AnomalyLabel;
  state: 'raised' | 'cleared';
  ts: number;
}

export interface AnalyticsDeps {
  config: IocConfig;
  logger: Logger;
  db: Db;
  telemetry: TelemetryStore;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** The environment model (default: models/env-novelty.onnx, loaded at start and released at stop). */
  model?: NoveltyModel;
  detector?: Partial<DetectorOptions>;
  hysteresis?: HysteresisOptions;
  spatial?: SpatialOptions;
  /** Longest a reading waits before it is scored with the others, in ms (default 200). */
  flushMs?: number;
  /** Topic root of a Frigate NVR publishing on this broker (default `frigate`). */
  frigatePrefix?: string;
  /** Camera health (camera/monitor.ts): the model (default models/camera-health.onnx), schedule overrides of
   * config.cameraChecks, alarm options, and the ffmpeg that grabs frames. */
  cameraModel?: CameraHealthModel;
  cameraSchedule?: Partial<CameraScheduleOptions>;
  cameraHealth?: CameraHealthOptions;
  ffmpegPath?: string;
}

export interface AnalyticsService extends Service {
  health(): Health;
}

interface Sample {
  deviceId: string;
  kind: DeviceKind;
  metric: string;
  ts: number;
  value: number;
}

/**
 * Analytics: brings in a Frigate NVR's detections and camera status (frigate/adapter.ts), checks the cameras'
 * own streams for tampering (camera/monitor.ts), and scores every
 * environment metric of every device as it arrives (one streaming detector per device and
 * metric, batched into one ONNX call), stores each likelihood as telemetry `<metric>_anomaly`, and publishes
 * raised/cleared anomaly events on ioc/v1/anomalies with hysteresis.
 */
export function createAnalyticsService(deps: AnalyticsDeps): AnalyticsService {
  const { db, telemetry, mqttConnect, clock = systemClock, flushMs = 200 } = deps;
  const logger = deps.logger.child({ service: 'analytics' });
  const kinds = new Map<string, DeviceKind>();
  /** The label each active alarm was raised with; its clear event repeats it. */
  const labels = new Map<string, AnomalyLabel>();
  const hysteresis = createHysteresis(deps.hysteresis ?? DEFAULT_HYSTERESIS);
  const spatial = createSpatialContext(deps.spatial ?? DEFAULT_SPATIAL);
  const frigate = createFrigateAdapter({ db, logger, clock, prefix: deps.frigatePrefix });
  const cameras = createCameraHealthMonitor({
    db,
    telemetry,
    logger,
    clock,
    model: deps.cameraModel,
    ffmpegPath: deps.ffmpegPath,
    schedule: { ...deps.config.cameraChecks, timeoutMs: 10_000, ...deps.cameraSchedule },
    health: deps.cameraHealth,
  });
  let model: NoveltyModel | undefined;
  let detector: ReturnType<typeof createSeriesDetector> | undefined;
  let client: MqttClient | undefined;
  let pending: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let scoring = Promise.resolve();
  const counts = { received: 0, ignored: 0, scored: 0, published: 0 };
  let lastError: string | null = null;

  async function kindOf(deviceId: string): Promise<DeviceKind | undefined> {
    const cached = kinds.get(deviceId);
    if (cached) return cached;
    const device = await getDevice(db, deviceId);
    if (device) kinds.set(deviceId, device.kind);
    if (device?.lat != null && device.lon != null) spatial.place(deviceId, { lat: device.lat, lon: device.lon });
    return device?.kind;
  }

  /** Invalid or unknown telemetry is ingest's to dead-letter; here it is counted and skipped. */
  async function receive(topic: string, payload: Buffer): Promise<void> {
    counts.received++;
    const parsed = parseDeviceTopic(topic);
    const kind = parsed ? await kindOf(parsed.deviceId) : undefined;
    if (!parsed || !kind) return void counts.ignored++;
    if (!ENVIRONMENT_KINDS.includes(kind)) return;
    const result = decodeTelemetry(parsed.deviceId, kind, payload, clock.now());
    if (!result.ok) return void counts.ignored++;
    for (const point of result.points) if (!NOT_SCORED_METRICS.includes(point.metric)) pending.push({ ...point, kind });
    timer ??= setTimeout(flush, flushMs);
  }

  function flush(): void {
    timer = undefined;
    const batch = pending;
    pending = [];
    scoring = scoring.then(() => score(batch)).catch((error: Error) => {
      lastError = error.message;
      logger.error({ err: error }, 'scoring failed');
    });
  }

  /** Scores a batch in rounds that hold each series at most once, oldest reading first. */
  async function score(batch: Sample[]): Promise<void> {
    if (!detector) return;
    let rest = [...batch].sort((a, b) => a.ts - b.ts);
    while (rest.length > 0) {
      const round = new Map<string, Sample>();
      const later: Sample[] = [];
      for (const sample of rest) {
        const key = `${sample.deviceId}/${sample.metric}`;
        if (round.has(key)) later.push(sample);
        else round.set(key, sample);
      }
      rest = later;
      const results = await detector.push([...round].map(([key, sample]) => ({ key, value: sample.value })));
      const scored = results.filter((result) => !result.warmingUp);
      counts.scored += scored.length;
      for (const result of scored) {
        const sample = round.get(result.key)!;
        spatial.record(sample.deviceId, sample.metric, sample.ts, result.likelihood);
      }
      for (const result of scored) await transition(round.get(result.key)!, result);
      await publishDecidedRaises();
      if (scored.length > 0) {
        await telemetry.write(
          scored.map((result) => {
            const sample = round.get(result.key)!;
            return { deviceId: sample.deviceId, metric: `${sample.metric}${ANOMALY_METRIC_SUFFIX}`, ts: sample.ts, value: result.likelihood };
          }),
        );
      }
    }
  }

  /** Raised alarms waiting for their neighbours' readings of the same time before they are labelled. */
  const undecided = new Map<string, AnomalyEvent>();

  function event(sample: Sample, score: number, state: AnomalyEvent['state'], label: AnomalyLabel): AnomalyEvent {
    return {
      deviceId: sample.deviceId,
      kind: sample.kind,
      metric: sample.metric,
      model: ENV_MODEL_NAME,
      score,
      threshold: detector!.options.threshold,
      label,
      state,
      ts: sample.ts,
    };
  }

  async function transition(sample: Sample, result: SeriesScore): Promise<void> {
    const change = hysteresis.update(result.key, result.detection, result.likelihood);
    if (change === 'raised') undecided.set(result.key, event(sample, result.likelihood, 'raised', 'anomaly'));
    if (change !== 'cleared') return;
    await publishDecidedRaises(result.key);
    await publish(event(sample, result.likelihood, 'cleared', labels.get(result.key) ?? 'anomaly'));
    labels.delete(result.key);
  }

  /** Publishes the raised alarms whose label can now be decided (and the one given, whatever its neighbours). */
  async function publishDecidedRaises(force?: string): Promise<void> {
    for (const [key, raised] of undecided) {
      if (key !== force && !spatial.decidable(raised.deviceId, raised.metric, raised.ts)) continue;
      undecided.delete(key);
      raised.label = spatial.label(raised.deviceId, raised.metric, raised.ts);
      labels.set(key, raised.label);
      await publish(raised);
    }
  }

  async function publish(anomaly: AnomalyEvent): Promise<void> {
    if (!client) return;
    await client.publishAsync(ANOMALIES_TOPIC, JSON.stringify(anomaly), { qos: 1 });
    counts.published++;
    logger.info({ deviceId: anomaly.deviceId, metric: anomaly.metric, state: anomaly.state, label: anomaly.label, score: anomaly.score }, 'anomaly');
  }

  async function start(): Promise<void> {
    if (client) return;
    model = deps.model ?? (await loadNoveltyModel());
    detector = createSeriesDetector(model, deps.detector);
    const connection = await mqttConnect('analytics');
    connection.on('message', (topic, payload) => {
      const handled = frigate.owns(topic) ? frigate.handle(connection, topic, payload) : receive(topic, payload);
      handled.catch((error: Error) => {
        counts.ignored++;
        lastError = error.message;
        logger.warn({ err: error, topic }, 'telemetry not scored');
      });
    });
    connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
    client = connection;
    await connection.subscribeAsync([allDevicesTopic('telemetry'), frigate.filter], { qos: 1 });
    await cameras.start(connection);
    logger.info({ model: ENV_MODEL_NAME, threshold: detector.options.threshold }, 'analytics subscribed to device telemetry');
  }

  async function stop(): Promise<void> {
    if (!client) return;
    const connection = client;
    client = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
    pending = [];
    await cameras.stop();
    await scoring;
    await connection.endAsync();
    if (!deps.model) await model?.close();
    model = undefined;
    detector = undefined;
  }

  function health(): Health {
    return {
      status: !client ? 'down' : !client.connected ? 'degraded' : 'ok',
      model: ENV_MODEL_NAME,
      ...counts,
      ...frigate.counts,
      ...cameras.health(),
      activeAnomalies: hysteresis.active,
      lastError,
    };
  }

  return { name: 'analytics', start, stop, health };
}
