import {
  type AnomalyEvent,
  allDevicesTopic,
  createRegistryCache,
  decodeTelemetry,
  parseDeviceTopic,
  publishAnomalyEvent,
  publishDerivedTelemetry,
  systemClock,
  type Clock,
  type Db,
  type DeviceKind,
  type Health,
  type Logger,
  type MqttClient,
  type MqttConnect,
  type RegistryRecord,
  type Service,
} from '@ioc/core';
import { ENVIRONMENT_KINDS, NOT_SCORED_METRICS } from './env/scored-metrics.ts';
import { createEnvDetector, ENV_MODEL_NAME, type EnvAlarm, type EnvDetector, type EnvDetectorOptions } from './env/env-detector.ts';
import type { HysteresisOptions } from './env/hysteresis.ts';
import { loadNoveltyModel, type NoveltyModel } from './env/novelty-model.ts';
import type { DetectorOptions } from './env/series-detector.ts';
import { loadStationModels, type StationModel } from './env/station-model.ts';

export { ENV_MODEL_NAME };
/** Suffix of the derived series that holds a metric's anomaly likelihood, e.g. pm25_anomaly. */
export const ANOMALY_METRIC_SUFFIX = '_anomaly';

export interface AnalyticsDeps {
  logger: Logger;
  /** Read only: the registry, for devices the bus has not named yet. */
  db: Db;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** The per-stream environment model (default: models/env-novelty.onnx, loaded at start and released at stop). */
  model?: NoveltyModel;
  /** The multivariate station models by kind (default: models/env-station-<kind>.onnx, loaded at start). */
  stationModels?: ReadonlyMap<string, StationModel>;
  detector?: Partial<DetectorOptions>;
  hysteresis?: HysteresisOptions;
  /** Spatial consensus, judgement and dropout options of the environment detector (env/env-detector.ts). */
  env?: Omit<EnvDetectorOptions, 'detector' | 'hysteresis'>;
  /** How often silent stations are checked for dropouts, in ms (default 60 s). */
  silenceCheckMs?: number;
  /** Longest a reading waits before it is scored with the others, in ms (default 200). */
  flushMs?: number;
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
 * Analytics, environment detection: scores every environment metric of every device as it arrives (one streaming
 * detector per device and metric, batched into one ONNX call), publishes each likelihood as the derived series
 * `<metric>_anomaly` on ioc/v1/derived/{id}/telemetry (ingest stores it), and raised/cleared anomaly events on
 * ioc/v1/anomalies with hysteresis. It writes no store.
 */
export function createAnalyticsService(deps: AnalyticsDeps): AnalyticsService {
  const { db, mqttConnect, clock = systemClock, flushMs = 200, silenceCheckMs = 60_000 } = deps;
  const logger = deps.logger.child({ service: 'analytics' });
  // Kinds and places from the registry on the bus: a device moved or re-kinded is scored as it is now.
  const registry = createRegistryCache({ db, logger });
  registry.onChange((_deviceId, record) => place(record));
  let model: NoveltyModel | undefined;
  let stationModels: ReadonlyMap<string, StationModel> | undefined;
  let detector: EnvDetector | undefined;
  let silenceTimer: NodeJS.Timeout | undefined;
  let client: MqttClient | undefined;
  let pending: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let scoring = Promise.resolve();
  const counts = { received: 0, ignored: 0, scored: 0, published: 0 };
  let lastError: string | null = null;

  function place(device: RegistryRecord | null | undefined): void {
    if (device?.lat != null && device.lon != null) detector?.place(device.id, device.kind, { lat: device.lat, lon: device.lon });
  }

  /** The device's kind; a record read from the database on a miss is placed by the registry's change listener. */
  async function kindOf(deviceId: string): Promise<DeviceKind | undefined> {
    return (registry.get(deviceId) ?? (await registry.lookup(deviceId)))?.kind;
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
      const { likelihoods, alarms } = await detector.score([...round.values()]);
      const scored = likelihoods.filter((result) => !result.warmingUp);
      counts.scored += scored.length;
      for (const alarm of alarms) await publish(anomalyEvent(alarm));
      await publishLikelihoods(scored);
    }
  }

  /** One derived message per device and step, holding the likelihood of each of its streams scored at that time. */
  async function publishLikelihoods(scored: readonly { deviceId: string; metric: string; ts: number; likelihood: number }[]): Promise<void> {
    const messages = new Map<string, { deviceId: string; ts: number; metrics: Record<string, number> }>();
    for (const { deviceId, metric, ts, likelihood } of scored) {
      const key = `${deviceId}/${ts}`;
      let message = messages.get(key);
      if (!message) messages.set(key, (message = { deviceId, ts, metrics: {} }));
      message.metrics[`${metric}${ANOMALY_METRIC_SUFFIX}`] = likelihood;
    }
    const connection = client;
    if (!connection) return;
    await Promise.all([...messages.values()].map(({ deviceId, ts, metrics }) => publishDerivedTelemetry(connection, deviceId, { ts, metrics })));
  }

  function anomalyEvent(alarm: EnvAlarm): AnomalyEvent {
    return { ...alarm, kind: alarm.kind as DeviceKind, model: ENV_MODEL_NAME };
  }

  function checkSilence(): void {
    scoring = scoring
      .then(async () => {
        for (const alarm of detector?.checkSilence(clock.now()) ?? []) await publish(anomalyEvent(alarm));
      })
      .catch((error: Error) => {
        lastError = error.message;
        logger.error({ err: error }, 'dropout check failed');
      });
  }

  async function publish(anomaly: AnomalyEvent): Promise<void> {
    if (!client) return;
    await publishAnomalyEvent(client, anomaly);
    counts.published++;
    logger.info({ deviceId: anomaly.deviceId, metric: anomaly.metric, state: anomaly.state, label: anomaly.label, score: anomaly.score }, 'anomaly');
  }

  async function start(): Promise<void> {
    if (client) return;
    model = deps.model ?? (await loadNoveltyModel());
    stationModels = deps.stationModels ?? (await loadStationModels());
    detector = createEnvDetector(model, stationModels, { ...deps.env, detector: deps.detector, hysteresis: deps.hysteresis });
    silenceTimer = setInterval(checkSilence, silenceCheckMs);
    const connection = await mqttConnect('analytics');
    // Async handlers: whatever a payload makes them throw arrives here as a rejection, never out of mqtt.js' event.
    connection.on('message', (topic, payload) => {
      if (registry.owns(topic)) return; // the registry cache has its own listener
      receive(topic, payload).catch((error: Error) => {
        counts.ignored++;
        lastError = error.message;
        logger.warn({ err: error, topic }, 'telemetry not scored');
      });
    });
    connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
    client = connection;
    await registry.attach(connection);
    await connection.subscribeAsync(allDevicesTopic('telemetry'), { qos: 1 });
    logger.info({ model: ENV_MODEL_NAME, threshold: detector.options.detector.threshold }, 'analytics subscribed to device telemetry');
  }

  async function stop(): Promise<void> {
    if (!client) return;
    const connection = client;
    client = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
    clearInterval(silenceTimer);
    pending = [];
    await scoring;
    registry.detach();
    await connection.endAsync();
    if (!deps.model) await model?.close();
    if (!deps.stationModels) for (const stationModel of stationModels?.values() ?? []) await stationModel.close();
    model = undefined;
    stationModels = undefined;
    detector = undefined;
  }

  function health(): Health {
    return {
      status: !client ? 'down' : !client.connected ? 'degraded' : 'ok',
      model: ENV_MODEL_NAME,
      ...counts,
      activeAnomalies: detector?.active ?? 0,
      lastError,
    };
  }

  return { name: 'analytics', start, stop, health };
}
