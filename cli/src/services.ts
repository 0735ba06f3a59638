import { join } from 'node:path';
import { loadCommonConfig, type Clock, type CommonConfig, type Db, type Logger, type MqttConnect, type Service, type TelemetryStore } from '@ioc/core';
import { loadAlertingConfig } from '@ioc/alerting/config';
import { loadCameraHealthConfig } from '@ioc/analytics/config';
import { loadDashboardConfig } from '@ioc/dashboard/config';
import { loadSimConfig } from '@ioc/device-sim/config';
import { loadGatewayConfig } from '@ioc/gateway/config';
import { loadIngestConfig } from '@ioc/ingest/config';
import type { Env } from './io.ts';

/**
 * What a service takes from the composition root besides configuration, logger and clock: the relational store,
 * the telemetry store, connections to the bus as an IOC service (which also publish its health there).
 */
export type Need = 'db' | 'telemetry' | 'bus';

export interface ServiceContext<C extends CommonConfig = CommonConfig> {
  /** What the entry's `config` loader read (with the bus the gateway offers and the service token of this run). */
  config: C;
  logger: Logger;
  clock: Clock;
  /** Needs 'db'. */
  db: Db;
  /** Needs 'telemetry'. */
  telemetry: TelemetryStore;
  /** Needs 'bus'. */
  mqttConnect: MqttConnect;
  /** Interval of the simulated fleet's readings (default the simulator's). */
  simIntervalMs?: number;
}

/** What a started service offers the services started after it, and the caller. */
export interface Offers {
  /** Where the bus is, unless MQTT_URL says otherwise. */
  mqttUrl?: string;
  dashboardUrl?: string;
}

export interface ServiceEntry<S extends Service = Service, C extends CommonConfig = CommonConfig> {
  /** `ioc start <name>`, its docker-compose.yml service and (but for partitioned workers) its name on the bus. */
  readonly name: string;
  /** One line for `ioc help`. */
  readonly summary: string;
  readonly needs: readonly Need[];
  /** Run by `ioc start` with no service named: always, or only with the demo (IOC_DEMO; compose profile `demo`). */
  readonly allInOne: 'always' | 'demo';
  /**
   * Reads the service's configuration: the common settings and its own (`load<Name>Config` of its package's
   * config.ts), so `ioc start <name>` reads only this service's variables, and a bad one stops it in one line.
   */
  readonly config: (env: Env) => C;
  create(context: ServiceContext<C>): Promise<S>;
  started?(service: S, context: ServiceContext<C>): Offers;
}

/** Keeps each entry's own service and configuration types between config(), create() and started(). */
const entry = <S extends Service, C extends CommonConfig>(service: ServiceEntry<S, C>): ServiceEntry<S, C> => service;

/**
 * The composition root's table: every IOC service, in start order (the gateway first: the others connect to it).
 * Adding a service is one entry here and one service in docker-compose.yml (test/compose.test.ts checks they agree).
 */
export const SERVICES: readonly ServiceEntry[] = [
  entry({
    name: 'gateway',
    summary: 'the MQTT gateway: the bus, device and service logins, topic ACL, online status',
    needs: ['db'],
    allInOne: 'always',
    config: loadGatewayConfig,
    create: async ({ config, logger, db, clock }) => (await import('@ioc/gateway')).createGatewayService({ config, logger, db, clock }),
    started: (gateway) => ({ mqttUrl: `mqtt://127.0.0.1:${gateway.port}` }),
  }),
  entry({
    name: 'ingest',
    summary: 'checks telemetry and stores it (IOC_INGEST_PARTITION=i/n: worker i of n)',
    needs: ['db', 'telemetry', 'bus'],
    allInOne: 'always',
    config: loadIngestConfig,
    create: async ({ config, logger, db, telemetry, mqttConnect, clock }) =>
      (await import('@ioc/ingest')).createIngestService({ config, logger, db, telemetry, mqttConnect, clock }),
  }),
  entry({
    name: 'dashboard',
    summary: 'the REST API, the web app and its live feed (IOC_HTTP_PORT)',
    needs: ['db', 'telemetry', 'bus'],
    allInOne: 'always',
    config: loadDashboardConfig,
    create: async ({ config, logger, db, telemetry, mqttConnect, clock }) =>
      (await import('@ioc/dashboard')).createDashboardService({ config, logger, db, telemetry, mqttConnect, clock }),
    started: (dashboard, { config, logger }) => {
      const dashboardUrl = `http://localhost:${dashboard.port}`;
      logger.info({ url: dashboardUrl }, `dashboard: ${dashboardUrl}`);
      logger.info(
        config.adminPassword
          ? 'admin password: the value of IOC_ADMIN_PASSWORD (user "admin")'
          : `admin password: in ${join(config.dataDir, 'admin-password')} (user "admin")`,
      );
      return { dashboardUrl };
    },
  }),
  entry({
    name: 'analytics',
    summary: 'environment anomaly detection: likelihoods and station alarms on the bus',
    needs: ['db', 'bus'],
    allInOne: 'always',
    config: loadCommonConfig,
    create: async ({ logger, db, mqttConnect, clock }) => (await import('@ioc/analytics')).createAnalyticsService({ logger, db, mqttConnect, clock }),
  }),
  entry({
    name: 'camera-health',
    summary: "camera health checks on the cameras' own streams (IOC_CAMERA_CHECK_*)",
    needs: ['db', 'bus'],
    allInOne: 'always',
    config: loadCameraHealthConfig,
    create: async ({ config, logger, db, mqttConnect, clock }) => (await import('@ioc/analytics')).createCameraHealthService({ config, logger, db, mqttConnect, clock }),
  }),
  entry({
    name: 'frigate',
    summary: "the Frigate NVR bridge: frigate/# into camera events and anomalies",
    needs: ['db', 'bus'],
    allInOne: 'always',
    config: loadCommonConfig,
    create: async ({ logger, db, mqttConnect, clock }) => (await import('@ioc/analytics')).createFrigateService({ logger, db, mqttConnect, clock }),
  }),
  entry({
    name: 'alerting',
    summary: 'alert rules on telemetry, device status and anomalies; the alerts and their lifecycle on the bus',
    needs: ['db', 'bus'],
    allInOne: 'always',
    config: loadAlertingConfig,
    create: async ({ config, logger, db, mqttConnect, clock }) => (await import('@ioc/alerting')).createAlertingService({ config, logger, db, mqttConnect, clock }),
  }),
  entry({
    name: 'sim',
    summary: 'the simulated fleet (device-sim/fleets/hue.yaml), gentle scenario, real time',
    needs: ['db', 'bus'],
    allInOne: 'demo',
    config: loadSimConfig,
    create: async ({ config, logger, db, clock, simIntervalMs }) => {
      const { createDeviceSimService, loadScenarioFile } = await import('@ioc/device-sim');
      return createDeviceSimService({ config, logger, db, clock, intervalMs: simIntervalMs, scenario: loadScenarioFile() });
    },
  }),
];

export const SERVICE_NAMES: readonly string[] = SERVICES.map((service) => service.name);
