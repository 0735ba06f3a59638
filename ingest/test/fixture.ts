import mqtt, { type MqttClient } from 'mqtt';
import {
  clientIdOf,
  createDevice,
  createLogger,
  createMqttConnect,
  createPgliteDb,
  createSqlTelemetryStore,
  migrate,
  type Db,
  type Logger,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createIngestService, loadIngestConfig, type IngestConfig, type IngestDeps } from '@ioc/ingest';

const SERVICE_TOKEN = 'ingest-test-service-token-42';

/** A real gateway on an ephemeral port and an ingest service behind it, on an in-memory PGlite. */
export interface IngestFixture {
  db: Db;
  /** Ingest's. */
  config: IngestConfig;
  logger: Logger;
  gateway: GatewayService;
  telemetry: TelemetryStore;
  ingest: Service;
  url: string;
  /**
   * Stops ingest and starts a new one on the same data directory and MQTT client id (a process restart),
   * running `whileStopped` in between.
   */
  restartIngest(whileStopped?: () => Promise<void>): Promise<void>;
  /** Registers an air station and returns an MQTT connection logged in as it. */
  device(id: string): Promise<MqttClient>;
  /** A service connection (services may publish anywhere under ioc/, e.g. for devices that do not exist). */
  service(): Promise<MqttClient>;
  close(): Promise<void>;
}

/**
 * `openStore` picks the TelemetryStore (default: the SQL adapter on the same PGlite); `options` tune ingest
 * (e.g. a small maxPending to make it spill).
 */
export async function startIngestFixture(
  openStore: (db: Db) => Promise<TelemetryStore> | TelemetryStore = createSqlTelemetryStore,
  options: Pick<IngestDeps, 'maxPending' | 'batchSize'> = {},
): Promise<IngestFixture> {
  const dir = tempDir();
  const db = await createPgliteDb();
  await migrate(db);
  const env = { IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_LOG_LEVEL: 'silent' };
  const config = loadIngestConfig(env);
  const logger = createLogger({ level: 'silent' });
  const gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db });
  await gateway.start();
  const url = `mqtt://127.0.0.1:${gateway.port}`;
  const mqttConnect = createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN });
  const telemetry = await openStore(db);
  const newIngest = () => createIngestService({ config, logger, db, telemetry, mqttConnect, flushMs: 20, ...options });
  let ingest = newIngest();
  await ingest.start();
  const clients: MqttClient[] = [];
  const track = (client: MqttClient) => (clients.push(client), client);
  return {
    db,
    config,
    logger,
    gateway,
    telemetry,
    get ingest() {
      return ingest;
    },
    url,
    async restartIngest(whileStopped) {
      await ingest.stop();
      await whileStopped?.();
      ingest = newIngest();
      await ingest.start();
    },
    async device(id) {
      const { token } = await createDevice(db, { id, kind: 'air' });
      return track(await mqtt.connectAsync(url, { clientId: id, username: id, password: token, reconnectPeriod: 0 }));
    },
    async service() {
      return track(await mqtt.connectAsync(url, { clientId: clientIdOf('svc:ingest-test', String(clients.length)), username: 'svc:ingest-test', password: SERVICE_TOKEN, reconnectPeriod: 0 }));
    },
    async close() {
      for (const client of clients) client.end(true);
      await ingest.stop();
      await gateway.stop();
      await telemetry.close();
      await db.close();
      dir.remove();
    },
  };
}
