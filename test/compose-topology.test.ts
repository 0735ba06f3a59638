// The compose topology without Docker: every service of docker-compose.yml (but the demo's) as its own `ioc start`
// process, with the environment the compose file and the Dockerfile give its container, its host names and ports
// rewritten to loopback and its databases to Debian's throwaway servers. A reading of a device goes end to end to the
// live feed of a second dashboard process, so the compose file and the code cannot drift apart.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SERVICES } from '@ioc/cli';
import { deviceTopic } from '@ioc/core';
import type { CommandRecord } from '@ioc/core/contracts';
import {
  freePort,
  influxAvailable,
  postgresAvailable,
  redisAvailable,
  startInflux,
  startPostgres,
  startRedis,
  tempDir,
} from '@ioc/core/testing';
import { spawnIoc, type IocProcess } from '../cli/test/run-ioc.ts';
import { compose, environmentOf, iocServices, OPERATOR_ENV, root, type ComposeService } from './compose-file.ts';

const run = promisify(execFile);

/** A database the compose file runs from an image, replaced by Debian's: the port it listens on in its container. */
interface Backing {
  containerPort: number;
  start(service: ComposeService): Promise<{ port: number; stop(): Promise<void> }>;
}

const portOf = (url: string) => Number(new URL(url).port);

/** The images this test can stand in for; any other image in the file fails the test until it is taught here. */
const BACKINGS: Array<[RegExp, Backing]> = [
  [
    /^postgres:/,
    {
      containerPort: 5432,
      // As the postgres image does on an empty volume: its POSTGRES_USER, a superuser with POSTGRES_PASSWORD, and POSTGRES_DB.
      async start(service) {
        const server = await startPostgres();
        const env = environmentOf(service);
        const admin = new pg.Client({ connectionString: server.url });
        await admin.connect();
        try {
          const user = admin.escapeIdentifier(env.POSTGRES_USER ?? 'postgres');
          await admin.query(`CREATE ROLE ${user} SUPERUSER LOGIN PASSWORD ${admin.escapeLiteral(env.POSTGRES_PASSWORD ?? '')}`);
          if (env.POSTGRES_DB && env.POSTGRES_DB !== 'ioc') await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(env.POSTGRES_DB)} OWNER ${user}`);
          else await admin.query(`ALTER DATABASE ioc OWNER TO ${user}`);
        } finally {
          await admin.end();
        }
        return { port: portOf(server.url), stop: () => server.stop() };
      },
    },
  ],
  [
    /^influxdb:1\./,
    {
      containerPort: 8086,
      // Debian's influxd runs without authentication: the IOC's login is sent and not checked.
      async start() {
        const server = await startInflux();
        return { port: portOf(server.url), stop: () => server.stop() };
      },
    },
  ],
  [
    /^redis:/,
    {
      containerPort: 6379,
      async start() {
        const server = await startRedis();
        return { port: portOf(server.url), stop: () => server.stop() };
      },
    },
  ],
];

/** The IOC's listeners: the variable that sets each, and its port when unset. */
const LISTENERS: Record<string, number | undefined> = { IOC_MQTT_PORT: 1883, IOC_HTTP_PORT: 8080, IOC_MQTTS_PORT: undefined, IOC_MQTT_WS_PORT: undefined };

/** The ENV of the Dockerfile's last stage: what every IOC container has before compose's environment. */
function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, body = ''] of stage.matchAll(/^ENV\s+((?:.*\\\n)*.*)$/gm)) {
    for (const pair of body.replace(/\\\n/g, ' ').trim().split(/\s+/)) {
      const [key = '', ...value] = pair.split('=');
      env[key] = value.join('=');
    }
  }
  return env;
}

/** The services `name` waits for (depends_on), then `name`: a start order in which each comes after what it waits for. */
function startOrder(names: string[]): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dependency of Object.keys(compose.services[name]?.depends_on ?? {})) visit(dependency);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

const NON_DEMO = Object.keys(compose.services).filter((name) => !(compose.services[name]?.profiles ?? []).includes('demo'));
const IOC = new Set(iocServices().map(([name]) => name));
const ready = postgresAvailable() && influxAvailable() && redisAvailable();

describe.skipIf(!ready)('the compose topology as processes: every service its own `ioc start`, on Debian PostgreSQL, InfluxDB and Redis', () => {
  const volumes = new Map<string, ReturnType<typeof tempDir>>();
  const backings: Array<{ stop(): Promise<void> }> = [];
  const processes = new Map<string, IocProcess>();
  /** `<compose service>:<port in its container>` → the loopback port that stands for it. */
  const addresses = new Map<string, number>();
  /** Each dashboard process's loopback base URL. */
  const dashboards: Record<'a' | 'b', string> = { a: '', b: '' };
  const clients: mqtt.MqttClient[] = [];
  let socket: Socket | undefined;
  let cookie = '';

  const output = () => [...processes].map(([name, p]) => `--- ${name}\n${p.output().slice(-3000)}`).join('\n');

  /** A compose environment value as it reads on loopback: `host:port` of a service of the file → 127.0.0.1:its port. */
  function toLoopback(value: string, service: string): string {
    return value.replace(/(\/\/(?:[^@/\s]*@)?)([A-Za-z0-9.-]+):(\d+)/g, (match, prefix: string, host: string, port: string) => {
      const name = host === '127.0.0.1' || host === 'localhost' ? service : host;
      if (!(name in compose.services)) return match;
      const mapped = addresses.get(`${name}:${port}`);
      if (mapped === undefined) throw new Error(`${service}: "${value}" names ${host}:${port}, which no service of the file listens on`);
      return `${prefix}127.0.0.1:${mapped}`;
    });
  }

  /** Its container's environment: the image's ENV, then compose's, with its volumes in temp dirs. */
  function containerEnv(name: string): Record<string, string> {
    const service = compose.services[name] as ComposeService & { volumes?: string[] };
    const env = { ...imageEnv(), ...environmentOf(service) };
    for (const volume of service.volumes ?? []) {
      const [source = '', target = ''] = volume.split(':');
      if (!volumes.has(source)) volumes.set(source, tempDir(`ioc-compose-${source}-`));
      for (const [key, value] of Object.entries(env)) if (value === target) env[key] = volumes.get(source)!.path;
    }
    return env;
  }

  /**
   * Gives each listener the service's configuration reads a loopback port, recorded under the service's name (the
   * first process of a name is the one the others reach); returns this process's ports by port in its container.
   */
  async function listenOnLoopback(name: string, env: Record<string, string>): Promise<Map<number, number>> {
    const entry = SERVICES.find((service) => service.name === name);
    if (!entry) throw new Error(`compose service ${name} is not in the service table`);
    const read = new Set<string>();
    entry.config(new Proxy(env, { get: (target, key: string) => (read.add(key), target[key]) }));
    const own = new Map<number, number>();
    for (const [variable, fallback] of Object.entries(LISTENERS)) {
      const containerPort = env[variable] !== undefined ? Number(env[variable]) : fallback;
      if (!read.has(variable) || containerPort === undefined) continue;
      const port = await freePort();
      env[variable] = String(port);
      own.set(containerPort, port);
      if (!addresses.has(`${name}:${containerPort}`)) addresses.set(`${name}:${containerPort}`, port);
    }
    return own;
  }

  /** Runs the service's own compose healthcheck (its container address rewritten) until it passes. */
  async function healthy(name: string, own: Map<number, number>): Promise<void> {
    const [kind, program, ...args] = compose.services[name]?.healthcheck?.test ?? [];
    if (kind !== 'CMD' || program !== 'node') throw new Error(`${name}: this test runs "CMD node …" healthchecks only`);
    const probe = args.map((arg) =>
      arg.replace(/^(\w+:\/\/)127\.0\.0\.1:(\d+)/, (_match, scheme: string, port: string) => {
        const mapped = own.get(Number(port));
        if (mapped === undefined) throw new Error(`${name}: its healthcheck probes port ${port}, which none of its listeners uses`);
        return `${scheme}127.0.0.1:${mapped}`;
      }),
    );
    await vi.waitFor(() => run(process.execPath, probe, { cwd: root }), { timeout: 120_000, interval: 500 }).catch((error: Error) => {
      throw new Error(`${name} never passed its healthcheck (${probe.join(' ')}): ${error.message}\n${output()}`);
    });
  }

  async function startIocService(label: string, name: string, extra: Record<string, string> = {}): Promise<void> {
    const env = { ...containerEnv(name), ...extra };
    const own = await listenOnLoopback(name, env);
    const rewritten = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, toLoopback(value, name)]));
    const [command, ...args] = compose.services[name]?.command ?? [];
    expect(command, name).toBe('start');
    processes.set(label, spawnIoc([command as string, ...args], rewritten));
    if (label.startsWith('dashboard')) dashboards[label.slice(-1) as 'a' | 'b'] = `http://127.0.0.1:${rewritten.IOC_HTTP_PORT}`;
    if (compose.services[name]?.healthcheck) await healthy(name, own);
  }

  beforeAll(async () => {
    for (const name of startOrder(NON_DEMO)) {
      const service = compose.services[name] as ComposeService;
      if (IOC.has(name)) {
        // Two dashboards behind one address, as an operator scales it: each its own instance name.
        if (name === 'dashboard') {
          await startIocService('dashboard-a', name, { IOC_DASHBOARD_INSTANCE: 'a' });
          await startIocService('dashboard-b', name, { IOC_DASHBOARD_INSTANCE: 'b' });
        } else await startIocService(name, name);
        continue;
      }
      const backing = BACKINGS.find(([image]) => image.test(service.image ?? ''))?.[1];
      if (!backing) throw new Error(`compose service ${name} runs image ${service.image}, which this test cannot stand in for: add it to BACKINGS`);
      const server = await backing.start(service);
      backings.push(server);
      addresses.set(`${name}:${backing.containerPort}`, server.port);
    }
    const login = await fetch(`${dashboards.a}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: OPERATOR_ENV.IOC_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  }, 600_000);

  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(output())));

  afterAll(async () => {
    socket?.close();
    await Promise.all(clients.map((client) => client.endAsync()));
    for (const { child } of processes.values()) child.kill('SIGTERM');
    // One that does not stop (say, stuck starting) is killed, so that no process outlives the test.
    const killer = setTimeout(() => {
      for (const { child } of processes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 20_000);
    await Promise.all([...processes.values()].map((p) => p.exited));
    clearTimeout(killer);
    for (const backing of backings.reverse()) await backing.stop();
    for (const volume of volumes.values()) volume.remove();
  }, 120_000);

  const api = async (base: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('shows every service of the file ok on the bus, each dashboard under its own name', async () => {
    const names = [...IOC].filter((name) => NON_DEMO.includes(name) && name !== 'dashboard').concat('dashboard-a', 'dashboard-b', 'db', 'telemetry');
    const statuses = async () => {
      const health = await api(dashboards.b, '/api/health').catch(() => undefined);
      const services = (health?.body.services ?? {}) as Record<string, { status: string }>;
      return Object.fromEntries(names.map((name) => [name, services[name]?.status]));
    };
    await expect.poll(statuses, { timeout: 120_000, interval: 500 }).toEqual(Object.fromEntries(names.map((name) => [name, 'ok'])));
  }, 150_000);

  it("takes a device's reading through the gateway to ingest, InfluxDB and the live feed of the second dashboard", async () => {
    const created = await api(dashboards.a, '/api/devices', { id: 'air-compose-1', kind: 'air' });
    expect(created.status).toBe(201);
    const readings: Array<{ deviceId: string; metrics: Record<string, number> }> = [];
    socket = connectSocket(dashboards.b, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
    socket.on('telemetry', (event: { deviceId: string; metrics: Record<string, number> }) => readings.push(event));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve);
      socket!.once('connect_error', reject);
    });
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${addresses.get('gateway:1883')}`, {
      clientId: 'air-compose-1',
      username: 'air-compose-1',
      password: created.body.token as string,
      reconnectPeriod: 0,
    });
    clients.push(device);
    await device.publishAsync(deviceTopic('air-compose-1', 'telemetry'), JSON.stringify({ metrics: { pm25: 37.5 } }), { qos: 1 });
    await vi.waitFor(() => expect(readings.filter((r) => r.deviceId === 'air-compose-1').map((r) => r.metrics.pm25)).toEqual([37.5]), 60_000);
    await vi.waitFor(async () => {
      const stored = await api(dashboards.b, '/api/devices/air-compose-1/telemetry?metric=pm25');
      expect(stored.body.points).toEqual([{ ts: expect.any(Number), value: 37.5 }]);
    }, 60_000);
  }, 150_000);

  it("tells the second dashboard's browsers of a command sent through the first, and of its ack (socket.io through Redis)", async () => {
    const created = await api(dashboards.a, '/api/devices', { id: 'spk-compose-1', kind: 'speaker' });
    expect(created.status).toBe(201);
    const commands: CommandRecord[] = [];
    socket!.on('command', (record: CommandRecord) => commands.push(record));
    const speaker = await mqtt.connectAsync(`mqtt://127.0.0.1:${addresses.get('gateway:1883')}`, {
      clientId: 'spk-compose-1',
      username: 'spk-compose-1',
      password: created.body.token as string,
      reconnectPeriod: 0,
    });
    clients.push(speaker);
    speaker.on('message', (_topic, payload) => {
      const { id } = JSON.parse(payload.toString()) as { id: string };
      void speaker.publishAsync(deviceTopic('spk-compose-1', 'ack'), JSON.stringify({ id, status: 'ok' }), { qos: 1 });
    });
    await speaker.subscribeAsync(deviceTopic('spk-compose-1', 'cmd'), { qos: 1 });
    const sent = await api(dashboards.a, '/api/devices/spk-compose-1/commands', { type: 'volume', args: { level: 20 } });
    expect(sent.status).toBe(201);
    await vi.waitFor(() => expect(commands.filter((c) => c.id === sent.body.id).map((c) => c.status)).toEqual(['sent', 'acked']), 60_000);
  }, 150_000);
});
