import type { Server } from 'node:net';
import { hostname } from 'node:os';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { clearStalePresence, systemClock, type Clock, type Db, type Health, type HealthBeacon, type Logger, type Service } from '@ioc/core';
import type { GatewayConfig } from './config.ts';
import { emitterBacklog } from './aedes-internals.ts';
import { createAuthorizePublish, createAuthorizeQueued, createAuthorizeSubscribe } from './authorize.ts';
import { createBackgroundWriter } from './background.ts';
import { clipped, noteEmptyClientIds } from './client-ids.ts';
import { createClusterBackend, type ClusterBackend } from './cluster.ts';
import { createClusterPresence, type ClusterPresence } from './cluster-presence.ts';
import { createCommandExpiry } from './commands.ts';
import { identityOf } from './identity.ts';
import { createConnectionLimits, createPublishThrottle, type ConnectionLimits } from './limits.ts';
import { publishRegistrySnapshot } from './registry-snapshot.ts';
import { createRetainPolicy } from './retain-policy.ts';
import { closeServer, createTcpListener, createTlsListener, createWebSocketListener, listen } from './listener.ts';
import { createLiveMetrics } from './metrics.ts';
import { createPartitionFilter } from './partitions.ts';
import { createPublishGate, type PublishGate } from './publish-gate.ts';
import { createSecurity, type SecurityOptions } from './security.ts';
import { startGatewayHealth } from './service-health.ts';
import { createSessionStore } from './session-store.ts';
import { createStats } from './stats.ts';
import { createDeviceStatus } from './status.ts';

export type { Identity } from './identity.ts';
export { loadGatewayConfig, type GatewayConfig, type MqttLimits } from './config.ts';

/**
 * Deliveries the broker runs at once (aedes' default is 100). The rest wait in mqemitter's queue, an array shifted
 * once per delivery, which under a backlog became most of the gateway's time; the backlog is bounded by the
 * publish gate instead (publish-gate.ts).
 */
const DELIVERY_CONCURRENCY = 10_000;

/** A socket that has not sent its CONNECT within this time is closed (aedes' default is 30 s). */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * The longest keep-alive a client may ask for, in seconds; 0 (no keep-alive: a dead peer's connection would be held
 * for ever) is refused too, with aedes' CONNACK 6 "keep alive limit exceeded".
 */
const MAX_KEEPALIVE_S = 3600;

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  db: Db;
  clock?: Clock;
  /** How often the live counters are computed and published on $SYS (default 10 s). */
  metricsIntervalMs?: number;
  /** Audit and presence write intervals, login backoff (security.ts). */
  security?: SecurityOptions;
}

export type GatewayService = Service & {
  /** The bound MQTT/TCP port (0 until started). */
  readonly port: number;
  /** The bound MQTT/TLS port, when IOC_MQTTS_PORT is set. */
  readonly tlsPort: number | undefined;
  /** The bound MQTT/WebSocket port, when IOC_MQTT_WS_PORT is set. */
  readonly wsPort: number | undefined;
};

interface Listener {
  name: string;
  server: Server;
  port: number;
}

/** The MQTT gateway (aedes): device and service logins, the topic ACL, and device online/offline status. */
export function createGatewayService(deps: GatewayDeps): GatewayService {
  const { config, db, clock = systemClock, metricsIntervalMs = 10_000 } = deps;
  const logger = deps.logger.child({ service: 'gateway' });
  const stats = createStats();
  const writer = createBackgroundWriter(logger);
  const services = new Set<Client>();
  let running:
    | {
        broker: Aedes;
        listeners: Listener[];
        status: ReturnType<typeof createDeviceStatus>;
        metrics: ReturnType<typeof createLiveMetrics>;
        ownHealth: HealthBeacon;
        limits: ReturnType<typeof createConnectionLimits>;
        cluster: ClusterBackend | undefined;
        clusterPresence: ClusterPresence | undefined;
        security: ReturnType<typeof createSecurity>;
        gate: PublishGate;
        backlog: () => number;
        /** Client ids with messages queued in memory (undefined in cluster mode: they live in Redis). */
        sessionQueues: () => number | undefined;
      }
    | undefined;

  const connectionsFull = () => {
    const error = new Error(`IOC_MQTT_MAX_CONNECTIONS (${config.mqttLimits.maxConnections}) logged in`) as AuthenticateError;
    error.returnCode = 3; // server unavailable
    return error;
  };
  const portOf = (name: string) => running?.listeners.find((listener) => listener.name === name)?.port;

  /** Binds each configured listener; on failure closes those already bound and says which port failed. */
  async function bind(broker: Aedes, limits: ReturnType<typeof createConnectionLimits>): Promise<Listener[]> {
    const wanted: Array<{ name: string; port: number; create: () => Server }> = [
      { name: 'MQTT', port: config.mqttPort, create: () => createTcpListener(broker, limits) },
    ];
    if (config.mqttsPort !== undefined && config.tlsCert && config.tlsKey) {
      const files = { cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa, crl: config.tlsCrl };
      wanted.push({ name: 'MQTT/TLS', port: config.mqttsPort, create: () => createTlsListener(broker, limits, files, logger) });
    }
    if (config.mqttWsPort !== undefined) {
      wanted.push({ name: 'MQTT/WebSocket', port: config.mqttWsPort, create: () => createWebSocketListener(broker, limits, config.mqttLimits.maxPacketBytes) as unknown as Server });
    }
    const bound: Listener[] = [];
    try {
      for (const { name, port, create } of wanted) {
        const server = create();
        const actual = await listen(server, port).catch((error: unknown) => {
          throw new Error(`the ${name} gateway cannot listen on port ${port}: ${(error as Error).message}`);
        });
        bound.push({ name, server, port: actual });
      }
      return bound;
    } catch (error) {
      await Promise.all(bound.map(({ server }) => closeServer(server)));
      throw error;
    }
  }

  async function start(): Promise<void> {
    if (running) return;
    const security = createSecurity({
      db,
      clock,
      logger,
      stats,
      serviceToken: config.serviceToken,
      auditRetentionMs: config.auditRetentionMs,
      certificateLogins: Boolean(config.tlsCa),
      options: deps.security,
    });
    const authenticate = security.authenticate;
    const authorizePublish = createAuthorizePublish({ db, logger, clock, stats, writer, retain: createRetainPolicy({ logger, stats }) });
    const throttle = createPublishThrottle(config.mqttLimits.publishRate, clock, stats);
    const stillValid = createCommandExpiry({ clock, logger, onExpired: () => stats.expiredCommands++ });
    const mayReceiveQueued = createAuthorizeQueued({ logger, stats });
    const cluster = config.redisUrl ? createClusterBackend(config.redisUrl) : undefined;
    const sessions = cluster ? undefined : createSessionStore();
    const partitions = createPartitionFilter();
    const persistence = cluster ? cluster.options.persistence : sessions?.persistence;
    if (persistence) partitions.splitQueues(persistence);
    const broker = new Aedes({
      persistence,
      // Deliveries in flight at once; the rest wait in the emitter's queue, whose handling costs more as it grows.
      concurrency: DELIVERY_CONCURRENCY,
      ...cluster?.options,
      // In a cluster the node id names this process in $SYS topics and Redis; unique per process.
      id: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      // Bytes queued for a slow subscriber are capped by the listener (limits.ts), which never makes aedes wait;
      // without a cap, aedes waits up to 60 s for it to drain, holding up delivery meanwhile.
      drainTimeout: config.mqttLimits.maxQueueBytes > 0 ? 0 : 60_000,
      connectTimeout: CONNECT_TIMEOUT_MS,
      keepaliveLimit: MAX_KEEPALIVE_S,
      preConnect: noteEmptyClientIds,
      authenticate: (client, username, password, done) =>
        authenticate(client, username, password, (error, success) => {
          if (success && !limits.loggedIn(client.conn)) return done(connectionsFull(), false);
          if (success) status.loggedIn(client);
          done(error, success);
        }),
      authorizePublish: (client, packet, callback) =>
        gate.pass(() => {
          const wait = throttle.delay(client);
          if (wait === 0) authorizePublish(client, packet, callback);
          else setTimeout(() => authorizePublish(client, packet, callback), wait);
        }),
      authorizeSubscribe: createAuthorizeSubscribe({ logger, stats }),
      authorizeForward: (client, packet) => {
        if (!stillValid(packet) || !partitions.forwards(client.id, packet.topic) || !mayReceiveQueued(client, packet.topic)) return null;
        stats.messagesOut++;
        return packet;
      },
    });
    // aedes' emitter (mqemitter, or mqemitter-redis in a cluster) counts the messages waiting for delivery.
    const backlog = () => emitterBacklog(broker) + (sessions?.queued ?? 0);
    const gate = createPublishGate({ backlog, limit: config.mqttLimits.maxBacklog, stats });
    const clusterPresence = config.redisUrl
      ? createClusterPresence({
          redisUrl: config.redisUrl,
          node: broker.id,
          ttlMs: config.clusterNodeTtlMs,
          logger,
          onStale: (deviceIds) => status.goneElsewhere(deviceIds),
        })
      : undefined;
    const status = createDeviceStatus({ broker, clock, logger, presence: security.presence, membership: clusterPresence });
    broker.on('clientReady', (client) => {
      if (identityOf(client)?.type === 'service') services.add(client);
      status.ready(client);
    });
    broker.on('clientDisconnect', (client) => {
      services.delete(client);
      status.disconnected(client);
    });
    broker.on('publish', (_packet, client) => {
      if (client) stats.messagesIn++;
    });
    // A client refused for its id still has it here: clipped, like every log line that may hold a refused one.
    broker.on('clientError', (client, error) => logger.debug({ clientId: client.id && clipped(client.id), err: error }, 'MQTT client error'));
    broker.on('connectionError', (_client, error) => logger.debug({ err: error }, 'MQTT connection error'));
    const closeBroker = async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await clusterPresence?.close();
      await cluster?.close();
    };
    const limits = createConnectionLimits({ limits: config.mqttLimits, logger, stats, clock });
    let listeners: Listener[];
    try {
      await broker.listen();
      // Alone, this gateway holds every connection: devices still online in the database were left so by a crash.
      // In a cluster, the nodes sweep each other's devices in Redis instead (cluster-presence.ts).
      if (clusterPresence) await clusterPresence.start();
      else {
        const stale = await clearStalePresence(db);
        if (stale.length > 0) logger.warn({ devices: stale.length }, 'devices left online by an earlier run marked offline');
      }
      await security.attach(broker);
      await publishRegistrySnapshot({ broker, db, logger });
      listeners = await bind(broker, limits);
    } catch (error) {
      await closeBroker().catch(() => {});
      throw error;
    }
    const metrics = createLiveMetrics({ broker, stats, clock, logger, intervalMs: metricsIntervalMs, health });
    const ownHealth = startGatewayHealth({ broker, health, clock, logger });
    running = { broker, listeners, status, metrics, ownHealth, limits, cluster, clusterPresence, security, gate, backlog, sessionQueues: () => sessions?.clients };
    await ownHealth.publishNow();
    logger.info(
      { ports: Object.fromEntries(listeners.map(({ name, port }) => [name, port])), node: broker.id, cluster: Boolean(cluster) },
      'MQTT gateway listening',
    );
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { broker, listeners, metrics, ownHealth, cluster, clusterPresence, security, limits, gate } = running;
    running = undefined;
    metrics.stop();
    ownHealth.stop();
    gate.close();
    const closed = Promise.all(listeners.map(({ server }) => closeServer(server)));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
    await socketsClosed(limits);
    await clusterPresence?.close();
    await cluster?.close();
    await Promise.all([writer.idle(), security.drain()]);
    logger.info('MQTT gateway stopped');
  }

  /**
   * broker.close() returns before every socket has closed; their disconnects (audit events, presence) must be
   * recorded before the last flush, not after the database has gone. Bounded, so a stuck socket cannot hold stop().
   */
  async function socketsClosed(limits: ConnectionLimits): Promise<void> {
    for (let waited = 0; limits.open > 0 && waited < 5000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setImmediate(resolve));
  }

  function health(): Health {
    const live = running?.metrics.live;
    return {
      status: running ? 'ok' : 'down',
      port: portOf('MQTT') ?? null,
      tlsPort: portOf('MQTT/TLS') ?? null,
      wsPort: portOf('MQTT/WebSocket') ?? null,
      node: running?.broker.id ?? null,
      cluster: Boolean(running?.cluster),
      connections: running?.limits.open ?? 0,
      pendingLogins: running?.limits.pending ?? 0,
      clients: { devices: running?.status.deviceConnections ?? 0, services: services.size },
      messages: { in: stats.messagesIn, out: stats.messagesOut, inPerSecond: live?.messagesInPerSecond ?? 0, outPerSecond: live?.messagesOutPerSecond ?? 0 },
      dropped: {
        refusedConnections: stats.refusedConnections,
        oversizedPackets: stats.oversizedPackets,
        malformedPackets: stats.malformedPackets,
        slowConsumers: stats.slowConsumers,
        expiredCommands: stats.expiredCommands,
        unretained: stats.unretained,
      },
      throttledPublishes: stats.throttledPublishes,
      backlog: {
        messages: running?.backlog() ?? 0,
        heldPublishes: stats.heldPublishes,
        waiting: running?.gate.waiting ?? 0,
        sessionQueues: running?.sessionQueues() ?? null,
      },
      authFailures: stats.authFailures,
      refused: {
        publishes: stats.refusedPublishes,
        subscriptions: stats.refusedSubscriptions,
        clientIds: stats.refusedClientIds,
        queuedMessages: stats.refusedQueuedMessages,
      },
      security: running?.security.health() ?? null,
      pendingDbWrites: writer.queued,
      failedDbWrites: writer.failures,
    };
  }

  return {
    name: 'gateway',
    start,
    stop,
    health,
    get port() {
      return portOf('MQTT') ?? 0;
    },
    get tlsPort() {
      return portOf('MQTT/TLS');
    },
    get wsPort() {
      return portOf('MQTT/WebSocket');
    },
  };
}
