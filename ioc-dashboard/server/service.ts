import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  announceOnBus,
  createDeviceCommands,
  loadAreaSet,
  systemClock,
  type Clock,
  type Db,
  type Health,
  type Logger,
  type MqttConnect,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { buildDashboardApp } from './app.ts';
import { bootstrapAdmin } from './auth/bootstrap.ts';
import type { DashboardConfig } from './config.ts';
import { createSessionStore } from './auth/sessions.ts';
import { createAlertFeed, type AlertFeed } from './live/alert-feed.ts';
import { createAnomalyFeed, type AnomalyFeed } from './live/anomaly-feed.ts';
import { createCommandFeed, type CommandFeed } from './live/command-feed.ts';
import { createDeviceFeed, type DeviceFeed } from './live/device-feed.ts';
import { createServiceHealthView, type ServiceHealthView } from './live/service-health.ts';
import { joinLiveCluster } from './live/redis-adapter.ts';
import { createLiveServer, type LiveServer } from './live/socket-server.ts';
import { WEB_DIST_DIR } from './web-app.ts';

export interface DashboardDeps {
  config: DashboardConfig;
  logger: Logger;
  db: Db;
  telemetry: TelemetryStore;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** Interface to listen on (default 0.0.0.0). */
  host?: string;
  /** The built web app (default ioc-dashboard/web/dist). */
  webDir?: string;
  /** How often unacked commands past their expiry are marked expired (default 5 s). */
  commandSweepIntervalMs?: number;
}

export type DashboardService = Service & { readonly port: number };

/** The dashboard server: REST API, OpenAPI docs, the web app and socket.io live feed on config.httpPort. */
export function createDashboardService(deps: DashboardDeps): DashboardService {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger.child({ service: 'dashboard' });
  let app: FastifyInstance | undefined;
  let io: LiveServer | undefined;
  let feed: DeviceFeed | undefined;
  let anomalies: AnomalyFeed | undefined;
  let alertFeed: AlertFeed | undefined;
  let commandFeed: CommandFeed | undefined;
  let services: ServiceHealthView | undefined;
  let cluster: { close(): Promise<void> } | undefined;
  let port = 0;
  const { instance } = deps.config;

  async function dbHealth(): Promise<Health> {
    try {
      await deps.db.query('SELECT 1');
      return { status: 'ok', kind: deps.db.kind };
    } catch (error) {
      return { status: 'down', kind: deps.db.kind, error: (error as Error).message };
    }
  }

  const service: DashboardService = {
    // One of several (IOC_DASHBOARD_INSTANCE) publishes its own health, so one's death does not hide the other.
    name: instance ? `dashboard-${instance}` : 'dashboard',

    get port() {
      return port;
    },

    async start() {
      await bootstrapAdmin(deps.db, deps.config, logger);
      const bus = createServiceHealthView({ mqttConnect: deps.mqttConnect, clock, logger });
      services = bus;
      await bus.start();
      const sessions = createSessionStore(deps.db, clock);
      // The command path's use-case; this process hears the acks for now (live/command-feed.ts).
      const commands = createDeviceCommands({
        db: deps.db,
        clock,
        logger,
        publish: (deviceId, command) => (commandFeed ? commandFeed.publish(deviceId, command) : Promise.reject(new Error('the dashboard is not running'))),
        // Changed in this process only (a conditional update: one process wins), so told to every dashboard's browsers.
        onChange: (record) => io?.emit('command', record),
      });
      // Before the app: the alert routes publish through its connection.
      // The bus's events are heard by every dashboard process, so each tells only its own browsers (io.local).
      const alerts = createAlertFeed({ mqttConnect: deps.mqttConnect, logger, sink: (alert) => io?.local.emit('alert', alert) });
      alertFeed = alerts;
      await alerts.start();
      app = await buildDashboardApp({
        logger,
        areaSet: loadAreaSet(deps.config.areasDir),
        db: deps.db,
        telemetry: deps.telemetry,
        clock,
        sessions,
        webDir: deps.webDir ?? WEB_DIST_DIR,
        trustProxy: deps.config.trustProxy,
        providerCallbackSecret: deps.config.providerCallbackSecret,
        commands,
        alertBus: alerts,
        announce: (announcement) => announceOnBus(deps.mqttConnect, 'dashboard-registry', announcement),
        // Every service as the bus tells it, this dashboard as it is now, and the stores as it reaches them.
        health: async () => {
          const [own, db, telemetry] = await Promise.all([service.health(), dbHealth(), deps.telemetry.health()]);
          return { ...bus.services(), [service.name]: own, db, telemetry };
        },
      });
      await app.ready();
      const fastify = app;
      const liveServer = createLiveServer({ httpServer: app.server, sessions, parseCookie: (header) => fastify.parseCookie(header), clock, logger, trustProxy: deps.config.trustProxy !== undefined });
      io = liveServer;
      if (deps.config.redisUrl) cluster = await joinLiveCluster(liveServer, deps.config.redisUrl, logger);
      feed = createDeviceFeed({
        mqttConnect: deps.mqttConnect,
        db: deps.db,
        clock,
        logger,
        sink: {
          telemetry: (event) => liveServer.local.emit('telemetry', event),
          status: (event) => liveServer.local.emit('status', event),
          device: (event) => liveServer.local.emit('device', event),
        },
      });
      await feed.start();
      anomalies = createAnomalyFeed({ mqttConnect: deps.mqttConnect, logger, sink: (event) => liveServer.local.emit('anomaly', event) });
      await anomalies.start();
      commandFeed = createCommandFeed({
        mqttConnect: deps.mqttConnect,
        logger,
        commands,
        sweepIntervalMs: deps.commandSweepIntervalMs,
        // Each dashboard keeps its own persistent session: two on one client id would take it from each other.
        clientId: instance ? `svc:dashboard-commands/ioc-dashboard-commands-${instance}` : undefined,
      });
      await commandFeed.start();
      await app.listen({ port: deps.config.httpPort, host: deps.host ?? '0.0.0.0' });
      port = (app.server.address() as AddressInfo).port;
      logger.info({ port }, 'dashboard listening');
    },

    async stop() {
      await feed?.stop();
      await anomalies?.stop();
      await alertFeed?.stop();
      await commandFeed?.stop();
      await io?.close(); // also closes the HTTP server
      await cluster?.close();
      await app?.close();
      await services?.stop();
      feed = undefined;
      anomalies = undefined;
      alertFeed = undefined;
      commandFeed = undefined;
      services = undefined;
      cluster = undefined;
      io = undefined;
      app = undefined;
    },

    health() {
      if (!app) return { status: 'down', reason: 'not started' };
      const clients = io?.engine.clientsCount ?? 0;
      if (!feed?.connected || !anomalies?.connected || !alertFeed?.connected || !commandFeed?.connected || !services?.connected) return { status: 'degraded', port, clients, mqtt: 'disconnected' };
      return { status: 'ok', port, clients, mqtt: 'connected' };
    },
  };
  return service;
}
