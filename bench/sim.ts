/**
 * Simulator benchmark (`npx ioc bench sim`): how many devices one simulator process drives, each over its own
 * authenticated MQTT connection, and at what rate. The same simulator code and fleet run twice in this process:
 * against our gateway (aedes, in its own process, devices checked against PostgreSQL) and against Debian's
 * Mosquitto with a password file holding the same credentials (the peer: a broker in C, so the simulator's own
 * limits show). Prints JSON lines; the last one is the summary (connections, msgs_per_s, rss_mb, and the peer's).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, generateToken, loadCommonConfig, openDb, type Db } from '@ioc/core';
import { accepts, findBinary, freePort, startMosquitto, startPostgres, tempDir } from '@ioc/core/testing';
import { buildFleet, createDeviceSimService, credentialsFile, DEFAULT_INTERVALS_MS, provisionFleet, type SimDevice } from '@ioc/device-sim';
import { line } from './common.ts';
import { cpuMs, rssMb } from './sim/proc.ts';

const TARGET_CONNECTIONS = 10_000;
const IOC_BIN = fileURLToPath(new URL('../cli/bin/ioc.js', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function options() {
  const { values } = parseArgs({
    strict: true,
    options: {
      devices: { type: 'string' },
      interval: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      'connect-rate': { type: 'string' },
      peer: { type: 'string' },
    },
  });
  const number = (flag: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} must be a number > 0, got "${raw}"`);
    return value;
  };
  return {
    devices: Math.round(number('devices', values.devices ?? process.env.SIM_DEVICES, TARGET_CONNECTIONS)),
    intervalS: number('interval', values.interval ?? process.env.SIM_INTERVAL_S, 5),
    warmupS: number('warmup', values.warmup ?? process.env.SIM_WARMUP_S, 15),
    durationS: number('duration', values.duration ?? process.env.SIM_DURATION_S, 20),
    connectRate: number('connect-rate', values['connect-rate'] ?? process.env.SIM_CONNECT_RATE, 1000),
    peer: (values.peer ?? process.env.SIM_PEER ?? 'on') !== 'off',
  };
}

/** Drives the fleet against one broker and measures this process and the broker's. */
async function drive(
  name: string,
  run: { url: string; brokerPid: number; fleet: SimDevice[]; db: Db; dataDir: string; intervalS: number; warmupS: number; durationS: number; connectRate: number },
) {
  const logger = createLogger({ level: 'error' });
  const sim = createDeviceSimService({
    config: { dataDir: run.dataDir, mqttUrl: run.url },
    logger,
    db: run.db,
    fleet: run.fleet,
    intervalMs: run.intervalS * 1000,
    connectRate: run.connectRate,
  });
  const started = Date.now();
  await sim.start();
  const startS = (Date.now() - started) / 1000;
  const connected = (await sim.health()).connected as number;
  line({ phase: 'connected', broker: name, connections: connected, start_s: startS });
  await sleep(run.warmupS * 1000);
  // Connecting thousands of devices leaves a backlog of unacknowledged reports: measure once it has drained.
  const offered = run.fleet.length / run.intervalS;
  const drainStart = Date.now();
  while (((await sim.health()).pending as number) > offered && Date.now() - drainStart < 120_000) await sleep(500);
  line({ phase: 'drained', broker: name, pending: (await sim.health()).pending, waited_s: (Date.now() - drainStart) / 1000 });

  const published0 = sim.published;
  const cpu0 = process.cpuUsage();
  const broker0 = cpuMs(run.brokerPid);
  const t0 = Date.now();
  for (let elapsed = 0; elapsed < run.durationS; elapsed += 5) {
    await sleep(Math.min(5, run.durationS - elapsed) * 1000);
    line({ phase: 'running', broker: name, published: sim.published - published0, s: (Date.now() - t0) / 1000 });
  }
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result = {
    connections: (await sim.health()).connected as number,
    start_s: startS,
    msgs_per_s: Math.round((sim.published - published0) / seconds),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    cpu_percent: Math.round((cpu.user + cpu.system) / 10 / (seconds * 1000)),
    broker_rss_mb: rssMb(run.brokerPid),
    broker_cpu_percent: Math.round(((cpuMs(run.brokerPid) - broker0) / (seconds * 1000)) * 100),
  };
  await sim.stop();
  line({ phase: 'measured', broker: name, ...result });
  return result;
}

async function main() {
  const opts = options();
  line({ phase: 'options', ...opts, load_avg_1m: loadavg()[0] });
  const dir = tempDir('ioc-bench-sim-');
  const postgres = await startPostgres();
  const serviceToken = generateToken();
  const cleanup: (() => Promise<void>)[] = [async () => postgres.stop(), async () => dir.remove()];
  try {
    const port = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: postgres.url,
      IOC_DATA_DIR: dir.path,
      IOC_MQTT_PORT: String(port),
      IOC_SERVICE_TOKEN: serviceToken,
      IOC_LOG_LEVEL: 'error',
      // One simulator is one address: the gateway's per-address limits would measure themselves, not the simulator.
      IOC_MQTT_CONNECT_RATE: '0',
      IOC_MQTT_PUBLISH_RATE: '0',
      IOC_MQTT_MAX_CONNECTIONS: '0',
    };
    const config = loadCommonConfig(env);
    const db = await openDb(config);
    cleanup.unshift(() => db.close());
    const perArea = Math.ceil(opts.devices / 40);
    const fleet = buildFleet({ name: 'bench', seed: 1, perArea: { air: perArea }, intervalsMs: { ...DEFAULT_INTERVALS_MS, air: opts.intervalS * 1000 } }).slice(0, opts.devices);
    const provisionStart = Date.now();
    const { tokens } = await provisionFleet(db, fleet, credentialsFile(dir.path));
    line({ phase: 'provisioned', devices: fleet.length, s: (Date.now() - provisionStart) / 1000 });

    const gateway = spawn(process.execPath, [IOC_BIN, 'start', 'gateway'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const gatewayExit = new Promise<void>((resolve) => gateway.once('exit', () => resolve()));
    cleanup.unshift(async () => {
      gateway.kill('SIGTERM');
      await gatewayExit;
    });
    for (let i = 0; !(await accepts(port)); i++) {
      if (gateway.exitCode !== null || i > 600) throw new Error('the gateway did not start');
      await sleep(100);
    }
    const run = { fleet, db, dataDir: dir.path, intervalS: opts.intervalS, warmupS: opts.warmupS, durationS: opts.durationS, connectRate: opts.connectRate };
    const ours = await drive('gateway', { ...run, url: `mqtt://127.0.0.1:${port}`, brokerPid: gateway.pid as number });

    let peer: Awaited<ReturnType<typeof drive>> | undefined;
    const mosquitto = findBinary('mosquitto', '/usr/sbin/mosquitto');
    const mosquittoPasswd = findBinary('mosquitto_passwd', '/usr/bin/mosquitto_passwd');
    if (opts.peer && mosquitto && mosquittoPasswd) {
      const passwordFile = join(dir.path, 'mosquitto.passwd');
      writeFileSync(passwordFile, fleet.map((d) => `${d.id}:${tokens.get(d.id)}\n`).join(''), { mode: 0o600 });
      const hashed = spawnSync(mosquittoPasswd, ['-U', passwordFile], { encoding: 'utf8' });
      if (hashed.status !== 0) throw new Error(`mosquitto_passwd failed: ${hashed.stderr}`);
      const broker = await startMosquitto(mosquitto, await freePort(), dir.path, { passwordFile });
      cleanup.unshift(() => broker.stop());
      const version = spawnSync(mosquitto, ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0];
      line({ phase: 'peer', broker: version });
      peer = await drive('mosquitto', { ...run, url: broker.url, brokerPid: broker.pid });
    } else if (opts.peer) {
      line({ phase: 'peer', skipped: 'mosquitto or mosquitto_passwd not found (apt-get install mosquitto)' });
    }

    line({
      summary: 'sim',
      connections: ours.connections,
      msgs_per_s: ours.msgs_per_s,
      rss_mb: ours.rss_mb,
      cpu_percent: ours.cpu_percent,
      start_s: ours.start_s,
      offered_msgs_per_s: Math.round(opts.devices / opts.intervalS),
      gateway_rss_mb: ours.broker_rss_mb,
      gateway_cpu_percent: ours.broker_cpu_percent,
      peer: peer ? 'mosquitto' : null,
      peer_connections: peer?.connections ?? null,
      peer_msgs_per_s: peer?.msgs_per_s ?? null,
      peer_rss_mb: peer?.rss_mb ?? null,
      peer_cpu_percent: peer?.cpu_percent ?? null,
      peer_broker_rss_mb: peer?.broker_rss_mb ?? null,
      peer_broker_cpu_percent: peer?.broker_cpu_percent ?? null,
      ratio_msgs_per_s_vs_peer: peer ? Math.round((ours.msgs_per_s / peer.msgs_per_s) * 100) / 100 : null,
      load_avg_1m: loadavg()[0],
      meets_target: ours.connections >= TARGET_CONNECTIONS,
    });
  } finally {
    for (const step of cleanup) await step().catch((error: Error) => line({ phase: 'cleanup', error: error.message }));
  }
}

await main();
