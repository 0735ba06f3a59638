/**
 * End-to-end benchmark (`npx ioc bench e2e`): the whole IOC in this process on the embedded defaults, ≥ 1,000
 * devices with their own MQTT connections driven from a separate load process, measuring publish → socket.io
 * client and publish → history API; then the same load through Debian's Mosquitto to a plain subscriber (the
 * transport floor). Prints JSON lines; the last one is the summary.
 */
import { fork, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { pino } from 'pino';
import { startIoc } from '@ioc/cli';
import { generateToken } from '@ioc/core';
import { findBinary, freePort, startMosquitto, tempDir } from '@ioc/core/testing';
import { line } from './common.ts';
import { readOptions, type E2eOptions } from './e2e/options.ts';
import type { LoadMessage, LoadResult, LoadRun } from './e2e/protocol.ts';

const TARGETS = { socket_p99_ms: 250, queryable_p99_ms: 1000 };
const PROVISION_CONCURRENCY = 8;

/** Runs the load process for one plan, relaying its progress lines. */
function runLoad(plan: LoadRun): Promise<LoadResult> {
  const child = fork(new URL('./e2e/load.ts', import.meta.url), [], { execArgv: ['--import', import.meta.resolve('tsx')] });
  return new Promise((resolve, reject) => {
    let result: LoadResult | undefined;
    child.on('message', (message: LoadMessage) => {
      if (message.type === 'progress') line(message as unknown as Record<string, unknown>);
      else result = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load process exited with ${code} before reporting`))));
    child.send(plan);
  });
}

async function signIn(dashboardUrl: string, password: string): Promise<string> {
  const response = await fetch(`${dashboardUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!cookie) throw new Error('login answered without a session cookie');
  return cookie;
}

/** Registers the bench devices through the API, as an administrator would. */
async function provision(dashboardUrl: string, cookie: string, count: number): Promise<{ id: string; token: string }[]> {
  const ids = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
  const devices: { id: string; token: string }[] = [];
  for (let i = 0; i < ids.length; i += PROVISION_CONCURRENCY) {
    const batch = ids.slice(i, i + PROVISION_CONCURRENCY).map(async (id) => {
      const response = await fetch(`${dashboardUrl}/api/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ id, kind: 'air' }),
      });
      if (response.status !== 201) throw new Error(`POST /api/devices ${id}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; token: string };
    });
    devices.push(...(await Promise.all(batch)));
  }
  return devices;
}

async function measureIoc(options: E2eOptions): Promise<LoadResult & { ioc_cpu_percent: number }> {
  const dir = tempDir('ioc-bench-e2e-');
  const adminPassword = generateToken(12);
  const ioc = await startIoc({
    env: {
      IOC_DATA_DIR: dir.path,
      IOC_HTTP_PORT: '0',
      IOC_MQTT_PORT: '0',
      IOC_DEMO: 'off',
      IOC_ADMIN_PASSWORD: adminPassword,
      // The whole fleet connects from this one load process, i.e. one address: the per-address limit is for the field.
      IOC_MQTT_CONNECT_RATE: '0',
    },
    logger: pino({ level: process.env.IOC_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  });
  try {
    const dashboardUrl = ioc.dashboardUrl as string;
    const cookie = await signIn(dashboardUrl, adminPassword);
    const provisionStart = Date.now();
    const devices = await provision(dashboardUrl, cookie, options.devices);
    line({ type: 'provisioned', devices: devices.length, seconds: (Date.now() - provisionStart) / 1000 });
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const result = await runLoad({ mode: 'ioc', mqttUrl: ioc.mqttUrl, devices, rate: options.rate, warmupS: options.warmupS, durationS: options.durationS, sampleEvery: options.sampleEvery, dashboardUrl, cookie });
    const cpu = process.cpuUsage(cpuBefore);
    const ioc_cpu_percent = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100);
    line({ ...result, ioc_cpu_percent });
    return { ...result, ioc_cpu_percent };
  } finally {
    await ioc.stop();
    dir.remove();
  }
}

async function measurePeer(options: E2eOptions): Promise<{ peer: string; result?: LoadResult; skipped?: string }> {
  const binary = findBinary('/usr/sbin/mosquitto', 'mosquitto');
  if (!binary) return { peer: 'mosquitto', skipped: 'mosquitto not found: apt-get install -y mosquitto' };
  // `mosquitto -h` prints its version and exits with status 3.
  const version = /version (\S+)/.exec(spawnSync(binary, ['-h'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const dir = tempDir('ioc-bench-mosquitto-');
  const broker = await startMosquitto(binary, await freePort(), dir.path);
  try {
    const devices = Array.from({ length: options.devices }, (_, i) => ({ id: `peer-${String(i).padStart(5, '0')}` }));
    const result = await runLoad({ mode: 'peer', mqttUrl: broker.url, devices, rate: options.rate, warmupS: options.warmupS, durationS: options.durationS, sampleEvery: options.sampleEvery });
    line({ ...result });
    return { peer: `mosquitto ${version}`, result };
  } finally {
    await broker.stop();
    dir.remove();
  }
}

const options = readOptions(process.argv.slice(2), process.env);
line({ type: 'start', bench: 'e2e', ...options });
// Other work on the machine shows in the latencies: the 1-minute load average is reported with the results.
const loadBefore = loadavg()[0] as number;
const ioc = await measureIoc(options);
const peer = options.peer ? await measurePeer(options) : { peer: 'none', skipped: 'E2E_PEER=off' };
const summary = {
  type: 'summary',
  bench: 'e2e',
  devices: ioc.devices,
  warmup_s: options.warmupS,
  duration_s: options.durationS,
  rate_msgs_per_s: ioc.rate_msgs_per_s,
  sent: ioc.sent,
  received: ioc.received,
  lost: ioc.lost,
  socket_p50_ms: ioc.delivery.p50,
  socket_p99_ms: ioc.delivery.p99,
  socket_max_ms: ioc.delivery.max,
  queryable_samples: ioc.queryable.count,
  queryable_unseen: ioc.queryable_unseen,
  queryable_p50_ms: ioc.queryable.p50,
  queryable_p99_ms: ioc.queryable.p99,
  ioc_cpu_percent: ioc.ioc_cpu_percent,
  load_cpu_percent: ioc.load_cpu_percent,
  machine_loadavg_1m: { before: Math.round(loadBefore * 10) / 10, after: Math.round((loadavg()[0] as number) * 10) / 10 },
  peer: peer.peer,
  peer_rate_msgs_per_s: peer.result?.rate_msgs_per_s ?? null,
  peer_lost: peer.result?.lost ?? null,
  peer_p50_ms: peer.result?.delivery.p50 ?? null,
  peer_p99_ms: peer.result?.delivery.p99 ?? null,
  ratio_socket_p99_vs_peer: peer.result ? Math.round((ioc.delivery.p99 / peer.result.delivery.p99) * 10) / 10 : null,
  ...(peer.skipped ? { peer_skipped: peer.skipped } : {}),
  targets: TARGETS,
  meets_targets:
    ioc.lost === 0 &&
    ioc.queryable_unseen === 0 &&
    ioc.delivery.p99 <= TARGETS.socket_p99_ms &&
    ioc.queryable.p99 <= TARGETS.queryable_p99_ms,
  errors: [...ioc.errors, ...(peer.result?.errors ?? [])],
};
line(summary);
process.exitCode = 0;
