// Fuzzing of the MQTT gateway on the wire: valid and mutated packets from mqtt-packet, truncated frames, wrong remaining
// lengths and strings that are not UTF-8, each case on a socket of its own, before a login or after one (as a device
// or a service). Meanwhile a well-behaved device publishes at QoS 1 and a service receives it: the gateway must never
// crash, must keep serving them without losing a message, and its heap must not grow beyond a bound.
// Run briefly by gateway/test/mqtt-fuzz.test.ts in `npm test`, and at length by `npx ioc bench fuzz-mqtt`.
import { connect as tcpConnect } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { createDevice, createLogger, createPgliteDb, migrate, type Db } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';

const SERVICE_TOKEN = 'fuzz-service-token-0123456789';
/** Fuzz sockets come from other loopback addresses than the well-behaved clients (127.0.0.1), so that the login
 * backoff the garbage earns (before a login: 127.0.0.2) holds back neither them nor the fuzz logins (127.0.0.3). */
const GARBAGE_FROM = '127.0.0.2';
const LOGGED_IN_FROM = '127.0.0.3';
/** How long a case waits for the gateway to close its socket before closing it itself. */
const CASE_MS = 25;

const text = fc.oneof(
  fc.constantFrom('', 'ioc/v1/devices/air-fuzz-1/telemetry', 'ioc/v1/devices/air-fuzz-2/telemetry', '#', '+/+', 'ioc/#', '$SYS/#', 'a/+/#/b', 'svc:fuzz', 'air-fuzz-2', '\u0000', '\uFFFD'),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);
const bytes = fc.uint8Array({ maxLength: 300 });
const messageId = fc.integer({ min: 0, max: 65535 });
const qos = fc.constantFrom(0, 1, 2, 3);

/** A packet object as mqtt-packet generates it; some have fields out of range, which generate() may refuse. */
const packetObject = fc.oneof(
  fc.record({
    cmd: fc.constant('connect'),
    protocolId: fc.constantFrom('MQTT', 'MQIsdp', 'XXXX'),
    protocolVersion: fc.constantFrom(3, 4, 5, 0, 255),
    clean: fc.boolean(),
    clientId: text,
    keepalive: fc.integer({ min: 0, max: 65535 }),
    username: fc.option(text, { nil: undefined }),
    password: fc.option(bytes.map((b) => Buffer.from(b)), { nil: undefined }),
    will: fc.option(fc.record({ topic: text, payload: bytes.map((b) => Buffer.from(b)), qos, retain: fc.boolean() }), { nil: undefined }),
  }),
  fc.record({ cmd: fc.constant('publish'), topic: text, payload: bytes.map((b) => Buffer.from(b)), qos, retain: fc.boolean(), dup: fc.boolean(), messageId }),
  fc.record({ cmd: fc.constant('subscribe'), messageId, subscriptions: fc.array(fc.record({ topic: text, qos }), { maxLength: 4 }) }),
  fc.record({ cmd: fc.constant('unsubscribe'), messageId, unsubscriptions: fc.array(text, { maxLength: 4 }) }),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), messageId }),
  fc.record({ cmd: fc.constantFrom('pingreq', 'disconnect', 'pingresp', 'connack', 'suback') }),
);

function generate(packet: object): Buffer {
  try {
    return mqttPacket.generate(packet as mqttPacket.Packet);
  } catch {
    return Buffer.from([0xc0, 0x00]); // a PINGREQ instead of what mqtt-packet refuses to write
  }
}

/** The remaining-length field of a fixed header (7 bits per byte, low first). */
function remainingLength(length: number): number[] {
  const out: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    out.push(byte);
  } while (length > 0);
  return out;
}

/** Strings that are not UTF-8: a lone continuation byte, an overlong NUL, a surrogate, a truncated sequence, 0xFF. */
const badUtf8 = fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80]);

/** One frame: valid, or mutated (truncated, a wrong remaining length, flipped bytes, a topic that is not UTF-8, noise). */
const frame = fc.oneof(
  packetObject.map(generate),
  fc.tuple(packetObject.map(generate), fc.nat()).map(([buffer, cut]) => buffer.subarray(0, cut % Math.max(1, buffer.length))),
  fc
    .tuple(packetObject.map(generate), fc.oneof(fc.integer({ min: 0, max: 268_435_455 }).map(remainingLength), fc.constant([0xff, 0xff, 0xff, 0xff, 0x7f])))
    .map(([buffer, length]) => {
      // The header's length bytes replaced: the packet's own length field is 1-4 bytes after the type byte.
      let end = 1;
      while (end < buffer.length && end < 5 && ((buffer[end] as number) & 0x80) !== 0) end++;
      return Buffer.concat([buffer.subarray(0, 1), Buffer.from(length), buffer.subarray(end + 1)]);
    }),
  fc.tuple(packetObject.map(generate), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([buffer, flips]) => {
    const copy = Buffer.from(buffer);
    for (const [at, value] of flips) if (copy.length > 0) copy[at % copy.length] = value;
    return copy;
  }),
  fc.tuple(fc.string({ maxLength: 8 }), badUtf8, fc.string({ maxLength: 8 }), fc.constantFrom(0x30, 0x82, 0xa2)).map(([before, bad, after, type]) => {
    const topic = Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]);
    const body =
      type === 0x30
        ? Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from('x')])
        : Buffer.concat([Buffer.from([0, 1, topic.length >> 8, topic.length & 0xff]), topic, type === 0x82 ? Buffer.from([0]) : Buffer.alloc(0)]);
    return Buffer.concat([Buffer.from([type, ...remainingLength(body.length)]), body]);
  }),
  bytes.map((b) => Buffer.from(b)),
);

/** A case: whether it logs in first (and as whom), then the frames, written at once or byte by byte. */
export const mqttCase = fc.record({
  login: fc.constantFrom('none', 'none', 'device', 'service'),
  frames: fc.array(frame, { minLength: 1, maxLength: 4 }),
  trickle: fc.boolean(),
});
export type MqttCase = typeof mqttCase extends fc.Arbitrary<infer T> ? T : never;

export interface FuzzGateway {
  gateway: GatewayService;
  db: Db;
  /** Tokens of the well-behaved device (air-fuzz-1) and of the device the fuzz cases log in as (air-fuzz-2). */
  tokens: { watched: string; fuzzed: string };
  close(): Promise<void>;
}

/** A gateway in this process, as `ioc start gateway` runs it, with no connect rate (every case is a new connection). */
export async function startFuzzGateway(): Promise<FuzzGateway> {
  const dir = tempDir('ioc-fuzz-mqtt-');
  const db = await createPgliteDb();
  await migrate(db);
  const config = loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_MQTT_CONNECT_RATE: '0' });
  const gateway = createGatewayService({ config, db, logger: createLogger({ level: 'silent' }) });
  await gateway.start();
  const watched = (await createDevice(db, { id: 'air-fuzz-1', kind: 'air' })).token;
  const fuzzed = (await createDevice(db, { id: 'air-fuzz-2', kind: 'air' })).token;
  return {
    gateway,
    db,
    tokens: { watched, fuzzed },
    async close() {
      await gateway.stop();
      await db.close();
      dir.remove();
    },
  };
}

/** Runs one case on a socket of its own; resolves once the gateway has closed it, or after CASE_MS. */
function runCase(port: number, deviceToken: string, test: MqttCase): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress: test.login === 'none' ? GARBAGE_FROM : LOGGED_IN_FROM });
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    socket.on('error', () => {});
    socket.once('close', finish);
    const send = () => {
      const data = Buffer.concat(test.frames);
      if (test.trickle) for (let i = 0; i < data.length; i++) socket.write(data.subarray(i, i + 1));
      else socket.write(data);
      timer = setTimeout(finish, CASE_MS);
    };
    socket.once('connect', () => {
      if (test.login === 'none') return send();
      const username = test.login === 'device' ? 'air-fuzz-2' : 'svc:fuzz';
      const password = Buffer.from(test.login === 'device' ? deviceToken : SERVICE_TOKEN);
      socket.once('data', send); // the CONNACK: the frames go to a logged-in connection
      socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: username, username, password }));
      timer = setTimeout(finish, 1000);
    });
  });
}

/** The garbage collector, however Node was started. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapMb(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export interface MqttFuzzOutcome {
  target: 'mqtt';
  cases: number;
  /** Cases after which the gateway was no longer ok, or that threw in this process. */
  crashes: number;
  counterexample?: string;
  error?: string;
  /** The well-behaved device's QoS 1 messages acknowledged, received by the service, and lost. */
  published: number;
  received: number;
  lost: number;
  /** Heap after a warm-up (a fifth of the cases) and at the end, after garbage collection; rss at the end. */
  heap_mb_after_warmup: number;
  heap_mb_end: number;
  heap_growth_mb: number;
  rss_mb: number;
}

/**
 * Runs `cases` fuzz cases against the gateway while a device publishes at QoS 1 every 20 ms (over a connection of
 * its own, from 127.0.0.1) and a service subscribed to it counts what arrives.
 */
export async function fuzzMqtt(target: FuzzGateway, cases: number, seed: number): Promise<MqttFuzzOutcome> {
  const url = `mqtt://127.0.0.1:${target.gateway.port}`;
  const options = { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 as const };
  const service: MqttClient = await mqtt.connectAsync(url, { ...options, clientId: 'svc:fuzz-watch/1', username: 'svc:fuzz-watch', password: SERVICE_TOKEN });
  const device: MqttClient = await mqtt.connectAsync(url, { ...options, clientId: 'air-fuzz-1', username: 'air-fuzz-1', password: target.tokens.watched });
  const received = new Set<string>();
  service.on('message', (_topic, payload) => received.add(payload.toString()));
  await service.subscribeAsync('ioc/v1/devices/air-fuzz-1/telemetry', { qos: 1 });
  let published = 0;
  let sent = 0;
  let settled = 0;
  const publisher = setInterval(() => {
    const n = sent++;
    device.publish('ioc/v1/devices/air-fuzz-1/telemetry', `{"metrics":{"pm25":${n}}}`, { qos: 1 }, (error) => {
      settled++;
      if (!error) published++;
    });
  }, 20);
  const gc = collector();
  const warmup = Math.max(1, Math.floor(cases / 5));
  let heapAfterWarmup = 0;
  let done = 0;
  const details = await fc.check(
    fc.asyncProperty(mqttCase, async (test) => {
      await runCase(target.gateway.port, target.tokens.fuzzed, test);
      if (++done === warmup) heapAfterWarmup = heapMb(gc);
      const health = await target.gateway.health();
      if (health.status !== 'ok') throw new Error(`gateway ${String(health.status)} after the case`);
      if (!device.connected || !service.connected) throw new Error('the well-behaved device or service lost its connection');
    }),
    { numRuns: cases, seed, endOnFailure: true },
  );
  clearInterval(publisher);
  // Everything acknowledged must arrive: wait for the last acknowledgements and deliveries, then count.
  const deadline = Date.now() + 10_000;
  while ((settled < sent || received.size < published) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const heapEnd = heapMb(gc);
  await Promise.all([device.endAsync(), service.endAsync()]);
  const outcome: MqttFuzzOutcome = {
    target: 'mqtt',
    cases: details.numRuns,
    crashes: details.failed ? 1 : 0,
    published,
    received: received.size,
    lost: Math.max(0, published - received.size),
    heap_mb_after_warmup: Math.round(heapAfterWarmup * 10) / 10,
    heap_mb_end: Math.round(heapEnd * 10) / 10,
    heap_growth_mb: Math.round((heapEnd - heapAfterWarmup) * 10) / 10,
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  if (details.failed) {
    outcome.counterexample = JSON.stringify(details.counterexample?.[0], (_key, value: unknown) =>
      value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' ? Buffer.from((value as { data: number[] }).data).toString('hex') : value,
    );
    outcome.error = String(details.errorInstance);
  }
  return outcome;
}
