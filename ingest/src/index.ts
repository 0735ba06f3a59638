import {
  allDevicesTopic,
  publishComputedTelemetry,
  corkPerTurn,
  createRegistryCache,
  decodeTelemetry,
  ownsDevice,
  partitionedClientId,
  partitionSuffix,
  parseDeviceTopic,
  recordAnomalyEvent,
  pruneDeadLetters,
  recordDeadLetters,
  systemClock,
  type AnomalyEvent,
  type Clock,
  type Db,
  type DeviceKind,
  type Health,
  type Logger,
  type MqttClient,
  type MqttConnect,
  type NewDeadLetter,
  type Service,
  type TelemetryPoint,
  type TelemetryStore,
} from '@ioc/core';
import { join } from 'node:path';
import { createAqiJob } from './aqi-job.ts';
import { createBatcher } from './batcher.ts';
import type { IngestConfig } from './config.ts';
import { deadLetter } from './dead-letter.ts';
import { createHistorySink } from './history.ts';
import { openSpill } from './spill.ts';

export { loadIngestConfig, type IngestConfig } from './config.ts';

export interface IngestDeps {
  config: IngestConfig;
  logger: Logger;
  db: Db;
  telemetry: TelemetryStore;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** Points per TelemetryStore write (default 5000: 1,000 five-metric messages). */
  batchSize?: number;
  /** Longest a reading waits before it is written, in ms (default 100). */
  flushMs?: number;
  /** Readings held in memory while the store is down (default 100,000); half of it starts spilling to disk. */
  maxPending?: number;
  /**
   * MQTT client id of the persistent session (default `svc:ingest/ioc-ingest`; it must start with `svc:ingest/`, the
   * gateway's rule): the broker keeps QoS 1 telemetry for it while ingest restarts. With `config.partition` it
   * gets the partition's suffix (`svc:ingest/ioc-ingest-p1of2`).
   */
  clientId?: string;
}

/** The client id of ingest's persistent session: an account's ids start with its username and '/' (core's client-id.ts). */
const SESSION_CLIENT_ID = 'svc:ingest/ioc-ingest';
/** Readings (and dead letters) held in memory while their store is down; beyond it ingest stops acknowledging MQTT messages. */
const MAX_PENDING = 100_000;
const LOOKUP_RETRY_MAX_MS = 5000;
/**
 * Point writes at once: InfluxDB takes concurrent writes (each an independent HTTP request); SQL transactions
 * that update the same rollup rows would only wait for each other (or deadlock on PostgreSQL).
 */
const WRITE_CONCURRENCY = { influxdb: 4, sql: 1 } as const;
/** How often old telemetry is deleted (SQL store; InfluxDB does it itself). */
const RETENTION_EVERY_MS = 3_600_000;

/**
 * Ingest: subscribes to every device's telemetry (QoS 1), validates it against the device kind's catalogue,
 * and writes it to the TelemetryStore in batches; it is also the one writer of the services' history (history.ts):
 * anomaly events, derived series and the dead letters services report. Anything invalid becomes a dead letter with
 * its reason.
 */
export function createIngestService(deps: IngestDeps): Service {
  const { config, db, telemetry, mqttConnect, clock = systemClock, batchSize = 5000, flushMs = 100 } = deps;
  const { maxPending = MAX_PENDING } = deps;
  // Several ingest processes split the devices between them (core's partition.ts): each has its own session.
  const partition = config.partition;
  const clientId = partition ? partitionedClientId(deps.clientId ?? SESSION_CLIENT_ID, partition) : (deps.clientId ?? SESSION_CLIENT_ID);
  const partitionName = partition && `${partition.index}/${partition.count}`;
  const logger = deps.logger.child({ service: 'ingest', ...(partitionName ? { partition: partitionName } : {}) });
  // Device kinds from the registry on the bus: a PATCH of a device's kind applies to its next message.
  const registry = createRegistryCache({ db, logger });
  const points = createBatcher<TelemetryPoint>({
    what: 'telemetry points',
    write: (batch) => telemetry.write(batch),
    batchSize,
    flushMs,
    maxPending,
    logger,
    spill: openSpill<TelemetryPoint>(join(config.dataDir, 'ingest', `spill${partition ? partitionSuffix(partition) : ''}`)),
    concurrency: WRITE_CONCURRENCY[telemetry.kind],
  });
  const letters = createBatcher<NewDeadLetter>({
    what: 'dead letters',
    write: (batch) => recordDeadLetters(db, batch),
    batchSize,
    flushMs,
    maxPending,
    logger,
  });
  const anomalies = createBatcher<AnomalyEvent>({
    what: 'anomaly events',
    // In order, each once: a redelivered event (or a batch written again after a failure) is not stored twice.
    write: async (batch) => {
      for (const event of batch) await recordAnomalyEvent(db, event);
    },
    batchSize,
    flushMs,
    maxPending,
    logger,
    spill: openSpill<AnomalyEvent>(join(config.dataDir, 'ingest', 'spill-anomalies')),
  });
  const owned = (deviceId: string) => !partition || ownsDevice(partition, deviceId);
  // The services' history (anomalies, derived series, their dead letters) has one writer: worker 1 when partitioned.
  const history = !partition || partition.index === 1 ? createHistorySink({ points, anomalies, letters, kindOf, refuse }) : undefined;
  const aqi = createAqiJob({
    db,
    telemetry,
    clock,
    logger,
    owned,
    publish: (computed) => (client ? publishComputedTelemetry(client, computed) : Promise.reject(new Error('ingest is not connected to the bus'))),
  });
  let client: MqttClient | undefined;
  let retentionTimer: NodeJS.Timeout | undefined;
  let received = 0;
  let deadLetters = 0;
  /** Messages of devices another worker owns (from a broker that does not split them, e.g. Mosquitto). */
  let notOwned = 0;

  function refuse(letter: NewDeadLetter): void {
    deadLetters++;
    logger.debug({ deviceId: letter.deviceId, topic: letter.topic, reason: letter.reason }, 'telemetry refused');
    letters.add(letter);
  }

  /** The device's kind; while the database fails, waits and asks again (holding back further messages). */
  async function kindOf(deviceId: string): Promise<DeviceKind | undefined> {
    const cached = registry.get(deviceId)?.kind;
    if (cached) return cached;
    for (let delay = 100; ; delay = Math.min(delay * 2, LOOKUP_RETRY_MAX_MS)) {
      try {
        return (await registry.lookup(deviceId))?.kind;
      } catch (error) {
        if (!client) throw error;
        logger.error({ err: error, deviceId, retryInMs: delay }, 'device lookup failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  function accept(deviceId: string, kind: DeviceKind | undefined, topic: string, payload: Buffer, receivedAt: number): void {
    if (!kind) return refuse(deadLetter(deviceId, topic, payload, `unknown device "${deviceId}"`, receivedAt));
    const result = decodeTelemetry(deviceId, kind, payload, receivedAt);
    if (!result.ok) return refuse(deadLetter(deviceId, topic, payload, result.reason, receivedAt));
    for (const point of result.points) points.add(point);
  }

  /**
   * Handles one message: synchronously when the device's kind is cached (the hot path), else after the lookup.
   * Nothing a payload holds may throw out of here: an exception would leave the QoS 1 message unacknowledged, the
   * persistent session would redeliver it on every reconnect, and one device could stop ingest for everyone. A bug
   * that throws turns the message into a dead letter naming the error instead.
   */
  function ingest(topic: string, payload: Buffer): Promise<void> | undefined {
    received++;
    const receivedAt = clock.now();
    const failed = (error: unknown) => {
      logger.error({ err: error, topic }, 'telemetry handling failed; kept as a dead letter');
      const deviceId = parseDeviceTopic(topic)?.deviceId ?? null;
      refuse(deadLetter(deviceId, topic, payload, `internal error while decoding: ${(error as Error).message}`, receivedAt));
    };
    try {
      return route(topic, payload, receivedAt)?.catch(failed);
    } catch (error) {
      failed(error);
      return undefined;
    }
  }

  function route(topic: string, payload: Buffer, receivedAt: number): Promise<void> | undefined {
    if (history?.owns(topic)) return history.handle(topic, payload, receivedAt);
    const parsed = parseDeviceTopic(topic);
    if (parsed?.channel !== 'telemetry') {
      refuse(deadLetter(null, topic, payload, `"${topic}" is not a device telemetry topic`, receivedAt));
      return undefined;
    }
    const { deviceId } = parsed;
    if (!owned(deviceId)) {
      notOwned++;
      return undefined;
    }
    const cached = registry.get(deviceId)?.kind;
    if (cached) {
      accept(deviceId, cached, topic, payload, receivedAt);
      return undefined;
    }
    return kindOf(deviceId).then(
      (kind) => accept(deviceId, kind, topic, payload, receivedAt),
      (error: Error) => refuse(deadLetter(deviceId, topic, payload, `device lookup failed: ${error.message}`, receivedAt)),
    );
  }

  async function start(): Promise<void> {
    if (client) return;
    // The PUBACKs of one socket read leave together, in one write, instead of one system call each.
    let connection: MqttClient | undefined;
    const holdAcks = corkPerTurn(() => connection!.stream);
    // A persistent session: while ingest is away (restart, crash) the broker queues its QoS 1 telemetry, and sends it
    // right after CONNACK, so the handler is set before connecting (mqtt.js' default would acknowledge it unstored).
    connection = await mqttConnect('ingest', {
      clientId,
      clean: false,
      // mqtt.js acknowledges a QoS 1 message (and reads the next) only once this callback runs: that is the
      // backpressure that holds messages at the broker while the stores cannot keep up.
      handleMessage: (packet, callback) => {
        if (connection) holdAcks();
        if (registry.owns(packet.topic)) return callback(); // the registry cache took it from the 'message' event
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        const lookup = ingest(packet.topic, payload);
        if (!lookup && !points.full && !letters.full && !anomalies.full) return callback();
        Promise.resolve(lookup)
          .then(() => Promise.all([points.hasRoom(), letters.hasRoom(), anomalies.hasRoom()]))
          .then(() => callback(), callback);
      },
    });
    connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
    connection.on('offline', () => logger.warn('MQTT connection lost; reconnecting'));
    client = connection;
    const applyRetention = () => {
      void telemetry.applyRetention(clock.now()).catch((error: unknown) => logger.error({ err: error }, 'deleting old telemetry failed; retrying in an hour'));
      void pruneDeadLetters(db, { before: config.deadLetters.retentionMs && clock.now() - config.deadLetters.retentionMs, keep: config.deadLetters.max }).then(
        (removed) => removed > 0 && logger.info({ removed }, 'old dead letters deleted (IOC_DEAD_LETTER_RETENTION, IOC_DEAD_LETTERS_MAX)'),
        (error: unknown) => logger.error({ err: error }, 'deleting old dead letters failed; retrying in an hour'),
      );
    };
    // One worker deletes old telemetry and dead letters for all of them.
    if (!partition || partition.index === 1) {
      applyRetention();
      retentionTimer = setInterval(applyRetention, RETENTION_EVERY_MS).unref();
    }
    aqi.start();
    await registry.attach(connection);
    await connection.subscribeAsync([allDevicesTopic('telemetry'), ...(history?.filters ?? [])], { qos: 1 });
    logger.info({ batchSize, flushMs, store: telemetry.kind, clientId, history: history !== undefined }, 'ingest subscribed to device telemetry');
  }

  async function stop(): Promise<void> {
    if (!client) return;
    const connection = client;
    client = undefined;
    clearInterval(retentionTimer);
    aqi.stop();
    registry.detach();
    await connection.endAsync();
    await points.close();
    await letters.close();
    await anomalies.close();
  }

  function health(): Health {
    const failing = points.retrying || letters.retrying || anomalies.retrying;
    return {
      status: !client ? 'down' : failing || !client.connected ? 'degraded' : 'ok',
      received,
      ...(partitionName ? { partition: partitionName, notOwned } : {}),
      written: points.written,
      deadLetters,
      ...(history ? { ...history.counts, anomaliesWritten: anomalies.written } : {}),
      pending: { points: points.pending, spilled: points.spilled, deadLetters: letters.pending, anomalies: anomalies.pending + anomalies.spilled },
      failedWrites: points.failedWrites + letters.failedWrites + anomalies.failedWrites,
      lastError: points.lastError ?? letters.lastError ?? anomalies.lastError ?? null,
    };
  }

  // Each worker is a service of its own on the bus (its health): ingest-p1of2, ingest-p2of2.
  return { name: partition ? `ingest${partitionSuffix(partition)}` : 'ingest', start, stop, health };
}
