import { join } from 'node:path';
import {
  ConfigError,
  createLogger,
  createMqttConnect,
  generateToken,
  loadConfig,
  openDb,
  openTelemetryStore,
  systemClock,
  type Clock,
  type Db,
  type Health,
  type IocConfig,
  type Logger,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import type { Env } from './io.ts';

export const SERVICE_NAMES = ['gateway', 'ingest', 'dashboard', 'analytics', 'sim'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface StartIocOptions {
  /** The environment to configure from (default process.env). */
  env?: Env;
  /** Services to run; none = all-in-one. */
  services?: string[];
  logger?: Logger;
  clock?: Clock;
  /** Interval of the simulated fleet's readings (default the simulator's). */
  simIntervalMs?: number;
}

export interface RunningIoc {
  config: IocConfig;
  services: Service[];
  /** http://localhost:<port> of the dashboard, when it runs here. */
  dashboardUrl?: string;
  /** Where the services connect to the bus (the gateway's bound port when it runs here). */
  mqttUrl: string;
  stop(): Promise<void>;
}

/** Which services to run and whether the simulated fleet is one of them. */
export function selectServices(requested: string[] | undefined, env: Env, config: IocConfig): ServiceName[] {
  if (!requested || requested.length === 0) {
    const demo = env.IOC_DEMO?.trim() ? config.demo : true;
    return demo ? ['gateway', 'ingest', 'dashboard', 'analytics', 'sim'] : ['gateway', 'ingest', 'dashboard', 'analytics'];
  }
  const unknown = requested.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown service "${unknown[0]}" (services: ${SERVICE_NAMES.join(', ')})`);
  return SERVICE_NAMES.filter((name) => requested.includes(name));
}

/**
 * Runs the IOC in this process: all-in-one (one Db and TelemetryStore shared by gateway → ingest → dashboard → sim)
 * or the listed services. Ports given as 0 bind ephemeral ports. Throws ConfigError for invalid configuration.
 */
export async function startIoc(options: StartIocOptions = {}): Promise<RunningIoc> {
  const env = options.env ?? process.env;
  let config = loadConfig(env);
  const allInOne = !options.services || options.services.length === 0;
  const selected = selectServices(options.services, env, config);
  if (!config.serviceToken) {
    if (!allInOne) throw new ConfigError('IOC_SERVICE_TOKEN', 'is required when services run as separate processes');
    config = { ...config, serviceToken: generateToken() };
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const started: Service[] = [];
  let db: Db | undefined;
  let telemetry: TelemetryStore | undefined;

  const stop = async () => {
    for (const service of started.splice(0).reverse()) {
      try {
        await service.stop();
      } catch (error) {
        logger.error({ service: service.name, err: (error as Error).message }, 'service did not stop cleanly');
      }
    }
    await telemetry?.close();
    await db?.close();
    telemetry = undefined;
    db = undefined;
  };

  try {
    db = await openDb(config);
    const openedDb = db;
    // The dashboard reports its own health; the callback covers the other in-process services.
    const services = () => startedHealth(started.filter((s) => s.name !== 'dashboard'));
    const start = async (service: Service) => {
      await service.start();
      started.push(service);
    };
    let dashboardUrl: string | undefined;

    if (selected.includes('gateway')) {
      const { createGatewayService } = await import('@ioc/gateway');
      const gateway = createGatewayService({ config, logger, db: openedDb, clock });
      await start(gateway);
      if (!env.MQTT_URL?.trim()) config = { ...config, mqttUrl: `mqtt://127.0.0.1:${gateway.port}` };
    }
    const mqttConnect = createMqttConnect(config);
    if (selected.some((name) => name === 'ingest' || name === 'dashboard' || name === 'analytics')) telemetry = await openTelemetryStore(config, openedDb);
    if (selected.includes('ingest')) {
      const { createIngestService } = await import('@ioc/ingest');
      await start(createIngestService({ config, logger, db: openedDb, telemetry: telemetry as TelemetryStore, mqttConnect, clock }));
    }
    if (selected.includes('dashboard')) {
      const { createDashboardService } = await import('@ioc/dashboard');
      const dashboard = createDashboardService({ config, logger, db: openedDb, telemetry: telemetry as TelemetryStore, mqttConnect, clock, services });
      await start(dashboard);
      dashboardUrl = `http://localhost:${dashboard.port}`;
      logger.info({ url: dashboardUrl }, `dashboard: ${dashboardUrl}`);
      logger.info(
        config.adminPassword
          ? 'admin password: the value of IOC_ADMIN_PASSWORD (user "admin")'
          : `admin password: in ${join(config.dataDir, 'admin-password')} (user "admin")`,
      );
    }
    if (selected.includes('analytics')) {
      const { createAnalyticsService } = await import('@ioc/analytics');
      await start(createAnalyticsService({ config, logger, db: openedDb, telemetry: telemetry as TelemetryStore, mqttConnect, clock }));
    }
    if (selected.includes('sim')) {
      const { createDeviceSimService, loadScenarioFile } = await import('@ioc/device-sim');
      // The default fleet (device-sim/fleets/hue.yaml) through the gentle scenario, in real time.
      await start(createDeviceSimService({ config, logger, db: openedDb, clock, intervalMs: options.simIntervalMs, scenario: loadScenarioFile() }));
    }
    logger.info({ services: started.map((s) => s.name), mqttUrl: config.mqttUrl }, 'IOC started');
    return { config, services: [...started], dashboardUrl, mqttUrl: config.mqttUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startedHealth(services: readonly Service[]): Promise<Record<string, Health>> {
  const entries = await Promise.all(
    services.map(async (service): Promise<[string, Health]> => {
      try {
        return [service.name, await service.health()];
      } catch (error) {
        return [service.name, { status: 'down', error: (error as Error).message }];
      }
    }),
  );
  return Object.fromEntries(entries);
}
