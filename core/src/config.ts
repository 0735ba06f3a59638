import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { AreaSetError, DEFAULT_AREAS_DIR, loadAreaSet } from './areas.ts';
import { parsePartition, type Partition } from './partition.ts';
import { DEFAULT_RETENTION, type Retention } from './telemetry/tiers.ts';

/** Typed configuration of every IOC service, read from the environment (the README's configuration table). */
export interface InfluxConfig {
  url: string;
  db: string;
  token?: string;
  user?: string;
  password?: string;
}

export interface IocConfig {
  dataDir: string;
  httpPort: number;
  mqttPort: number;
  mqttsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  /** CA bundle for mutual TLS: a client certificate it signed logs in as the device named by its CN. */
  tlsCa?: string;
  /** PEM certificate revocation list of the client CA: a device certificate it lists cannot log in. */
  tlsCrl?: string;
  /** MQTT over WebSocket (path /mqtt). */
  mqttWsPort?: number;
  mqttLimits: MqttLimits;
  /** Where services connect to the MQTT bus. */
  mqttUrl: string;
  databaseUrl?: string;
  influx?: InfluxConfig;
  /** How long telemetry is kept: raw points, 1-minute and hourly rollups (ms; hour undefined = forever). */
  retention: Retention;
  /** How long audit events are kept (ms; undefined = forever). */
  auditRetentionMs?: number;
  /** How long dead letters are kept (ms; undefined = forever), and how many at most (0 = no cap). */
  deadLetters: { retentionMs?: number; max: number };
  redisUrl?: string;
  /** In cluster mode: how long a gateway node may stay silent before its devices count as offline (ms). */
  clusterNodeTtlMs: number;
  adminPassword?: string;
  /** Shared secret of the IOC's service accounts on the gateway. */
  serviceToken?: string;
  demo: boolean;
  logLevel: LogLevel;
  /** How the analytics service checks camera streams for tampering (camera health). */
  cameraChecks: CameraCheckConfig;
  /** This ingest process's share of the devices when several split them (IOC_INGEST_PARTITION, `i/n`). */
  ingestPartition?: Partition;
  /** The dashboard's reverse proxies (IOC_TRUST_PROXY): their addresses and ranges; undefined = none. */
  trustProxy?: string[];
  /** The province's area set (IOC_AREAS_DIR: areas.geojson + attribution.txt; default Huế's, core/data/hue). */
  areasDir: string;
}

export interface CameraCheckConfig {
  /** How often each camera is checked, in ms. */
  intervalMs: number;
  /** Checks running at once (each makes its camera encode while frames are pulled); 0 = cameras are not checked. */
  concurrency: number;
  /** Consecutive frames grabbed per check (at least 2). */
  frames: number;
}

/** Gateway limits; 0 means unlimited for each. */
export interface MqttLimits {
  maxConnections: number;
  maxPacketBytes: number;
  /** Messages per second one connection may publish (excess is delayed, not dropped). */
  publishRate: number;
  /** New connections per second one IP address may open (excess is closed at once). */
  connectRate: number;
  /** Bytes waiting to be sent to one subscriber before it is disconnected as too slow. */
  maxQueueBytes: number;
  /** Messages the broker may hold (queued for delivery or unacknowledged in persistent sessions) before publishes wait. */
  maxBacklog: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
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

type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(env: Env, name: string, fallback?: number): number | undefined {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new ConfigError(name, `must be a TCP port number 0-65535, got "${raw}"`);
  }
  return value;
}

function clusterNodeTtlMs(env: Env): number {
  const seconds = count(env, 'IOC_CLUSTER_NODE_TTL_S', 30);
  if (seconds < 1) throw new ConfigError('IOC_CLUSTER_NODE_TTL_S', 'must be at least 1 second');
  return seconds * 1000;
}

function count(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ConfigError(name, `must be a whole number (0 = unlimited), got "${raw}"`);
  }
  return Number(raw);
}

function mqttLimits(env: Env): MqttLimits {
  return {
    maxConnections: count(env, 'IOC_MQTT_MAX_CONNECTIONS', 100_000),
    maxPacketBytes: count(env, 'IOC_MQTT_MAX_PACKET_BYTES', 256 * 1024),
    publishRate: count(env, 'IOC_MQTT_PUBLISH_RATE', 100),
    connectRate: count(env, 'IOC_MQTT_CONNECT_RATE', 50),
    maxQueueBytes: count(env, 'IOC_MQTT_MAX_QUEUE_BYTES', 8 * 1024 * 1024),
    maxBacklog: count(env, 'IOC_MQTT_MAX_BACKLOG', 100_000),
  };
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = text(env, name);
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

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be on or off, got "${raw}"`);
}

function influx(env: Env): InfluxConfig | undefined {
  const influxUrl = url(env, 'INFLUX_URL', ['http:', 'https:']);
  const user = text(env, 'INFLUX_USER');
  const password = text(env, 'INFLUX_PASSWORD');
  if ((user === undefined) !== (password === undefined)) {
    throw new ConfigError(user ? 'INFLUX_PASSWORD' : 'INFLUX_USER', 'INFLUX_USER and INFLUX_PASSWORD go together');
  }
  if (!influxUrl) return undefined;
  const db = text(env, 'INFLUX_DB') ?? 'ioc';
  if (!/^[A-Za-z0-9_-]+$/.test(db)) throw new ConfigError('INFLUX_DB', `must be letters, digits, _ or -, got "${db}"`);
  return { url: influxUrl, db, token: text(env, 'INFLUX_TOKEN'), user, password };
}

const RETENTION_UNIT_MS = { h: 3_600_000, d: 86_400_000 } as const;

/** A retention like `30d` or `12h` (at least 1 h), or `inf` (undefined: forever). */
function retentionMs(env: Env, name: string, fallback: number | undefined): number | undefined {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'inf') return undefined;
  const match = /^(\d+)(h|d)$/.exec(raw);
  const ms = match ? Number(match[1]) * RETENTION_UNIT_MS[match[2] as 'h' | 'd'] : 0;
  if (ms < RETENTION_UNIT_MS.h) throw new ConfigError(name, `must be a duration of at least 1h like 30d or 12h, or inf; got "${raw}"`);
  return ms;
}

function retention(env: Env): Retention {
  const raw = retentionMs(env, 'IOC_RETENTION_RAW', DEFAULT_RETENTION.raw);
  const minute = retentionMs(env, 'IOC_RETENTION_1M', DEFAULT_RETENTION.minute);
  const hour = retentionMs(env, 'IOC_RETENTION_1H', DEFAULT_RETENTION.hour);
  // inf for raw or minutes is kept as 1,000 years: the tiers below hourly always have an end.
  const forever = 1000 * 365 * RETENTION_UNIT_MS.d;
  return { raw: raw ?? forever, minute: minute ?? forever, hour };
}

function cameraChecks(env: Env): CameraCheckConfig {
  const intervalS = count(env, 'IOC_CAMERA_CHECK_INTERVAL_S', 60);
  if (intervalS < 1) throw new ConfigError('IOC_CAMERA_CHECK_INTERVAL_S', 'must be at least 1 (seconds)');
  const frames = count(env, 'IOC_CAMERA_CHECK_FRAMES', 3);
  if (frames < 2) throw new ConfigError('IOC_CAMERA_CHECK_FRAMES', 'must be at least 2 (a frame is judged against the one before it)');
  return { intervalMs: intervalS * 1000, concurrency: count(env, 'IOC_CAMERA_CHECKS_AT_ONCE', 1), frames };
}

/** The area-set directory, read once here so a bad one stops start-up with one line naming the variable. */
function areasDir(env: Env): string {
  const dir = resolve(text(env, 'IOC_AREAS_DIR') ?? DEFAULT_AREAS_DIR);
  try {
    loadAreaSet(dir);
  } catch (error) {
    if (error instanceof AreaSetError) throw new ConfigError('IOC_AREAS_DIR', error.message);
    throw error;
  }
  return dir;
}

function partition(env: Env, name: string): Partition | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const parsed = parsePartition(raw);
  if (!parsed) throw new ConfigError(name, `must be i/n with 1 <= i <= n <= 1024 (this worker of n), got "${raw}"`);
  return parsed;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/**
 * IOC_TRUST_PROXY: `off` (default), or the addresses and ranges of the reverse proxies in front of the dashboard
 * (`10.0.0.5,192.168.0.0/16`, `loopback`), whose X-Forwarded-For/-Proto/-Host are believed. Never "trust everyone"
 * nor a hop count: any client could then choose its own address.
 */
function trustProxy(env: Env): string[] | undefined {
  const raw = text(env, 'IOC_TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'off') return undefined;
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !PROXY_NAMES.includes(entry) && !isAddressOrRange(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'IOC_TRUST_PROXY',
      `must be off, or the reverse proxies' IP addresses, CIDR ranges or ${PROXY_NAMES.join('/')} separated by commas; "${bad}" is none of these`,
    );
  }
  return entries;
}

/** Reads and validates the configuration; throws ConfigError on the first bad variable. */
export function loadConfig(env: Env = process.env): IocConfig {
  const mqttPort = port(env, 'IOC_MQTT_PORT', 1883) as number;
  const mqttsPort = port(env, 'IOC_MQTTS_PORT');
  const tlsCert = text(env, 'IOC_TLS_CERT');
  const tlsKey = text(env, 'IOC_TLS_KEY');
  if (mqttsPort !== undefined && (!tlsCert || !tlsKey)) {
    throw new ConfigError(tlsCert ? 'IOC_TLS_KEY' : 'IOC_TLS_CERT', 'IOC_MQTTS_PORT needs IOC_TLS_CERT and IOC_TLS_KEY');
  }
  const tlsCa = text(env, 'IOC_TLS_CA');
  if (tlsCa !== undefined && mqttsPort === undefined) {
    throw new ConfigError('IOC_TLS_CA', 'mutual TLS needs the TLS listener: set IOC_MQTTS_PORT too');
  }
  const tlsCrl = text(env, 'IOC_TLS_CRL');
  if (tlsCrl !== undefined && tlsCa === undefined) {
    throw new ConfigError('IOC_TLS_CRL', 'a revocation list is for client certificates: set IOC_TLS_CA too');
  }
  const logLevel = (text(env, 'IOC_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('IOC_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const adminPassword = text(env, 'IOC_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('IOC_ADMIN_PASSWORD', 'must be at least 8 characters');
  }
  const serviceToken = text(env, 'IOC_SERVICE_TOKEN');
  if (serviceToken !== undefined && serviceToken.length < 16) {
    throw new ConfigError('IOC_SERVICE_TOKEN', 'must be at least 16 characters');
  }
  return {
    dataDir: resolve(text(env, 'IOC_DATA_DIR') ?? './data'),
    httpPort: port(env, 'IOC_HTTP_PORT', 8080) as number,
    mqttPort,
    mqttsPort,
    tlsCert,
    tlsKey,
    tlsCa,
    tlsCrl,
    mqttWsPort: port(env, 'IOC_MQTT_WS_PORT'),
    mqttLimits: mqttLimits(env),
    mqttUrl: url(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']) ?? `mqtt://127.0.0.1:${mqttPort}`,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    influx: influx(env),
    retention: retention(env),
    auditRetentionMs: retentionMs(env, 'IOC_AUDIT_RETENTION', 90 * RETENTION_UNIT_MS.d),
    deadLetters: { retentionMs: retentionMs(env, 'IOC_DEAD_LETTER_RETENTION', 30 * RETENTION_UNIT_MS.d), max: count(env, 'IOC_DEAD_LETTERS_MAX', 1_000_000) },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    clusterNodeTtlMs: clusterNodeTtlMs(env),
    adminPassword,
    serviceToken,
    demo: flag(env, 'IOC_DEMO', false),
    logLevel,
    cameraChecks: cameraChecks(env),
    ingestPartition: partition(env, 'IOC_INGEST_PARTITION'),
    trustProxy: trustProxy(env),
    areasDir: areasDir(env),
  };
}
