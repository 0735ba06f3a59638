import type { Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { systemClock, type Clock, type Db, type Health, type IocConfig, type Logger, type Service } from '@ioc/core';
import { createAuthorizePublish, createAuthorizeSubscribe } from './authorize.ts';
import { createBackgroundWriter } from './background.ts';
import { identityOf } from './identity.ts';
import { closeServer, createTcpListener, listen } from './listener.ts';
import { createSecurity, type SecurityOptions } from './security.ts';
import { createStats } from './stats.ts';
import { createDeviceStatus } from './status.ts';

export type { Identity } from './identity.ts';

export interface GatewayDeps {
  config: IocConfig;
  logger: Logger;
  db: Db;
  clock?: Clock;
  /** Audit and presence write intervals, login backoff (security.ts). */
  security?: SecurityOptions;
}

export type GatewayService = Service & { readonly port: number };

/** The MQTT gateway (aedes): device and service logins, the topic ACL, and device online/offline status. */
export function createGatewayService(deps: GatewayDeps): GatewayService {
  const { config, db, clock = systemClock } = deps;
  const logger = deps.logger.child({ service: 'gateway' });
  const stats = createStats();
  const writer = createBackgroundWriter(logger);
  const services = new Set<Client>();
  let running:
    | { broker: Aedes; server: Server; port: number; status: ReturnType<typeof createDeviceStatus>; security: ReturnType<typeof createSecurity> }
    | undefined;

  async function start(): Promise<void> {
    if (running) return;
    const security = createSecurity({ db, clock, logger, stats, serviceToken: config.serviceToken, options: deps.security });
    const authenticate = security.authenticate;
    const broker = new Aedes({
      authenticate: (client, username, password, done) =>
        authenticate(client, username, password, (error, success) => {
          if (success) status.loggedIn(client);
          done(error, success);
        }),
      authorizePublish: createAuthorizePublish({ db, logger, clock, stats, writer }),
      authorizeSubscribe: createAuthorizeSubscribe({ logger, stats }),
      authorizeForward: (_client, packet) => {
        stats.messagesOut++;
        return packet;
      },
    });
    const status = createDeviceStatus({ broker, clock, logger, presence: security.presence });
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
    broker.on('clientError', (client, error) => logger.debug({ clientId: client.id, err: error }, 'MQTT client error'));
    broker.on('connectionError', (_client, error) => logger.debug({ err: error }, 'MQTT connection error'));
    await broker.listen();
    await security.attach(broker);
    const server = createTcpListener(broker);
    const port = await listen(server, config.mqttPort).catch(async (error: unknown) => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw new Error(`the MQTT gateway cannot listen on port ${config.mqttPort}: ${(error as Error).message}`);
    });
    running = { broker, server, port, status, security };
    logger.info({ port }, 'MQTT gateway listening');
  }

  async function stop(): Promise<void> {
    if (!running) return;
    const { broker, server, security } = running;
    running = undefined;
    const closed = closeServer(server);
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
    await Promise.all([writer.idle(), security.drain()]);
    logger.info('MQTT gateway stopped');
  }

  function health(): Health {
    return {
      status: running ? 'ok' : 'down',
      port: running?.port ?? null,
      clients: { devices: running?.status.deviceConnections ?? 0, services: services.size },
      messages: { in: stats.messagesIn, out: stats.messagesOut },
      authFailures: stats.authFailures,
      refused: { publishes: stats.refusedPublishes, subscriptions: stats.refusedSubscriptions },
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
      return running?.port ?? 0;
    },
  };
}
