// docker-compose.yml as the tests read it: parsed with its merge keys, and compose's variable interpolation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const root = join(import.meta.dirname, '..');
export const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;

export interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
  ports?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  tmpfs?: string[];
}
export interface Compose {
  services: Record<string, ComposeService>;
}

/** Values for the variables compose requires from the operator (`${VAR:?…}`), valid for the IOC's configuration. */
export const OPERATOR_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'postgres-secret',
  INFLUX_PASSWORD: 'influx-secret',
  IOC_SERVICE_TOKEN: 'service-token-of-32-characters!!',
  IOC_ADMIN_PASSWORD: 'admin-password',
};

/** Compose variable interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name, operator, arg) => {
    if (match === '$$') return '$';
    const set = env[name];
    if (operator === ':-' || operator === '-') return set ?? arg;
    if ((operator === ':?' || operator === '?') && set === undefined) throw new Error(`${name}: ${arg}`);
    return set ?? '';
  });
}

/** A service's environment as compose gives it, with `env` as the operator's variables. */
export function environmentOf(service: ComposeService, env: Record<string, string> = OPERATOR_ENV): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), env)]));
}

/** The services built from this repository's Dockerfile, i.e. the IOC's own. */
export function iocServices(): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
}
