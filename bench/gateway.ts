/**
 * Gateway benchmark (`npx ioc bench gateway [--messages N] [--connections N] [--profile]`): the same load against
 * our gateway (its own process, device and service logins, ACL, status tracking and limits all on) and Debian's
 * Mosquitto (anonymous), in one run: one publisher → one subscriber throughput at QoS 0 and QoS 1 with 200-byte
 * payloads, QoS 0 latency at a steady rate, then as many authenticated device connections as asked, with the
 * gateway's memory. Prints JSON lines; the last one is the summary. `--profile` adds the gateway's hottest
 * functions (a V8 CPU profile of the whole run).
 */
import { loadavg } from 'node:os';
import { createDevices, generateToken, openDb } from '@ioc/core';
import { findBinary, freePort, tempDir } from '@ioc/core/testing';
import { line, option } from './common.ts';
import { startMosquitto } from './e2e/mosquitto.ts';
import { rssMb, startGatewayProcess, topFunctions } from './gateway/process.ts';
import { connectMany, latency, throughput, type Route } from './gateway/load.ts';

const PAYLOAD_BYTES = 200;
const LATENCY_RATE = 2000;
const LATENCY_SECONDS = 5;



async function measure(name: string, route: Route, messages: number) {
  const qos0 = await throughput(route, 0, messages, PAYLOAD_BYTES);
  line({ phase: 'qos0', broker: name, ...qos0 });
  const qos1 = await throughput(route, 1, Math.round(messages / 2), PAYLOAD_BYTES);
  line({ phase: 'qos1', broker: name, ...qos1 });
  const lat = await latency(route, LATENCY_RATE, LATENCY_SECONDS, PAYLOAD_BYTES);
  line({ phase: 'latency', broker: name, rate: LATENCY_RATE, ...lat });
  return { qos0, qos1, lat };
}

async function main(): Promise<void> {
  const messages = option('messages', 100_000);
  const connections = option('connections', 10_000);
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
    let ours;
    let held = 0;
    let rss = 0;
    try {
      ours = await measure(
        'gateway',
        {
          port: gateway.port,
          publisher: { username: 'bench-pub', password: tokens.get('bench-pub') },
          subscriber: { username: 'svc:bench', password: serviceToken },
          topic: 'ioc/v1/devices/bench-pub/telemetry',
        },
        messages,
      );
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
      await gateway.stop();
    }
    if (profileDir) {
      line({ phase: 'profile', top: topFunctions(profileDir.path) });
      profileDir.remove();
    }

    const mosquitto = await startMosquitto(mosquittoBinary, await freePort(), dir.path);
    let peer;
    try {
      const port = Number(new URL(mosquitto.url).port);
      peer = await measure('mosquitto', { port, publisher: {}, subscriber: {}, topic: 'bench/telemetry' }, messages);
    } finally {
      await mosquitto.stop();
    }

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    line({
      summary: 'gateway',
      messages,
      payload_bytes: PAYLOAD_BYTES,
      qos0_msgs_per_s: ours.qos0.msgs_per_s,
      qos1_msgs_per_s: ours.qos1.msgs_per_s,
      peer_qos0_msgs_per_s: peer.qos0.msgs_per_s,
      peer_qos1_msgs_per_s: peer.qos1.msgs_per_s,
      ratio_qos0: ratio(ours.qos0.msgs_per_s, peer.qos0.msgs_per_s),
      ratio_qos1: ratio(ours.qos1.msgs_per_s, peer.qos1.msgs_per_s),
      p99_ms: ours.lat.p99,
      peer_p99_ms: peer.lat.p99,
      lost: ours.qos0.lost + ours.qos1.lost,
      peer_lost: peer.qos0.lost + peer.qos1.lost,
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
