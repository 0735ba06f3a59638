import { isIP } from 'node:net';
import { ConfigError, loadCommonConfig, readPort, readText, readUrl, type CommonConfig, type ConfigEnv } from '@ioc/core';
import { readCallbackSecret } from '@ioc/alerting';

/** The dashboard's configuration: its HTTP port, the admin's password and its reverse proxies, with the common settings. */
export interface DashboardConfig extends CommonConfig {
  httpPort: number;
  /** The password of the user `admin` (IOC_ADMIN_PASSWORD); undefined = generated into the data directory. */
  adminPassword?: string;
  /** The dashboard's reverse proxies (IOC_TRUST_PROXY): their addresses and ranges; undefined = none. */
  trustProxy?: string[];
  /** The secret in the providers' delivery-receipt URLs (IOC_NOTIFY_CALLBACK_SECRET); without it receipts are refused. */
  providerCallbackSecret?: string;
  /** Redis (REDIS_URL) through which several dashboard processes share the live feed; undefined = this process alone. */
  redisUrl?: string;
  /** This process's name among several dashboards (IOC_DASHBOARD_INSTANCE); undefined = the only one. */
  instance?: string;
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
function trustProxy(env: ConfigEnv): string[] | undefined {
  const raw = readText(env, 'IOC_TRUST_PROXY');
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

function adminPassword(env: ConfigEnv): string | undefined {
  const password = readText(env, 'IOC_ADMIN_PASSWORD');
  if (password !== undefined && password.length < 8) throw new ConfigError('IOC_ADMIN_PASSWORD', 'must be at least 8 characters');
  return password;
}

/** IOC_DASHBOARD_INSTANCE: a short name of lower-case letters, digits and '-', used in an MQTT client id and a health name. */
function instance(env: ConfigEnv): string | undefined {
  const name = readText(env, 'IOC_DASHBOARD_INSTANCE');
  if (name !== undefined && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) {
    throw new ConfigError('IOC_DASHBOARD_INSTANCE', `must be 1 to 32 lower-case letters, digits or '-' (not starting with '-'); "${name.slice(0, 40)}" is not`);
  }
  return name;
}

/** Reads and validates the dashboard's configuration (`ioc start dashboard`); throws ConfigError on the first bad variable. */
export function loadDashboardConfig(env: ConfigEnv = process.env): DashboardConfig {
  return {
    ...loadCommonConfig(env),
    httpPort: readPort(env, 'IOC_HTTP_PORT', 8080),
    adminPassword: adminPassword(env),
    trustProxy: trustProxy(env),
    providerCallbackSecret: readCallbackSecret(env),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    instance: instance(env),
  };
}
