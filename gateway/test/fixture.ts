import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { clientIdOf, createDevice, createLogger, createPgliteDb, migrate, openDb, type Clock, type Db } from '@ioc/core';
import { startPostgres, startRedis, tempDir, type RedisServer } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayConfig, type GatewayDeps, type GatewayService } from '@ioc/gateway';

export const SERVICE_TOKEN = 'test-service-token-0123456789';

/** A migrated in-memory PGlite, a gateway on an ephemeral port, and the warn/error log lines it wrote. */
export interface GatewayFixture {
  db: Db;
  config: GatewayConfig;
  gateway: GatewayService;
  url: string;
  logLines: () => Array<Record<string, unknown>>;
  addDevice(id: string, kind?: string): Promise<string>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Configuration variables added to the fixture's (e.g. limits, IOC_MQTT_WS_PORT: '0'). */
  env?: Record<string, string>;
  /** The $SYS metrics period. */
  metricsIntervalMs?: number;
  clock?: Clock;
  /** Audit and presence intervals, backoff, re-check interval (the gateway's security options). */
  security?: GatewayDeps['security'];
}

export async function startGatewayFixture(options: FixtureOptions = {}): Promise<GatewayFixture> {
  const dir = tempDir();
  const db = await createPgliteDb();
  await migrate(db);
  const config = loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, ...options.env });
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
  const gateway = createGatewayService({ config, logger, db, metricsIntervalMs: options.metricsIntervalMs, clock: options.clock, security: options.security });
  await gateway.start();
  return {
    db,
    config,
    gateway,
    url: `mqtt://127.0.0.1:${gateway.port}`,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    addDevice: async (id, kind = 'air') => (await createDevice(db, { id, kind })).token,
    async close() {
      await gateway.stop();
      await db.close();
      dir.remove();
    },
  };
}

/** What cluster tests share: a real Redis and PostgreSQL, the configuration that joins them, and the registry on it. */
export interface ClusterStores {
  redis: RedisServer;
  postgres: Awaited<ReturnType<typeof startPostgres>>;
  /** For gateway services in this process (ephemeral MQTT port); `env` added to it. */
  config: GatewayConfig;
  db: Db;
  close(): Promise<void>;
}

export async function startClusterStores(env: Record<string, string> = {}): Promise<ClusterStores> {
  const dir = tempDir();
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const config = loadGatewayConfig({
    IOC_MQTT_PORT: '0',
    IOC_SERVICE_TOKEN: SERVICE_TOKEN,
    IOC_DATA_DIR: dir.path,
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    ...env,
  });
  const db = await openDb(config);
  return {
    redis,
    postgres,
    config,
    db,
    async close() {
      await db.close();
      await Promise.all([redis.stop(), postgres.stop()]);
      dir.remove();
    },
  };
}

/** A client id of the login `username` (core's clientIdOf): a device's id, an account's `<username>/<random>`. */
export function clientIdFor(username: string): string {
  return clientIdOf(username, Math.random().toString(36).slice(2, 10));
}

/**
 * An mqtt.js connection that does not reconnect, so a refusal surfaces as a rejected promise. Without a `clientId`
 * it takes one of its username's (mqtt.js' own `mqttjs_…` the gateway refuses).
 */
export function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  const own = options.username ? { clientId: clientIdFor(options.username) } : {};
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...own, ...options });
}

export function serviceLogin(url: string, name = 'test'): Promise<MqttClient> {
  return connect(url, { username: `svc:${name}`, password: SERVICE_TOKEN });
}

/** Collects the messages a client receives, as topic + parsed text. */
export function collect(client: MqttClient): Array<{ topic: string; text: string; retain: boolean }> {
  const received: Array<{ topic: string; text: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, text: payload.toString(), retain: packet.retain }));
  return received;
}

/** Subscribes at QoS 1 and resolves with the SUBACK's granted codes (128 = refused), which mqtt.js reports as an error. */
export function subscribeGranted(client: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: Packet) => {
      if (packet.cmd !== 'suback') return;
      client.off('packetreceive', onPacket);
      resolve(packet.granted as number[]);
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, { qos: 1 }, () => {});
  });
}
