/**
 * Gateway benchmark (`npx ioc bench gateway [--messages N] [--connections N] [--rounds N] [--profile]`): the same
 * load against our gateway (its own process, device and service logins, ACL, status tracking and limits all on) and
 * Debian's Mosquitto (anonymous) and, to show what our work on top of aedes costs, stock aedes (stock-aedes.ts),
 * all running, in one run: one publisher → one subscriber throughput at QoS 0 and
 * QoS 1 with 200-byte payloads, measured on each broker in turn for `rounds` rounds (the summary has the medians,
 * so a change in the machine's load hits both alike; each with the broker's CPU microseconds per message), QoS 0
 * latency at a steady rate, then as many authenticated
 * device connections as asked, with the gateway's memory. Prints JSON lines; the last one is the summary. `--profile` adds the gateway's hottest
 * functions (a V8 CPU profile of the whole run).
 */
import { loadavg } from 'node:os';
import { createDevices, generateToken, openDb } from '@ioc/core';
import { findBinary, freePort, startMosquitto, tempDir } from '@ioc/core/testing';
import { line, option, processCpuSeconds } from './common.ts';
import { rssMb, startGatewayProcess, startStockAedes, topFunctions } from './gateway/process.ts';
import { connectMany, latency, throughput, type Route } from './gateway/load.ts';

const PAYLOAD_BYTES = 200;
const LATENCY_RATE = 2000;
const LATENCY_SECONDS = 5;

type Phase = 'qos0' | 'qos1';

interface Measured {
  msgsPerS: number[];
  /** The broker process's CPU (user + system) per delivered message, in µs: what a message costs it, whatever the load. */
  cpuUsPerMsg: number[];
}

/**
 * One throughput measurement of each broker, alternating, so both see the same machine load; `rounds` times. Each
 * also reads the broker process's CPU time, so the cost per message is known even when something else (the load
 * client, the other core's jobs) limits the rate.
 */
async function throughputRounds(brokers: Array<{ name: string; route: Route; pid: number }>, rounds: number, messages: number) {
  const results = new Map<string, Record<Phase, Measured>>(
    brokers.map(({ name }) => [name, { qos0: { msgsPerS: [], cpuUsPerMsg: [] }, qos1: { msgsPerS: [], cpuUsPerMsg: [] } }]),
  );
  let lost = 0;
  for (let round = 1; round <= rounds; round++) {
    for (const qos of [0, 1] as const) {
      for (const { name, route, pid } of brokers) {
        const cpuBefore = processCpuSeconds(pid);
        const result = await throughput(route, qos, qos === 0 ? messages : Math.round(messages / 2), PAYLOAD_BYTES);
        const cpuUsPerMsg = Math.round(((processCpuSeconds(pid) - cpuBefore) * 1e7) / Math.max(1, result.received)) / 10;
        line({ phase: `qos${qos}`, round, broker: name, ...result, cpu_us_per_msg: cpuUsPerMsg });
        const measured = results.get(name)?.[`qos${qos}`];
        measured?.msgsPerS.push(result.msgs_per_s);
        measured?.cpuUsPerMsg.push(cpuUsPerMsg);
        if (name === 'gateway') lost += result.lost;
      }
    }
  }
  return { results, lost };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const messages = option('messages', 100_000);
  const connections = option('connections', 10_000);
  const rounds = option('rounds', 3);
  const profile = process.argv.includes('--profile');
  const mosquittoBinary = findBinary('/usr/sbin/mosquitto', 'mosquitto');
  if (!mosquittoBinary) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  const dir = tempDir('ioc-bench-gateway-');
  try {
    // The registry: the bench publisher and every connecting device, registered before the gateway starts.
    const db = await openDb({ dataDir: dir.path });
    const provisionStart = Date.now();
    const ids = ['bench-pub', ...Array.from({ length: connections }, (_, i) => `bench-dev-${String(i).padStart(5, '0')}`)];
    const tokens = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 2000) {
      const result = await createDevices(db, ids.slice(i, i + 2000).map((id) => ({ id, kind: 'air' as const })));
      if (!result.ok) throw new Error(`registering devices failed: ${result.errors[0]?.message}`);
      for (const { device, token } of result.created) tokens.set(device.id, token);
    }
    await db.close();
    line({ phase: 'provisioned', devices: ids.length, seconds: (Date.now() - provisionStart) / 1000 });

    const serviceToken = generateToken();
    const profileDir = profile ? tempDir('ioc-bench-profile-') : undefined;
    const gateway = await startGatewayProcess(
      await freePort(),
      {
        IOC_DATA_DIR: dir.path,
        IOC_SERVICE_TOKEN: serviceToken,
        // The per-connection limits stay on, set high enough for one bench publisher and 10,000 logins from 127.0.0.1.
        IOC_MQTT_PUBLISH_RATE: '1000000',
        IOC_MQTT_CONNECT_RATE: '1000000',
      },
      profileDir?.path,
    );
    const mosquitto = await startMosquitto(mosquittoBinary, await freePort(), dir.path);
    const aedes = await startStockAedes(await freePort());
    const ours: Route = {
      port: gateway.port,
      publisher: { username: 'bench-pub', password: tokens.get('bench-pub') },
      subscriber: { username: 'svc:bench', password: serviceToken },
      topic: 'ioc/v1/devices/bench-pub/telemetry',
    };
    const peer: Route = { port: Number(new URL(mosquitto.url).port), publisher: {}, subscriber: {}, topic: 'bench/telemetry' };
    const stock: Route = { port: aedes.port, publisher: {}, subscriber: {}, topic: 'bench/telemetry' };
    let measured;
    let latencies;
    let held = 0;
    let rss = 0;
    try {
      measured = await throughputRounds(
        [
          { name: 'gateway', route: ours, pid: gateway.pid },
          { name: 'mosquitto', route: peer, pid: mosquitto.pid },
          { name: 'aedes', route: stock, pid: aedes.pid },
        ],
        rounds,
        messages,
      );
      latencies = {
        gateway: await latency(ours, LATENCY_RATE, LATENCY_SECONDS, PAYLOAD_BYTES),
        mosquitto: await latency(peer, LATENCY_RATE, LATENCY_SECONDS, PAYLOAD_BYTES),
      };
      for (const [broker, result] of Object.entries(latencies)) line({ phase: 'latency', broker, rate: LATENCY_RATE, ...result });
      const connectStart = Date.now();
      const sockets = await connectMany(
        gateway.port,
        ids.slice(1).map((id) => ({ clientId: id, username: id, password: tokens.get(id) })),
      );
      held = sockets.length;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      rss = rssMb(gateway.pid);
      line({ phase: 'connections', asked: connections, held, seconds: (Date.now() - connectStart) / 1000, rss_mb: rss });
      for (const socket of sockets) socket.destroy();
    } finally {
      await Promise.all([gateway.stop(), mosquitto.stop(), aedes.stop()]);
    }
    if (profileDir) {
      line({ phase: 'profile', top: topFunctions(profileDir.path) });
      profileDir.remove();
    }

    const rate = (broker: string, phase: Phase) => median(measured.results.get(broker)?.[phase].msgsPerS ?? []);
    const cost = (broker: string, phase: Phase) => median(measured.results.get(broker)?.[phase].cpuUsPerMsg ?? []);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    line({
      summary: 'gateway',
      messages,
      payload_bytes: PAYLOAD_BYTES,
      rounds,
      qos0_msgs_per_s: rate('gateway', 'qos0'),
      qos1_msgs_per_s: rate('gateway', 'qos1'),
      peer_qos0_msgs_per_s: rate('mosquitto', 'qos0'),
      peer_qos1_msgs_per_s: rate('mosquitto', 'qos1'),
      ratio_qos0: ratio(rate('gateway', 'qos0'), rate('mosquitto', 'qos0')),
      ratio_qos1: ratio(rate('gateway', 'qos1'), rate('mosquitto', 'qos1')),
      aedes_qos0_msgs_per_s: rate('aedes', 'qos0'),
      aedes_qos1_msgs_per_s: rate('aedes', 'qos1'),
      ratio_qos0_vs_aedes: ratio(rate('gateway', 'qos0'), rate('aedes', 'qos0')),
      ratio_qos1_vs_aedes: ratio(rate('gateway', 'qos1'), rate('aedes', 'qos1')),
      cpu_us_per_msg_qos0: cost('gateway', 'qos0'),
      cpu_us_per_msg_qos1: cost('gateway', 'qos1'),
      peer_cpu_us_per_msg_qos0: cost('mosquitto', 'qos0'),
      peer_cpu_us_per_msg_qos1: cost('mosquitto', 'qos1'),
      aedes_cpu_us_per_msg_qos0: cost('aedes', 'qos0'),
      aedes_cpu_us_per_msg_qos1: cost('aedes', 'qos1'),
      p99_ms: latencies.gateway.p99,
      peer_p99_ms: latencies.mosquitto.p99,
      lost: measured.lost,
      connections: held,
      rss_mb: rss,
      load_average: loadavg().map((value) => Math.round(value * 100) / 100),
    });
  } finally {
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
