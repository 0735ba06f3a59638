import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { generateToken, loadCommonConfig, openTelemetryStore, type Db } from '@ioc/core';
import { freePort, type InfluxServer, startMosquitto, tempDir } from '@ioc/core/testing';
import { processCpuSeconds } from '../common.ts';
import { rssMb, startGatewayProcess, startStockAedes, type BrokerProcess } from '../gateway/process.ts';
import { airPayload } from './protocol.ts';
import { influxql, PROBE_DEVICE, type System } from './system.ts';

const IOC = fileURLToPath(new URL('../../cli/bin/ioc.js', import.meta.url));
const INFLUX_DB = 'ioc_bench';
const READY_TIMEOUT_MS = 60_000;

export interface IocSystemOptions {
  /** The registry (PostgreSQL), shared by both processes, with the devices registered. */
  db: Db;
  databaseUrl: string;
  devices: { id: string; token: string }[];
  probe: { id: string; token: string };
  /** InfluxDB as the TelemetryStore; without it, the SQL adapter on the same PostgreSQL. */
  influx?: InfluxServer;
  /** Where the processes write their CPU profiles when they stop (`--profile`), in `gateway/` and `ingest/`. */
  profileDir?: string;
  /**
   * The broker ingest reads from: our gateway (the product), or, to see what the broker costs, stock aedes or
   * Debian's Mosquitto (anonymous, unlimited queues) given as `{ mosquittoBinary }`.
   */
  broker?: 'gateway' | 'aedes' | { mosquittoBinary: string };
  /** Ingest processes splitting the devices between them (IOC_INGEST_PARTITION i/n); 1 by default. */
  ingestWorkers?: number;
}

type Broker = Pick<BrokerProcess, 'url' | 'pid' | 'stop'>;

function brokerName(broker: IocSystemOptions['broker']): string {
  return broker === undefined || broker === 'gateway' ? 'gateway' : broker === 'aedes' ? 'aedes' : 'mosquitto';
}

async function startBroker(options: IocSystemOptions, env: Record<string, string>, dir: string): Promise<Broker> {
  const { broker = 'gateway', profileDir } = options;
  if (broker === 'gateway') return startGatewayProcess(await freePort(), env, profileDir && join(profileDir, 'gateway'));
  if (broker === 'aedes') return startStockAedes(await freePort());
  return startMosquitto(broker.mosquittoBinary, await freePort(), dir);
}

const SUBSCRIBED = 'ingest subscribed to device telemetry';

/**
 * `ioc start ingest` in its own process. `subscribed` resolves once its log says so (its info lines are read for
 * that; warnings and errors are passed on to stderr); `stop()` resolves once it has stopped after SIGTERM.
 */
export function startIngestProcess(env: Record<string, string>, profileDir?: string) {
  const args = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), IOC, 'start', 'ingest'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, IOC_LOG_LEVEL: 'info', IOC_DEMO: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const subscribed = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      let entry: { level?: number; msg?: string } = {};
      try {
        entry = JSON.parse(text) as typeof entry;
      } catch {
        entry = { level: 40 };
      }
      if (entry.msg === SUBSCRIBED) resolve();
      if ((entry.level ?? 0) >= 40) process.stderr.write(`${text}\n`);
    });
  });
  return {
    pid: child.pid as number,
    subscribed,
    exitCode: () => child.exitCode,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Our pipeline as production runs it (docker-compose.yml): `ioc start gateway` and `ioc start ingest`, each in its
 * own process with a core to itself, the registry on PostgreSQL, writing to InfluxDB or to the SQL adapter; or
 * the same ingest behind another broker (`broker`).
 */
export async function startIocSystem(options: IocSystemOptions): Promise<System> {
  const { db, influx, probe, profileDir } = options;
  const broker = brokerName(options.broker);
  const name = broker !== 'gateway' ? `ingest-behind-${broker}` : influx ? 'ioc' : 'ioc-sql';
  // Each broker's run counts its own database's points.
  const influxDb = broker === 'gateway' ? INFLUX_DB : `${INFLUX_DB}_behind_${broker}`;
  const dir = tempDir('ioc-bench-ingest-');
  const env = {
    IOC_DATA_DIR: dir.path,
    IOC_SERVICE_TOKEN: generateToken(24),
    DATABASE_URL: options.databaseUrl,
    // The load is 200 connections each far above a device's normal rate, and ingest is meant to lag under it.
    IOC_MQTT_PUBLISH_RATE: '0',
    IOC_MQTT_MAX_QUEUE_BYTES: '0',
    IOC_MQTT_CONNECT_RATE: '0',
    ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: influxDb } : {}),
  };
  const brokerProcess = await startBroker(options, env, dir.path);
  const workers = options.ingestWorkers ?? 1;
  const ingests = Array.from({ length: workers }, (_, i) =>
    startIngestProcess(
      { ...env, MQTT_URL: brokerProcess.url, ...(workers > 1 ? { IOC_INGEST_PARTITION: `${i + 1}/${workers}` } : {}) },
      i === 0 && profileDir ? join(profileDir, 'ingest') : undefined,
    ),
  );
  const ingest = {
    subscribed: () => Promise.all(ingests.map((worker) => worker.subscribed)),
    exitCode: () => ingests.find((worker) => worker.exitCode() !== null)?.exitCode() ?? null,
    stop: () => Promise.all(ingests.map((worker) => worker.stop())),
    cpuSeconds: () => ingests.reduce((sum, worker) => sum + processCpuSeconds(worker.pid), 0),
    rssMb: () => ingests.reduce((sum, worker) => sum + rssMb(worker.pid), 0),
  };
  const telemetry = await openTelemetryStore(loadCommonConfig(env), db);
  const visible = async (ts: number) => (await telemetry.range({ deviceId: PROBE_DEVICE, metric: 'pm25', from: ts, to: ts + 1 })).length > 0;
  try {
    await untilIngesting(brokerProcess.url, probe, visible, () => ingest.exitCode());
    // Every worker has its session (the probe only shows that its own worker has).
    await ingest.subscribed();
  } catch (error) {
    await ingest.stop();
    await brokerProcess.stop();
    throw error;
  }
  return {
    name,
    mqttUrl: brokerProcess.url,
    devices: options.devices,
    probe,
    stored: async () => {
      if (influx) return Number((await influxql(influx, influxDb, `SELECT count(pm25) FROM telemetry WHERE device =~ /^bench-/`))[0]?.[1] ?? 0);
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry WHERE metric = 'pm25' AND device_id LIKE 'bench-%'`);
      return rows[0]?.n ?? 0;
    },
    visible,
    // With several ingest workers, `ingest` is their sum.
    cpuSeconds: () => ({ [broker]: processCpuSeconds(brokerProcess.pid), ingest: ingest.cpuSeconds() }),
    rssMb: () => ({ [broker]: rssMb(brokerProcess.pid), ingest: ingest.rssMb() }),
    async stop() {
      await ingest.stop();
      await brokerProcess.stop();
      await telemetry.close();
      dir.remove();
    },
  };
}

/** Publishes probe readings until one is queryable: ingest has subscribed (a reading before that is not kept). */
async function untilIngesting(url: string, probe: { id: string; token: string }, visible: (ts: number) => Promise<boolean>, exitCode: () => number | null) {
  const client = await mqtt.connectAsync(url, { clientId: probe.id, username: probe.id, password: probe.token });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (let n = 0; ; n++) {
      if (exitCode() !== null) throw new Error(`ioc start ingest exited with ${exitCode()}`);
      if (Date.now() > deadline) throw new Error(`ingest stored no reading within ${READY_TIMEOUT_MS / 1000} s`);
      const ts = Date.now();
      await client.publishAsync(`ioc/v1/devices/${probe.id}/telemetry`, airPayload(ts, n), { qos: 1 });
      for (let i = 0; i < 10; i++) {
        if (await visible(ts).catch(() => false)) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await client.endAsync();
  }
}
