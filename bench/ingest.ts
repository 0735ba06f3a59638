/**
 * Ingest benchmark (`npx ioc bench ingest`): devices publish QoS 1 telemetry (5 metrics a message) as fast as the
 * pipeline takes it, from a separate load process, through our gateway and ingest into a real InfluxDB; then the
 * same load through Debian's Mosquitto and a Node-RED flow (`mqtt in` → `join` → node-red-contrib-influxdb
 * `influxdb batch`) into the same InfluxDB; then our pipeline again on the SQL adapter (PGlite). Measures the
 * sustained rate (publish start → every acknowledged message queryable), publish → queryable latency of probe
 * messages sent during the load, lost messages, and the IOC process's memory. Prints JSON lines; the last is the summary.
 *
 * Options: --devices N (200), --duration S of publishing per system (20), --window N unacknowledged messages (2000),
 * --sql-duration S (10; 0 skips the SQL run).
 */
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import {
  createDevice,
  createMqttConnect,
  createPgliteDb,
  generateToken,
  loadConfig,
  migrate,
  openTelemetryStore,
  type Db,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { findBinary, freePort, startInflux, tempDir, type InfluxServer } from '@ioc/core/testing';
import { createGatewayService } from '@ioc/gateway';
import { createIngestService } from '@ioc/ingest';
import { line } from './common.ts';
import { startMosquitto } from './e2e/mosquitto.ts';
import { peerFlow, startNodeRed } from './ingest/node-red.ts';
import { airPayload, type IngestLoadMessage, type IngestLoadPlan, type IngestLoadResult } from './ingest/protocol.ts';

const METRICS_PER_MESSAGE = 5;
const TARGETS = { msgs_per_s: 20_000, ratio: 3, lost: 0 };
const PROBE_DEVICE = 'probe-1';
const DRAIN_STALL_MS = 30_000;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number, got ${process.argv[i + 1]}`);
  return value;
}

const OPTIONS = { devices: option('devices', 200), durationS: option('duration', 20), window: option('window', 2000), sqlDurationS: option('sql-duration', 10) };

function p99(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number);
}

function runLoad(plan: IngestLoadPlan, system: string): Promise<IngestLoadResult> {
  const child = fork(new URL('./ingest/load.ts', import.meta.url), [], { execArgv: ['--import', import.meta.resolve('tsx')] });
  return new Promise((resolve, reject) => {
    let result: IngestLoadResult | undefined;
    child.on('message', (message: IngestLoadMessage) => {
      if (message.type === 'progress') line({ system, ...message });
      else result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load process exited with ${code} before reporting`))));
    child.send(plan);
  });
}

async function influxql(influx: InfluxServer, db: string, q: string): Promise<unknown[][]> {
  const response = await fetch(`${influx.url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await response.json()) as { results?: { series?: { values: unknown[][] }[]; error?: string }[] };
  const result = body.results?.[0];
  if (result?.error) throw new Error(`InfluxDB: ${result.error}`);
  return result?.series?.[0]?.values ?? [];
}

/** How a system under test is reached and observed. */
interface System {
  name: string;
  mqttUrl: string;
  devices: { id: string; token?: string }[];
  probe: { id: string; token?: string };
  /** Messages of the load devices stored (counted by their pm25 points). */
  stored(): Promise<number>;
  /** Whether the probe reading at `ts` is queryable. */
  visible(ts: number): Promise<boolean>;
  /** CPU seconds used so far by the system's processes (ours, or the peer's broker and Node-RED). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Sends one probe reading at a time during the load and waits until it is queryable: publish → queryable latency. */
function startProbe(system: System): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    const client: MqttClient = await mqtt.connectAsync(system.mqttUrl, {
      clientId: `${system.probe.id}-${process.pid}`,
      ...(system.probe.token ? { username: system.probe.id, password: system.probe.token } : {}),
    });
    let n = 0;
    while (running) {
      const ts = Date.now();
      const t0 = performance.now();
      await client.publishAsync(`ioc/v1/devices/${system.probe.id}/telemetry`, airPayload(ts, n++), { qos: 1 });
      while (running && !(await system.visible(ts).catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 25));
      if (running) latencies.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await client.endAsync();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

async function measure(system: System, durationS: number) {
  const memory = { maxRssMb: 0 };
  const sampler = setInterval(() => (memory.maxRssMb = Math.max(memory.maxRssMb, process.memoryUsage().rss / 2 ** 20)), 500);
  const cpuStart = system.cpuSeconds();
  const probe = startProbe(system);
  const load = await runLoad({ mqttUrl: system.mqttUrl, devices: system.devices, durationS, window: OPTIONS.window }, system.name);
  // Drain: until every acknowledged message is stored, or nothing more arrives for a while.
  let stored = 0;
  let doneAt = Date.now();
  for (let lastChange = Date.now(); stored < load.acked && Date.now() - lastChange < DRAIN_STALL_MS; ) {
    const count = await system.stored();
    doneAt = Date.now();
    if (count !== stored) lastChange = Date.now();
    stored = count;
    if (stored < load.acked) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const latencies = await probe.stop();
  clearInterval(sampler);
  const seconds = (doneAt - load.firstPublishAt) / 1000;
  const result = {
    system: system.name,
    sent: load.sent,
    acked: load.acked,
    stored,
    lost: Math.max(0, load.acked - stored),
    seconds: Math.round(seconds * 10) / 10,
    msgs_per_s: Math.round(stored / seconds),
    points_per_s: Math.round((stored * METRICS_PER_MESSAGE) / seconds),
    p99_ms: p99(latencies),
    probes: latencies.length,
    cpu_percent: Math.round(((system.cpuSeconds() - cpuStart) / seconds) * 100),
    load_cpu_percent: load.load_cpu_percent,
    max_rss_mb: Math.round(memory.maxRssMb),
    errors: load.errors,
  };
  line(result);
  return result;
}

function deviceIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
}

/** Our gateway and ingest in this process, on an in-memory PGlite, writing to InfluxDB or to the SQL adapter. */
async function startIoc(influx: InfluxServer | undefined): Promise<System> {
  const dir = tempDir('ioc-bench-ingest-');
  const db: Db = await createPgliteDb();
  await migrate(db);
  const serviceToken = generateToken(24);
  const config = loadConfig({
    IOC_MQTT_PORT: '0',
    IOC_SERVICE_TOKEN: serviceToken,
    IOC_DATA_DIR: dir.path,
    // The load is 200 connections each far above a device's normal rate, and ingest is meant to lag under it.
    IOC_MQTT_PUBLISH_RATE: '0',
    IOC_MQTT_MAX_QUEUE_BYTES: '0',
    IOC_MQTT_CONNECT_RATE: '0',
    ...(influx ? { INFLUX_URL: influx.url, INFLUX_DB: 'ioc_bench' } : {}),
  });
  const logger = pino({ level: process.env.IOC_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const gateway = createGatewayService({ config, logger, db });
  await gateway.start();
  const mqttUrl = `mqtt://127.0.0.1:${gateway.port}`;
  const telemetry: TelemetryStore = await openTelemetryStore(config, db);
  const ingest: Service = createIngestService({ config, logger, db, telemetry, mqttConnect: createMqttConnect({ mqttUrl, serviceToken }) });
  await ingest.start();
  const devices = [];
  for (const id of deviceIds(OPTIONS.devices)) devices.push({ id, token: (await createDevice(db, { id, kind: 'air' })).token });
  const probe = { id: PROBE_DEVICE, token: (await createDevice(db, { id: PROBE_DEVICE, kind: 'air' })).token };
  return {
    name: influx ? 'ioc' : 'ioc-sql',
    mqttUrl,
    devices,
    probe,
    stored: async () => {
      if (influx) return Number((await influxql(influx, 'ioc_bench', `SELECT count(pm25) FROM telemetry WHERE device =~ /^bench-/`))[0]?.[1] ?? 0);
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM telemetry WHERE metric = 'pm25' AND device_id LIKE 'bench-%'`);
      return rows[0]?.n ?? 0;
    },
    visible: async (ts) => (await telemetry.range({ deviceId: PROBE_DEVICE, metric: 'pm25', from: ts, to: ts + 1 })).length > 0,
    cpuSeconds: () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
    async stop() {
      line({ system: influx ? 'ioc' : 'ioc-sql', ingest: await ingest.health() });
      await ingest.stop();
      await gateway.stop();
      await telemetry.close();
      await db.close();
      dir.remove();
    },
  };
}

/** CPU seconds of a process from /proc (utime + stime). */
function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Debian's Mosquitto and Node-RED writing to InfluxDB database `peer_bench`. */
async function startPeer(influx: InfluxServer, mosquittoBinary: string): Promise<System> {
  const dir = tempDir('ioc-bench-peer-');
  await influxql(influx, 'peer_bench', 'CREATE DATABASE peer_bench');
  const mqttPort = await freePort();
  const mosquitto = await startMosquitto(mosquittoBinary, mqttPort, dir.path);
  const mosquittoPid = Number(spawnSync('pgrep', ['-n', '-f', `${dir.path}/mosquitto.conf`], { encoding: 'utf8' }).stdout.trim());
  const nodeRed = await startNodeRed(dir.path, await freePort(), peerFlow(mqttPort, influx.url, 'peer_bench'));
  return {
    name: 'mosquitto+node-red',
    mqttUrl: mosquitto.url,
    devices: deviceIds(OPTIONS.devices).map((id) => ({ id })),
    probe: { id: PROBE_DEVICE },
    stored: async () => Number((await influxql(influx, 'peer_bench', `SELECT count(pm25) FROM telemetry WHERE device =~ /^bench-/`))[0]?.[1] ?? 0),
    visible: async (ts) => (await influxql(influx, 'peer_bench', `SELECT count(pm25) FROM telemetry WHERE device = '${PROBE_DEVICE}' AND time = ${ts}ms`)).length > 0,
    cpuSeconds: () => processCpuSeconds(nodeRed.pid) + (mosquittoPid ? processCpuSeconds(mosquittoPid) : 0),
    async stop() {
      await nodeRed.stop();
      await mosquitto.stop();
      dir.remove();
    },
  };
}

async function main(): Promise<void> {
  const mosquittoBinary = findBinary('mosquitto');
  if (!mosquittoBinary) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  line({ bench: 'ingest', ...OPTIONS, load_average: loadavg().map((l) => Math.round(l * 100) / 100) });
  const influx = await startInflux();
  try {
    const ioc = await startIoc(influx);
    const ours = await measure(ioc, OPTIONS.durationS).finally(() => ioc.stop());
    const peerSystem = await startPeer(influx, mosquittoBinary);
    const peer = await measure(peerSystem, OPTIONS.durationS).finally(() => peerSystem.stop());
    let sql: Awaited<ReturnType<typeof measure>> | undefined;
    if (OPTIONS.sqlDurationS > 0) {
      const sqlSystem = await startIoc(undefined);
      sql = await measure(sqlSystem, OPTIONS.sqlDurationS).finally(() => sqlSystem.stop());
    }
    line({
      summary: 'ingest',
      msgs_per_s: ours.msgs_per_s,
      points_per_s: ours.points_per_s,
      peer: 'mosquitto+node-red (node-red-contrib-influxdb batch)',
      peer_msgs_per_s: peer.msgs_per_s,
      ratio: Math.round((ours.msgs_per_s / Math.max(1, peer.msgs_per_s)) * 100) / 100,
      p99_ms: ours.p99_ms,
      peer_p99_ms: peer.p99_ms,
      lost: ours.lost,
      peer_lost: peer.lost,
      sql_msgs_per_s: sql?.msgs_per_s ?? null,
      sql_lost: sql?.lost ?? null,
      ioc_cpu_percent: ours.cpu_percent,
      peer_cpu_percent: peer.cpu_percent,
      max_rss_mb: ours.max_rss_mb,
      devices: OPTIONS.devices,
      duration_s: OPTIONS.durationS,
      load_average: loadavg().map((l) => Math.round(l * 100) / 100),
      targets: TARGETS,
    });
  } finally {
    await influx.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
