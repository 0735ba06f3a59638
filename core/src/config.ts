import { resolve } from 'node:path';
import { AreaSetError, DEFAULT_AREAS_DIR, loadAreaSet } from './areas.ts';
import { DEFAULT_RETENTION, type Retention } from './telemetry/tiers.ts';

/**
 * Configuration from the environment (the README's configuration table): the settings every IOC process shares,
 * and the parsers each service's own loader (`load<Name>Config(env)` in its package's config.ts) reads its variables
 * with. A wrong variable stops start-up with one line naming it (ConfigError).
 */
export interface InfluxConfig {
  url: string;
  db: string;
  token?: string;
  /** InfluxDB 2.x/3.x: writes go through the v2 write API to `bucket` (default `db`) of this organisation. */
  org?: string;
  bucket?: string;
  user?: string;
  password?: string;
}

/** What every IOC process reads: where its data, the bus, the stores and the province's areas are, and how it logs. */
export interface CommonConfig {
  dataDir: string;
  /** Where services connect to the MQTT bus. */
  mqttUrl: string;
  /** Shared secret of the IOC's service accounts on the gateway. */
  serviceToken?: string;
  databaseUrl?: string;
  /** The telemetry store: InfluxDB when set, else the SQL adapter on the database. */
  influx?: InfluxConfig;
  /** How long the telemetry store keeps raw points, 1-minute and hourly rollups (ms; hour undefined = forever). */
  retention: Retention;
  /** The simulated fleet in `ioc start` all-in-one (IOC_DEMO). */
  demo: boolean;
  logLevel: LogLevel;
  /** IOC_LOG_FORMAT: `pretty` or `json`; unset = pretty on a terminal, JSON otherwise (logger.ts). */
  logFormat?: LogFormat;
  /** The province's area set (IOC_AREAS_DIR: areas.geojson + attribution.txt; default Huế's, core/data/hue). */
  areasDir: string;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'pretty' | 'json';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A configuration error: its message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The environment a loader reads (process.env by default). */
export type ConfigEnv = Record<string, string | undefined>;

/** A variable's trimmed value; unset or blank is undefined. */
export function readText(env: ConfigEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function readPort(env: ConfigEnv, name: string, fallback: number): number;
export function readPort(env: ConfigEnv, name: string, fallback?: number): number | undefined;
export function readPort(env: ConfigEnv, name: string, fallback?: number): number | undefined {
  const raw = readText(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new ConfigError(name, `must be a TCP port number 0-65535, got "${raw}"`);
  }
  return value;
}

/** A whole number, 0 or more (0 means unlimited for the limits). */
export function readCount(env: ConfigEnv, name: string, fallback: number): number {
  const raw = readText(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(name, `must be a whole number (0 = unlimited), got "${raw}"`);
  }
  return Number(raw);
}

export function readUrl(env: ConfigEnv, name: string, protocols: string[]): string | undefined {
  const raw = readText(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

export function readFlag(env: ConfigEnv, name: string, fallback: boolean): boolean {
  const raw = readText(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be on or off, got "${raw}"`);
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const RETENTION_UNIT_MS = { h: HOUR_MS, d: DAY_MS } as const;

/** A retention like `30d` or `12h` (at least 1 h), or `inf` (undefined: forever). */
export function readRetentionMs(env: ConfigEnv, name: string, fallback: number | undefined): number | undefined {
  const raw = readText(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'inf') return undefined;
  const match = /^(\d+)(h|d)$/.exec(raw);
  const ms = match ? Number(match[1]) * RETENTION_UNIT_MS[match[2] as 'h' | 'd'] : 0;
  if (ms < HOUR_MS) throw new ConfigError(name, `must be a duration of at least 1h like 30d or 12h, or inf; got "${raw}"`);
  return ms;
}

/**
 * IOC_MQTT_CONNECT_RATE: new connections per second the gateway accepts from one address. The gateway enforces it;
 * the simulator, one address for its whole fleet, paces its connections under it.
 */
export function readMqttConnectRate(env: ConfigEnv): number {
  return readCount(env, 'IOC_MQTT_CONNECT_RATE', 50);
}

function logLevel(env: ConfigEnv): LogLevel {
  const level = (readText(env, 'IOC_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError('IOC_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  }
  return level;
}

function logFormat(env: ConfigEnv): LogFormat | undefined {
  const format = readText(env, 'IOC_LOG_FORMAT');
  if (format !== undefined && format !== 'pretty' && format !== 'json') throw new ConfigError('IOC_LOG_FORMAT', `must be pretty or json, got "${format}"`);
  return format;
}

function serviceToken(env: ConfigEnv): string | undefined {
  const token = readText(env, 'IOC_SERVICE_TOKEN');
  if (token !== undefined && token.length < 16) throw new ConfigError('IOC_SERVICE_TOKEN', 'must be at least 16 characters');
  return token;
}

/** MQTT_URL, else the gateway's port on this host (IOC_MQTT_PORT is read only then). */
function mqttUrl(env: ConfigEnv): string {
  return readUrl(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']) ?? `mqtt://127.0.0.1:${readPort(env, 'IOC_MQTT_PORT', 1883)}`;
}

function influx(env: ConfigEnv): InfluxConfig | undefined {
  const influxUrl = readUrl(env, 'INFLUX_URL', ['http:', 'https:']);
  const user = readText(env, 'INFLUX_USER');
  const password = readText(env, 'INFLUX_PASSWORD');
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(user ? 'INFLUX_PASSWORD' : 'INFLUX_USER', 'INFLUX_USER and INFLUX_PASSWORD go together');
  }
  if (!influxUrl) return undefined;
  const db = readText(env, 'INFLUX_DB') ?? 'ioc';
  if (!/^[A-Za-z0-9_-]+$/.test(db)) throw new ConfigError('INFLUX_DB', `must be letters, digits, _ or -, got "${db}"`);
  const token = readText(env, 'INFLUX_TOKEN');
  const org = readText(env, 'INFLUX_ORG');
  const bucket = readText(env, 'INFLUX_BUCKET');
  if (org && !token) throw new ConfigError('INFLUX_TOKEN', 'INFLUX_ORG needs INFLUX_TOKEN (the v2 write API of InfluxDB 2.x/3.x)');
  if (bucket && !org) throw new ConfigError('INFLUX_ORG', 'INFLUX_BUCKET needs INFLUX_ORG (the v2 write API of InfluxDB 2.x/3.x)');
  return { url: influxUrl, db, token, user, password, ...(org ? { org, bucket: bucket ?? db } : {}) };
}

function retention(env: ConfigEnv): Retention {
  const raw = readRetentionMs(env, 'IOC_RETENTION_RAW', DEFAULT_RETENTION.raw);
  const minute = readRetentionMs(env, 'IOC_RETENTION_1M', DEFAULT_RETENTION.minute);
  const hour = readRetentionMs(env, 'IOC_RETENTION_1H', DEFAULT_RETENTION.hour);
  // inf for raw or minutes is kept as 1,000 years: the tiers below hourly always have an end.
  const forever = 1000 * 365 * DAY_MS;
  return { raw: raw ?? forever, minute: minute ?? forever, hour };
}

/** The area-set directory, read once here so a bad one stops start-up with one line naming the variable. */
function areasDir(env: ConfigEnv): string {
  const dir = resolve(readText(env, 'IOC_AREAS_DIR') ?? DEFAULT_AREAS_DIR);
  try {
    loadAreaSet(dir);
  } catch (error) {
    if (error instanceof AreaSetError) throw new ConfigError('IOC_AREAS_DIR', error.message);
    throw error;
  }
  return dir;
}

/**
 * Reads and validates what every IOC process shares (a service's loader adds its own settings to it; the CLI's
 * commands read only this); throws ConfigError on the first bad variable.
 */
export function loadCommonConfig(env: ConfigEnv = process.env): CommonConfig {
  return {
    dataDir: resolve(readText(env, 'IOC_DATA_DIR') ?? './data'),
    mqttUrl: mqttUrl(env),
    serviceToken: serviceToken(env),
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    influx: influx(env),
    retention: retention(env),
    demo: readFlag(env, 'IOC_DEMO', false),
    logLevel: logLevel(env),
    logFormat: logFormat(env),
    areasDir: areasDir(env),
  };
}
