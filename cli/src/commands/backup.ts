import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadCommonConfig, readText, type CommonConfig, type ConfigEnv, type InfluxConfig } from '@ioc/core';
import { parseFlags, required } from '../args.ts';
import type { Command } from '../io.ts';

const run = promisify(execFile);

/** What a backup directory holds, written last: a directory without it is not a finished backup. */
const MANIFEST = 'ioc-backup.json';
const POSTGRES_DUMP = 'postgres.dump';
const INFLUX_DIR = 'influxdb';

interface Manifest {
  createdAt: string;
  postgres?: { file: string };
  influx?: { dir: string; db: string };
}

/** A program on PATH, or in Debian's PostgreSQL directories (pg_dump and pg_restore are not on PATH there). */
function program(name: string, env: ConfigEnv): string {
  const postgres = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)).map((version) => `/usr/lib/postgresql/${version}/bin`)
    : [];
  const found = [...(env.PATH ?? '').split(delimiter), ...postgres].map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) throw new Error(`${name} not found on PATH (Debian: apt-get install postgresql-client or influxdb)`);
  return found;
}

/** influxd's RPC address (INFLUX_BACKUP_ADDRESS), by default INFLUX_URL's host on port 8088, influxd's own. */
function influxRpcAddress(env: ConfigEnv, influx: InfluxConfig): string {
  return readText(env, 'INFLUX_BACKUP_ADDRESS') ?? `${new URL(influx.url).hostname}:8088`;
}

/** The stores this configuration uses that the commands can copy, or the reason they cannot. */
function stores(config: CommonConfig): { databaseUrl: string; influx?: InfluxConfig } {
  if (!config.databaseUrl) {
    throw new Error(`the database is PGlite in ${config.dataDir}: stop the IOC and copy that directory (ioc backup is for PostgreSQL, DATABASE_URL)`);
  }
  if (config.influx?.org) throw new Error('InfluxDB 2.x/3.x (INFLUX_ORG) is backed up with its own tool: influx backup');
  return { databaseUrl: config.databaseUrl, influx: config.influx };
}

/** Runs a program, its failure an error naming it with what it wrote (passwords in URLs masked). */
async function step(what: string, file: string, args: string[]): Promise<void> {
  await run(file, args, { maxBuffer: 16 << 20 }).catch((error: Error & { stderr?: string }) => {
    const said = (error.stderr ?? error.message).replace(/\/\/([^:/@\s]+):[^@\s]+@/g, '//$1:***@').trim();
    throw new Error(`${what} failed: ${said.split('\n').slice(-5).join(' ')}`);
  });
}

/** InfluxQL on /query, with the configured login. */
async function influxQuery(influx: InfluxConfig, q: string): Promise<void> {
  const body = new URLSearchParams({ q, ...(influx.user ? { u: influx.user, p: influx.password ?? '' } : {}) });
  const response = await fetch(`${influx.url}/query`, { method: 'POST', body });
  if (!response.ok) throw new Error(`InfluxDB refused "${q}": ${response.status} ${(await response.text()).slice(0, 200)}`);
}

/**
 * ioc backup --to DIR: PostgreSQL with pg_dump (custom format, consistent while the IOC runs) and InfluxDB 1.x with
 * `influxd backup -portable` (over its RPC port), then a manifest naming both.
 */
export const backup: Command = async ({ args, env, io }) => {
  const { values } = parseFlags(args, { to: { type: 'string' } });
  const dir = resolve(required(values.to, 'to'));
  const { databaseUrl, influx } = stores(loadCommonConfig(env));
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: back up into a new directory`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const manifest: Manifest = { createdAt: new Date().toISOString() };
  await step('pg_dump', program('pg_dump', env), ['--format=custom', `--file=${join(dir, POSTGRES_DUMP)}`, `--dbname=${databaseUrl}`]);
  manifest.postgres = { file: POSTGRES_DUMP };
  if (influx) {
    const address = influxRpcAddress(env, influx);
    await step('influxd backup', program('influxd', env), ['backup', '-portable', '-database', influx.db, '-host', address, join(dir, INFLUX_DIR)]);
    manifest.influx = { dir: INFLUX_DIR, db: influx.db };
  }
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  io.out(JSON.stringify({ backup: dir, ...manifest }));
  return 0;
};

/**
 * ioc restore --from DIR: puts a backup back, the IOC stopped. PostgreSQL's objects are dropped and created again
 * from the dump in one transaction; InfluxDB's database is dropped and restored from the portable backup.
 */
export const restore: Command = async ({ args, env, io }) => {
  const { values } = parseFlags(args, { from: { type: 'string' } });
  const dir = resolve(required(values.from, 'from'));
  if (!existsSync(join(dir, MANIFEST))) throw new Error(`${dir} holds no finished backup (no ${MANIFEST})`);
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  const { databaseUrl, influx } = stores(loadCommonConfig(env));
  if (manifest.influx && !influx) throw new Error('the backup holds InfluxDB telemetry, and INFLUX_URL is not set');
  if (manifest.postgres) {
    await step('pg_restore', program('pg_restore', env), [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${databaseUrl}`,
      join(dir, manifest.postgres.file),
    ]);
  }
  if (manifest.influx && influx) {
    await influxQuery(influx, `DROP DATABASE "${influx.db.replace(/"/g, '\\"')}"`);
    const address = influxRpcAddress(env, influx);
    await step('influxd restore', program('influxd', env), ['restore', '-portable', '-db', manifest.influx.db, '-newdb', influx.db, '-host', address, join(dir, manifest.influx.dir)]);
  }
  io.out(JSON.stringify({ restored: dir, postgres: manifest.postgres !== undefined, influx: manifest.influx !== undefined }));
  return 0;
};
