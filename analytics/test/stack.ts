import mqtt, { type MqttClient } from 'mqtt';
import {
  ANOMALIES_TOPIC,
  createDevice,
  createLogger,
  createMqttConnect,
  createPgliteDb,
  createSqlTelemetryStore,
  migrate,
  type AnomalyEvent,
  type ConfigEnv,
  type Db,
  type Logger,
  type MqttConnect,
  type NewDevice,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createIngestService, loadIngestConfig } from '@ioc/ingest';
import { createAnalyticsService, type AnalyticsDeps } from '@ioc/analytics';

const SERVICE_TOKEN = 'analytics-test-service-token-42';

export interface BusStack {
  db: Db;
  /** The variables the stack's services were configured with: a service under test loads its own configuration from them. */
  env: ConfigEnv;
  logger: Logger;
  url: string;
  mqttConnect: MqttConnect;
  gateway: GatewayService;
  /** Where ingest stores what the services publish (derived series). */
  telemetry: TelemetryStore;
  /** Every event published on ioc/v1/anomalies since the stack started. */
  events: AnomalyEvent[];
  /** Registers a device and connects it to the gateway with its own token. */
  device(device: NewDevice): Promise<MqttClient>;
  /** Starts a service of the stack (stopped by stop(), before ingest). */
  run<S extends Service>(service: S): Promise<S>;
  stop(): Promise<void>;
}

/**
 * A real gateway and ingest (the history sink) on PGlite with the SQL telemetry store, and a service listener
 * collecting anomaly events: what a service under test publishes is stored as in production.
 */
export async function startBusStack(): Promise<BusStack> {
  const dir = tempDir();
  const db = await createPgliteDb();
  await migrate(db);
  const env = { IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_LOG_LEVEL: 'silent' };
  const logger = createLogger({ level: 'silent' });
  const gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
  await gateway.start();
  const url = `mqtt://127.0.0.1:${gateway.port}`;
  const mqttConnect = createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN });
  const telemetry = createSqlTelemetryStore(db);
  const ingest = createIngestService({ config: loadIngestConfig(env), logger, db, telemetry, mqttConnect, flushMs: 20 });
  await ingest.start();
  const events: AnomalyEvent[] = [];
  const listener = await mqtt.connectAsync(url, { clientId: 'svc:analytics-test', username: 'svc:analytics-test', password: SERVICE_TOKEN, reconnectPeriod: 0 });
  listener.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString()) as AnomalyEvent));
  await listener.subscribeAsync(ANOMALIES_TOPIC, { qos: 1 });
  const clients: MqttClient[] = [listener];
  const services: Service[] = [];

  return {
    db,
    env,
    logger,
    url,
    mqttConnect,
    gateway,
    telemetry,
    events,
    async device(device) {
      const { token } = await createDevice(db, device);
      const client = await mqtt.connectAsync(url, { clientId: device.id, username: device.id, password: token, reconnectPeriod: 0 });
      clients.push(client);
      return client;
    },
    async run(service) {
      await service.start();
      services.push(service);
      return service;
    },
    async stop() {
      for (const client of clients) await client.endAsync();
      for (const service of services.reverse()) await service.stop();
      await ingest.stop();
      await gateway.stop();
      await telemetry.close();
      await db.close();
      dir.remove();
    },
  };
}

export interface AnalyticsStack extends BusStack {
  analytics: ReturnType<typeof createAnalyticsService>;
}

/**
 * The bus stack with the analytics service tuned for short test series (40 values to learn, clears after 10 calm
 * scores). `options` override the service's.
 */
export async function startAnalyticsStack(options: Partial<AnalyticsDeps> = {}): Promise<AnalyticsStack> {
  const stack = await startBusStack();
  const { logger, db, mqttConnect } = stack;
  const analytics = await stack.run(
    createAnalyticsService({
      logger,
      db,
      mqttConnect,
      detector: { minValues: 40, minScores: 20 },
      hysteresis: { clearBelow: 0.9, clearAfter: 10 },
      // The suites publish a reading a minute: one novelty step each (a reading closes the minute before it).
      env: { stepMs: 60_000 },
      flushMs: 20,
      ...options,
    }),
  );
  return Object.assign(stack, { analytics });
}
