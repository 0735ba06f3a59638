/**
 * Gateway cluster benchmark (`npx ioc bench gateway-cluster [--messages N] [--publishers N]`): two gateway
 * processes in cluster mode on one Debian redis-server; publishers log in on node A, a subscriber on node B
 * receives everything through Redis (QoS 1 both ways). Prints JSON lines; the last one is the summary with
 * `nodes`, `delivered`, `lost` (must be 0) and `msgs_per_s`.
 */
import { loadavg } from 'node:os';
import { generateToken } from '@ioc/core';
import { freePort, startRedis, tempDir } from '@ioc/core/testing';
import { line, option } from './common.ts';
import { publishPackets, rawClient } from './gateway/raw.ts';
import { startGatewayProcess, type BrokerProcess } from './gateway/process.ts';

const PAYLOAD_BYTES = 200;
const WINDOW = 2000;
const BATCH = 200;
const STALL_MS = 15_000;



async function main(): Promise<void> {
  const messages = option('messages', 50_000);
  const publisherCount = option('publishers', 4);
  const redis = await startRedis();
  const serviceToken = generateToken();
  const dirs = [tempDir('ioc-bench-node-a-'), tempDir('ioc-bench-node-b-')];
  const nodes: BrokerProcess[] = [];
  try {
    for (const dir of dirs) {
      nodes.push(
        await startGatewayProcess(await freePort(), {
          IOC_DATA_DIR: dir.path,
          IOC_SERVICE_TOKEN: serviceToken,
          REDIS_URL: redis.url,
          IOC_MQTT_PUBLISH_RATE: '1000000',
        }),
      );
    }
    const [a, b] = nodes as [BrokerProcess, BrokerProcess];
    line({ phase: 'started', nodes: nodes.length, redis: redis.url });
    const login = (name: string) => ({ username: `svc:${name}`, password: serviceToken });
    const subscriber = await rawClient(b.port, 'svc:sub', login('sub'));
    await subscriber.subscribe('ioc/v1/bench/#', 1);
    const seen = new Set<string>();
    let wake: (() => void) | undefined;
    subscriber.onPublish = (_qos, payload) => {
      seen.add(payload.subarray(0, 16).toString());
      if (seen.size % BATCH === 0 || seen.size === messages) wake?.();
    };
    const publishers = await Promise.all(Array.from({ length: publisherCount }, (_, i) => rawClient(a.port, `svc:pub${i}`, login(`pub${i}`))));

    // Subscriptions reach node A through Redis: wait until a probe crosses.
    for (let probe = 0; seen.size === 0; probe++) {
      if (probe > 100) throw new Error('no message crossed from node A to node B within 10 s');
      (publishers[0] as (typeof publishers)[0]).send(publishPackets('ioc/v1/bench/probe', 1, 1, 60_000 + probe, () => Buffer.from('probe'.padEnd(16))));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    seen.clear();

    const progress = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STALL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    const start = performance.now();
    let sent = 0;
    let stalled = false;
    while (seen.size < messages && !stalled) {
      while (sent < messages && sent - seen.size < WINDOW) {
        const n = Math.min(BATCH, messages - sent);
        const first = sent;
        const publisher = publishers[(sent / BATCH) % publisherCount | 0] as (typeof publishers)[0];
        let i = 0;
        publisher.send(publishPackets(`ioc/v1/bench/${first % publisherCount}`, 1, n, first, () => {
          const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
          payload.write(String(first + i++).padStart(16, '0'));
          return payload;
        }));
        sent += n;
      }
      const before = seen.size;
      await progress();
      stalled = seen.size === before;
    }
    const seconds = (performance.now() - start) / 1000;
    line({
      summary: 'gateway-cluster',
      nodes: nodes.length,
      publishers: publisherCount,
      sent,
      delivered: seen.size,
      lost: sent - seen.size,
      msgs_per_s: Math.round(seen.size / seconds),
      payload_bytes: PAYLOAD_BYTES,
      load_average: loadavg().map((value) => Math.round(value * 100) / 100),
    });
    await Promise.all([subscriber.close(), ...publishers.map((p) => p.close())]);
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    for (const dir of dirs) dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
