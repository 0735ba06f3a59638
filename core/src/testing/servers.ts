import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { chownSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, requireBinary, tempDir } from './system.ts';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** Polls `check` until it returns true, for at most `timeoutMs`; `describeFailure` explains a timeout. */
async function waitUntil(check: () => Promise<boolean>, what: string, describeFailure: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${READY_TIMEOUT_MS / 1000} s. ${describeFailure()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs `start` on fresh free ports, up to 3 times: a port found free can be taken by someone else before the
 * server binds it.
 */
async function onFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return await start(ports);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

/** Whether a throwaway PostgreSQL can be started (skips with a message, or throws under CI=true, when not). */
export function postgresAvailable(): boolean {
  return requireBinary('postgresql-15', `${POSTGRES_BIN}/initdb`) !== undefined;
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/ioc */
  url: string;
  /** The postmaster's process id (its first line of postmaster.pid), while it runs. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** Runs a PostgreSQL program as the `postgres` user when we are root (initdb refuses root), else as ourselves. */
function asPostgres(program: string, args: string[]): Promise<unknown> {
  const path = `${POSTGRES_BIN}/${program}`;
  return userInfo().uid === 0 ? run('runuser', ['-u', 'postgres', '--', path, ...args]) : run(path, args);
}

/** A throwaway PostgreSQL 15 cluster on a free loopback port with an empty database `ioc`. */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = tempDir('ioc-pg-');
  const dataDir = join(dir.path, 'data');
  const logFile = join(dir.path, 'postgres.log');
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir.path, Number(stdout), Number(gid));
  }
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      await asPostgres('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate', '-w']).catch(() => {});
    }
    dir.remove();
  };
  try {
    await asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await onFreePorts(1, async ([port]) => {
      const options = `-p ${port} -k ${dir.path} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=40`;
      // -l: the server's output goes to a file, so pg_ctl's pipes close once it has started.
      await asPostgres('pg_ctl', ['-D', dataDir, '-o', options, '-l', logFile, '-w', '-t', String(READY_TIMEOUT_MS / 1000), 'start']).catch(
        (error: Error) => {
          throw new Error(`PostgreSQL did not start: ${error.message}\n${tail(logFile)}`);
        },
      );
      return port as number;
    });
    started = true;
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE ioc');
    } finally {
      await admin.end();
    }
    const pid = () => {
      if (!started) return undefined;
      try {
        return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return undefined;
      }
    };
    return { url: `postgres://postgres@127.0.0.1:${port}/ioc`, pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ------------------------------------------------------------------------------------------------ InfluxDB

/** Whether Debian's influxd can be started (skips with a message, or throws under CI=true, when not). */
export function influxAvailable(): boolean {
  return requireBinary('influxdb', 'influxd') !== undefined;
}

export interface InfluxServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** A database name for the test (created by whoever writes first, e.g. the Influx TelemetryStore). */
  db: string;
  /** 127.0.0.1:PORT of its RPC service, which `influxd backup` and `influxd restore` talk to. */
  rpcAddress: string;
  /** Stops the server (SIGTERM) and removes its files. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; the files stay for restart(). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and directories (stopping it first if it runs). */
  restart(): Promise<void>;
  /** The running influxd's process id (undefined while stopped), for benchmarks that read its CPU time. */
  pid(): number | undefined;
}

function influxConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  index-version = "inmem"

[monitor]
  store-enabled = false

[retention]
  enabled = true

[subscriber]
  enabled = false

[continuous_queries]
  enabled = true
  log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  suppress-write-log = true
  pprof-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Debian's influxd (1.x) on free loopback ports with its files in a temporary directory. */
export async function startInflux(): Promise<InfluxServer> {
  const binary = requireBinary('influxdb', 'influxd');
  if (!binary) throw new Error('influxd is not installed (apt-get install -y influxdb)');
  const dir = tempDir('ioc-influx-');
  const configFile = join(dir.path, 'influxdb.conf');
  const logFile = join(dir.path, 'influxd.log');
  mkdirSync(join(dir.path, 'meta'));
  let url = '';
  let rpcAddress = '';
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const proc = spawn(binary, ['run', '-config', configFile], { stdio: ['ignore', log, log] });
    closeSync(log);
    child = proc;
    await waitUntil(
      async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('exited');
        return (await fetch(`${url}/ping`)).status === 204;
      },
      'influxd',
      () => `${proc.exitCode !== null ? `It exited with code ${proc.exitCode}. ` : ''}Log:\n${tail(logFile)}`,
    ).catch(async (error: unknown) => {
      proc.kill('SIGKILL');
      await exited(proc);
      throw error;
    });
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited(proc);
    clearTimeout(timer);
  };

  try {
    await onFreePorts(2, async ([httpPort, rpcPort]) => {
      writeFileSync(configFile, influxConfig(dir.path, httpPort as number, rpcPort as number));
      url = `http://127.0.0.1:${httpPort}`;
      rpcAddress = `127.0.0.1:${rpcPort}`;
      await launch();
    });
  } catch (error) {
    dir.remove();
    throw error;
  }
  return {
    url,
    db: 'ioc_test',
    rpcAddress,
    stop: async () => {
      await halt('SIGTERM');
      if (existsSync(dir.path)) dir.remove();
    },
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      await launch();
    },
    pid: () => child?.pid,
  };
}

// --------------------------------------------------------------------------------------------------- Redis

/** Whether Debian's redis-server can be started (skips with a message, or throws under CI=true, when not). */
export function redisAvailable(): boolean {
  return requireBinary('redis-server', 'redis-server', '/usr/bin/redis-server') !== undefined;
}

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Answers a Redis PING on `port`. */
function redisPong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Debian's redis-server on a free loopback port, in memory only (no RDB, no AOF), its files in a temp dir. */
export async function startRedis(): Promise<RedisServer> {
  const binary = requireBinary('redis-server', 'redis-server', '/usr/bin/redis-server');
  if (!binary) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
  const dir = tempDir('ioc-redis-');
  const logFile = join(dir.path, 'redis.log');
  try {
    return await onFreePorts(1, async ([port]) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--logfile', logFile, '--daemonize', 'no'];
      const child = spawn(binary, args, { stdio: 'ignore' });
      const halt = async (): Promise<void> => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited(child);
        clearTimeout(timer);
      };
      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error('exited');
          return redisPong(port as number);
        },
        'redis-server',
        () => `${child.exitCode !== null ? `It exited with code ${child.exitCode}. ` : ''}Log:\n${tail(logFile)}`,
      ).catch(async (error: unknown) => {
        await halt();
        throw error;
      });
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          await halt();
          dir.remove();
        },
      };
    });
  } catch (error) {
    dir.remove();
    throw error;
  }
}
