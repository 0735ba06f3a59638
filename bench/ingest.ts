/**
 * Ingest benchmark (`npx ioc bench ingest`): devices publish QoS 1 telemetry (5 metrics a message) as fast as the
 * pipeline takes it, from a separate load process, through our gateway and ingest into a real InfluxDB; then the
 * same load through Debian's Mosquitto and a Node-RED flow (`mqtt in` → `join` → node-red-contrib-influxdb
 * `influxdb batch`) into the same InfluxDB; then our pipeline again on the SQL adapter (PostgreSQL). Measures the
 * sustained rate (publish start → every acknowledged message queryable), publish → queryable latency of probe
 * messages sent during the load, lost messages, and the memory of both sides' processes over time. Our gateway and
 * ingest run as `ioc start gateway` and `ioc start ingest`, each in its own process, as in production. Prints JSON
 * lines; the last is the summary.
 *
 * Options: --devices N (200), --duration S of publishing through ours (20), --peer-duration S (as --duration),
 * --window N unacknowledged messages (2000), --sql-duration S (10; 0 skips the SQL run), --broker-duration S (0;
 * our ingest behind stock aedes and behind Mosquitto instead of our gateway, S seconds each: what the broker costs),
 * --ingest-workers N (1; ingest processes splitting the devices, IOC_INGEST_PARTITION), --profile (the hottest
 * functions of our gateway and ingest processes).
 *
 * Before the runs, what building line protocol costs per point (ingest/line-building.ts): ingest's hand-built lines,
 * the official client's `Point`, and the client's WriteApi (the 2.x/3.x path); the summary's `line_protocol` puts the
 * difference beside ingest's CPU per point measured in the same run.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { createDevices, openDb, type Db } from '@ioc/core';
import { findBinary, startInflux, startPostgres, tempDir } from '@ioc/core/testing';
import { topFunctions } from './gateway/process.ts';
import { line, option, processCpuSeconds, processTreeCpuSeconds } from './common.ts';
import { startIocSystem } from './ingest/ioc.ts';
import { measureLineBuilding, type LineBuildingCost } from './ingest/line-building.ts';
import { startPeer } from './ingest/peer.ts';
import { airPayload, type IngestLoadMessage, type IngestLoadPlan, type IngestLoadResult } from './ingest/protocol.ts';
import { deviceIds, PROBE_DEVICE, type System } from './ingest/system.ts';

const METRICS_PER_MESSAGE = 5;
const TARGETS = { msgs_per_s: 20_000, ratio: 3, lost: 0 };
const DRAIN_STALL_MS = 30_000;

const PROFILE = process.argv.includes('--profile');
const DURATION_S = option('duration', 20);
const OPTIONS = {
  devices: option('devices', 200),
  durationS: DURATION_S,
  peerDurationS: option('peer-duration', DURATION_S),
  window: option('window', 2000),
  sqlDurationS: option('sql-duration', 10, 0),
  brokerDurationS: option('broker-duration', 0, 0),
  ingestWorkers: option('ingest-workers', 1),
};

function p99(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number);
}

function runLoad(plan: IngestLoadPlan, system: System): Promise<IngestLoadResult> {
  const child = fork(new URL('./ingest/load.ts', import.meta.url), [], { execArgv: ['--import', import.meta.resolve('tsx')] });
  return new Promise((resolve, reject) => {
    let result: IngestLoadResult | undefined;
    child.on('message', (message: IngestLoadMessage) => {
      if (message.type === 'progress') line({ system: system.name, ...message, rss_mb: system.rssMb() });
      else result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load process exited with ${code} before reporting`))));
    child.send(plan);
  });
}

/**
 * The line-building costs beside ingest's whole CPU per point in the same run: what using the client's `Point`, or its
 * WriteApi, would add to each point ingest stores, in % (the bound: 5 %).
 */
function lineProtocolCost(cost: LineBuildingCost, ingestUsPerMsg: number) {
  const ingestNsPerPoint = (ingestUsPerMsg * 1000) / METRICS_PER_MESSAGE;
  const share = (ns: number) => Math.round(((ns - cost.hand_built_ns_per_point) / ingestNsPerPoint) * 1000) / 10;
  return {
    ...cost,
    ingest_ns_per_point: Math.round(ingestNsPerPoint),
    client_point_added_percent: share(cost.client_point_ns_per_point),
    client_write_api_added_percent: share(cost.client_write_api_ns_per_point),
  };
}

/** Sends one probe reading at a time during the load and waits until it is queryable: publish → queryable latency. */
function startProbe(system: System): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    const client: MqttClient = await mqtt.connectAsync(system.mqttUrl, {
      clientId: system.probe.id, // a device's client id is its id (the gateway refuses any other)
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

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** CPU seconds so far of the servers a run uses besides the pipeline's own processes (influxd, PostgreSQL). */
type ServerCpu = { influx: () => number; postgres: () => number };

async function measure(system: System, durationS: number, serverCpu: ServerCpu) {
  const memory = { maxRssMb: 0 };
  const sampler = setInterval(() => (memory.maxRssMb = Math.max(memory.maxRssMb, sum(system.rssMb()))), 500);
  const cpuStart = system.cpuSeconds();
  const serverCpuStart = { influx: serverCpu.influx(), postgres: serverCpu.postgres() };
  const probe = startProbe(system);
  const load = await runLoad({ mqttUrl: system.mqttUrl, devices: system.devices, durationS, window: OPTIONS.window }, system);
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
  const cpuEnd = system.cpuSeconds();
  const cpuUsed = Object.fromEntries(Object.entries(cpuEnd).map(([name, used]) => [name, used - (cpuStart[name] ?? 0)]));
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
    cpu_percent: Math.round((sum(cpuUsed) / seconds) * 100),
    // CPU per stored message of each process: what a message costs, whatever else the machine is doing.
    cpu_us_per_msg: Object.fromEntries(Object.entries(cpuUsed).map(([name, used]) => [name, Math.round((used * 1e6) / Math.max(1, stored))])),
    load_cpu_percent: load.load_cpu_percent,
    influx_cpu_percent: Math.round(((serverCpu.influx() - serverCpuStart.influx) / seconds) * 100),
    // The registry and the latest readings (the SQL adapter's telemetry too): the peer does not use PostgreSQL.
    postgres_cpu_percent: Math.round(((serverCpu.postgres() - serverCpuStart.postgres) / seconds) * 100),
    max_rss_mb: Math.round(memory.maxRssMb),
    errors: load.errors,
  };
  line(result);
  return result;
}

/** The registry on a throwaway PostgreSQL: the load devices and the probe, with their tokens. */
async function register(db: Db) {
  const result = await createDevices(db, [...deviceIds(OPTIONS.devices), PROBE_DEVICE].map((id) => ({ id, kind: 'air' as const })));
  if (!result.ok) throw new Error(`registering devices failed: ${result.errors[0]?.message}`);
  const tokens = new Map(result.created.map(({ device, token }) => [device.id, token]));
  return {
    devices: deviceIds(OPTIONS.devices).map((id) => ({ id, token: tokens.get(id) as string })),
    probe: { id: PROBE_DEVICE, token: tokens.get(PROBE_DEVICE) as string },
  };
}

/** With --profile: each of our processes writes a CPU profile; its hottest functions are printed. */
function profiled<T>(name: string, run: (profileDir?: string) => Promise<T>): Promise<T> {
  if (!PROFILE) return run();
  const dir = tempDir(`ioc-bench-ingest-profile-${name}-`);
  return run(dir.path).finally(() => {
    for (const process of ['gateway', 'ingest']) line({ system: name, process, profile: topFunctions(join(dir.path, process), 25) });
    dir.remove();
  });
}

async function main(): Promise<void> {
  const mosquittoBinary = findBinary('mosquitto');
  if (!mosquittoBinary) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  line({ bench: 'ingest', ...OPTIONS, load_average: loadavg().map((l) => Math.round(l * 100) / 100) });
  const lineBuilding = await measureLineBuilding();
  line({ line_building: lineBuilding });
  const influx = await startInflux();
  const postgres = await startPostgres();
  const db = await openDb({ databaseUrl: postgres.url, dataDir: '' });
  try {
    const registry = await register(db);
    const serverCpu = { influx: () => processCpuSeconds(influx.pid() ?? 0), postgres: () => processTreeCpuSeconds(postgres.pid() ?? 0) };
    const run = async (system: System, durationS: number) => measure(system, durationS, serverCpu).finally(() => system.stop());
    const ours = await profiled('ioc', async (profileDir) =>
      run(await startIocSystem({ db, databaseUrl: postgres.url, ...registry, influx, profileDir, ingestWorkers: OPTIONS.ingestWorkers }), OPTIONS.durationS),
    );
    const peer = await run(await startPeer(influx, mosquittoBinary, OPTIONS.devices), OPTIONS.peerDurationS);
    const sql =
      OPTIONS.sqlDurationS > 0
        ? await profiled('ioc-sql', async (profileDir) => run(await startIocSystem({ db, databaseUrl: postgres.url, ...registry, profileDir }), OPTIONS.sqlDurationS))
        : undefined;
    const behind = async (broker: 'aedes' | { mosquittoBinary: string }) =>
      run(await startIocSystem({ db, databaseUrl: postgres.url, ...registry, influx, broker }), OPTIONS.brokerDurationS);
    const behindAedes = OPTIONS.brokerDurationS > 0 ? await behind('aedes') : undefined;
    const behindMosquitto = OPTIONS.brokerDurationS > 0 ? await behind({ mosquittoBinary }) : undefined;
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
      ...(behindAedes && behindMosquitto
        ? {
            behind_aedes_msgs_per_s: behindAedes.msgs_per_s,
            behind_aedes_lost: behindAedes.lost,
            behind_aedes_cpu_us_per_msg: behindAedes.cpu_us_per_msg,
            behind_mosquitto_msgs_per_s: behindMosquitto.msgs_per_s,
            behind_mosquitto_lost: behindMosquitto.lost,
            behind_mosquitto_cpu_us_per_msg: behindMosquitto.cpu_us_per_msg,
          }
        : {}),
      ioc_cpu_percent: ours.cpu_percent,
      peer_cpu_percent: peer.cpu_percent,
      ioc_cpu_us_per_msg: ours.cpu_us_per_msg,
      peer_cpu_us_per_msg: peer.cpu_us_per_msg,
      load_cpu_percent: ours.load_cpu_percent,
      influx_cpu_percent: ours.influx_cpu_percent,
      postgres_cpu_percent: ours.postgres_cpu_percent,
      max_rss_mb: ours.max_rss_mb,
      line_protocol: lineProtocolCost(
        lineBuilding,
        Object.entries(ours.cpu_us_per_msg)
          .filter(([name]) => name.startsWith('ingest'))
          .reduce((total, [, us]) => total + us, 0),
      ),
      devices: OPTIONS.devices,
      duration_s: OPTIONS.durationS,
      peer_duration_s: OPTIONS.peerDurationS,
      load_average: loadavg().map((l) => Math.round(l * 100) / 100),
      targets: TARGETS,
    });
  } finally {
    await db.close();
    await postgres.stop();
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
