import {
  ConfigError,
  connectHealthBeacon,
  createLogger,
  createMqttConnect,
  generateToken,
  loadCommonConfig,
  openDb,
  openTelemetryStore,
  systemClock,
  type Clock,
  type CommonConfig,
  type Db,
  type Logger,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import type { Env } from './io.ts';
import { SERVICE_NAMES, SERVICES, type Need, type ServiceContext, type ServiceEntry } from './services.ts';

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
  /** The settings the services share, with this run's service token and bus. */
  config: CommonConfig;
  services: Service[];
  /** http://localhost:<port> of the dashboard, when it runs here. */
  dashboardUrl?: string;
  /** Where the services connect to the bus (the gateway's bound port when it runs here). */
  mqttUrl: string;
  /** The logger the services write to. */
  logger: Logger;
  stop(): Promise<void>;
}

/** Which services of the table to run: the ones named, or all-in-one (the demo's only with the demo). */
export function selectServices(requested: string[] | undefined, env: Env, config: CommonConfig): ServiceEntry[] {
  if (!requested || requested.length === 0) {
    const demo = env.IOC_DEMO?.trim() ? config.demo : true;
    return SERVICES.filter((service) => service.allInOne === 'always' || demo);
  }
  const unknown = requested.filter((name) => !SERVICE_NAMES.includes(name));
  if (unknown.length > 0) throw new Error(`unknown service "${unknown[0]}" (services: ${SERVICE_NAMES.join(', ')})`);
  return SERVICES.filter((service) => requested.includes(service.name));
}

/**
 * Runs the IOC in this process: all-in-one (one Db and TelemetryStore shared by every service) or the listed
 * services, in the table's order (services.ts), each with its health on the bus. Ports given as 0 bind ephemeral
 * ports. Throws ConfigError for invalid configuration: the common settings' and those of the services selected, each
 * read by its entry's loader before anything starts (another service's variables are not read).
 */
export async function startIoc(options: StartIocOptions = {}): Promise<RunningIoc> {
  const env = options.env ?? process.env;
  let config = loadCommonConfig(env);
  const allInOne = !options.services || options.services.length === 0;
  const selected = selectServices(options.services, env, config).map((entry) => ({ entry, config: entry.config(env) }));
  if (!config.serviceToken) {
    if (!allInOne) throw new ConfigError('IOC_SERVICE_TOKEN', 'is required when services run as separate processes');
    config = { ...config, serviceToken: generateToken() };
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const clock = options.clock ?? systemClock;
  const needed = new Set(selected.flatMap(({ entry }) => entry.needs));
  const started: { service: Service; beacon?: { stop(): Promise<void> } }[] = [];
  let db: Db | undefined;
  let telemetry: TelemetryStore | undefined;

  const stop = async () => {
    const quietly = (name: string, step: () => Promise<void> | undefined) =>
      Promise.resolve()
        .then(step)
        .catch((error: unknown) => logger.error({ service: name, err: (error as Error).message }, 'service did not stop cleanly'));
    for (const { service, beacon } of started.splice(0).reverse()) {
      await quietly(service.name, () => beacon?.stop());
      await quietly(service.name, () => service.stop());
    }
    await telemetry?.close();
    await db?.close();
    telemetry = undefined;
    db = undefined;
  };

  /** Its own configuration (with this run's token and bus), and what `entry` declared it needs, and nothing else. */
  const contextFor = (entry: ServiceEntry, own: CommonConfig): ServiceContext => {
    const given = <T>(need: Need, value: T | undefined): T => {
      if (entry.needs.includes(need) && value !== undefined) return value;
      throw new Error(`service "${entry.name}" uses ${need} without needing it in the service table`);
    };
    const mqttConnect = createMqttConnect(config);
    return {
      config: { ...own, serviceToken: config.serviceToken, mqttUrl: config.mqttUrl },
      logger,
      clock,
      simIntervalMs: options.simIntervalMs,
      get db() {
        return given('db', db);
      },
      get telemetry() {
        return given('telemetry', telemetry);
      },
      get mqttConnect() {
        return given('bus', mqttConnect);
      },
    };
  };

  try {
    if (needed.has('db') || needed.has('telemetry')) db = await openDb(config);
    if (needed.has('telemetry')) telemetry = await openTelemetryStore(config, db as Db);
    let dashboardUrl: string | undefined;
    for (const { entry, config: own } of selected) {
      const context = contextFor(entry, own);
      const service = await entry.create(context);
      await service.start();
      const running: (typeof started)[number] = { service };
      started.push(running);
      if (entry.needs.includes('bus')) {
        running.beacon = await connectHealthBeacon({ name: service.name, health: () => service.health(), mqttConnect: context.mqttConnect, clock, logger: logger.child({ service: service.name }) });
      }
      const offers = entry.started?.(service, context) ?? {};
      if (offers.mqttUrl && !env.MQTT_URL?.trim()) config = { ...config, mqttUrl: offers.mqttUrl };
      dashboardUrl = offers.dashboardUrl ?? dashboardUrl;
    }
    logger.info({ services: started.map((s) => s.service.name), mqttUrl: config.mqttUrl }, 'IOC started');
    return { config, services: started.map((s) => s.service), dashboardUrl, mqttUrl: config.mqttUrl, logger, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
