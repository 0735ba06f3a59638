/**
 * The bench's load process, kept apart from the IOC's process: one MQTT connection per device publishing at a
 * fixed total rate, and an observer measuring publish → delivery (socket.io client of the dashboard, or a plain MQTT
 * subscriber for the peer) and publish → visible through the history API.
 */
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { io as socketIo } from 'socket.io-client';
import { connectDevice } from '../common.ts';
import type { LoadMessage, LoadRun } from './protocol.ts';
import { summarize } from './stats.ts';

const CONNECT_BATCH = 50;
const TICK_MS = 5;
const PROGRESS_EVERY_MS = 5000;
const POLL_EVERY_MS = 50;
const POLL_OLDEST = 3;
const DRAIN_IDLE_MS = 5000;
const TOPIC = (id: string) => `ioc/v1/devices/${id}/telemetry`;

function send(message: LoadMessage): void {
  process.send?.(message);
}


async function run(plan: LoadRun): Promise<void> {
  const sentAt = new Map<string, { t0: number; measured: boolean }>();
  const delivery: number[] = [];
  /** Delivery latencies per 5 s window of the publishing phase, to show when delays happen. */
  const windows: number[][] = [];
  let publishStart = 0;
  const queryable: number[] = [];
  const errors: string[] = [];
  const samples = new Map<string, { id: string; ts: number; t0: number }>();
  let received = 0;
  let unmatched = 0;
  const note = (error: string) => {
    if (errors.length < 20) errors.push(error);
  };
  const onDelivered = (deviceId: string, ts: number) => {
    const sent = sentAt.get(`${deviceId}|${ts}`);
    if (sent === undefined) {
      unmatched++;
      return;
    }
    sentAt.delete(`${deviceId}|${ts}`);
    received++;
    if (!sent.measured) return;
    const { t0 } = sent;
    const latency = performance.now() - t0;
    delivery.push(latency);
    const window = Math.max(0, Math.floor((t0 - publishStart) / 5000));
    (windows[window] ??= []).push(latency);
  };

  // The observer connects first so that it sees every message.
  let closeObserver: () => Promise<void>;
  if (plan.mode === 'ioc') {
    const socket = socketIo(plan.dashboardUrl as string, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: plan.cookie as string } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`socket.io: ${error.message}`)));
    });
    socket.on('telemetry', (event: { deviceId: string; ts: number }) => onDelivered(event.deviceId, event.ts));
    closeObserver = async () => void socket.close();
  } else {
    const subscriber = await connectDevice(plan.mqttUrl, { id: `bench-subscriber-${process.pid}` });
    await subscriber.subscribeAsync('ioc/v1/devices/+/telemetry', { qos: 1 });
    subscriber.on('message', (_topic, payload) => {
      const { ts } = JSON.parse(payload.toString()) as { ts: number };
      onDelivered(_topic.split('/')[3] as string, ts);
    });
    closeObserver = () => subscriber.endAsync();
  }

  const connectStart = performance.now();
  const clients: MqttClient[] = [];
  for (let i = 0; i < plan.devices.length; i += CONNECT_BATCH) {
    clients.push(...(await Promise.all(plan.devices.slice(i, i + CONNECT_BATCH).map((d) => connectDevice(plan.mqttUrl, d)))));
  }
  for (const client of clients) client.on('error', (error) => note(`mqtt: ${error.message}`));
  const connectS = (performance.now() - connectStart) / 1000;

  // History API sampler: polls the oldest sampled messages until the API returns them. Messages become visible
  // in order, so polling only the oldest few keeps the sampler's own load on the IOC small.
  let polling = false;
  const poll = async () => {
    if (polling || plan.mode !== 'ioc') return;
    polling = true;
    await Promise.all(
      [...samples.entries()].slice(0, POLL_OLDEST).map(async ([key, sample]) => {
        const url = `${plan.dashboardUrl}/api/devices/${sample.id}/telemetry?metric=pm25&from=${sample.ts}&to=${sample.ts + 1}`;
        try {
          const response = await fetch(url, { headers: { cookie: plan.cookie as string } });
          if (!response.ok) return note(`history API ${response.status}: ${await response.text()}`);
          const { points } = (await response.json()) as { points: unknown[] };
          if (points.length > 0 && samples.delete(key)) queryable.push(performance.now() - sample.t0);
        } catch (error) {
          note(`history API: ${(error as Error).message}`);
        }
      }),
    );
    polling = false;
  };
  const poller = setInterval(() => void poll(), POLL_EVERY_MS);

  const lastTs = new Map<string, number>();
  let sent = 0;
  let acked = 0;
  let next = 0;
  const publishOne = () => {
    const index = next++ % clients.length;
    const client = clients[index] as MqttClient;
    const id = plan.devices[index]!.id;
    const ts = Math.max(Date.now(), (lastTs.get(id) ?? 0) + 1);
    lastTs.set(id, ts);
    const payload = JSON.stringify({ ts, metrics: { pm25: 10 + (sent % 40), pm10: 30 + (sent % 60), temp_c: 28.5, rh: 75 } });
    const t0 = performance.now();
    const measured = t0 >= publishStart;
    sentAt.set(`${id}|${ts}`, { t0, measured });
    if (measured && sent % plan.sampleEvery === 0 && plan.mode === 'ioc') samples.set(`${id}|${ts}`, { id, ts, t0 });
    sent++;
    client.publish(TOPIC(id), payload, { qos: 1 }, (error) => (error ? note(`publish: ${error.message}`) : acked++));
  };

  // Warm-up: the same load, not measured, while the IOC settles after 1,000 logins (status writes, JIT).
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  publishStart = start + plan.warmupS * 1000;
  const totalS = plan.warmupS + plan.durationS;
  let lastProgress = start;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const elapsed = (now - start) / 1000;
      if (elapsed >= totalS) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * plan.rate) - sent;
      for (let i = 0; i < due; i++) publishOne();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        send({ type: 'progress', mode: plan.mode, elapsed_s: Math.round(elapsed), sent, received, rate_msgs_per_s: Math.round(sent / elapsed) });
      }
    }, TICK_MS);
  });
  const publishS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const loadCpuPercent = Math.round((cpu.user + cpu.system) / 10_000 / publishS);
  const measuredS = (performance.now() - publishStart) / 1000;
  const measuredSent = [...sentAt.values()].filter((m) => m.measured).length + delivery.length;

  // Drain: wait while messages and samples are still arriving.
  let lastCount = -1;
  let idleSince = performance.now();
  while ((received < sent || samples.size > 0) && performance.now() - idleSince < DRAIN_IDLE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const count = received + queryable.length;
    if (count !== lastCount) {
      lastCount = count;
      idleSince = performance.now();
    }
  }
  clearInterval(poller);
  while (polling) await new Promise((resolve) => setTimeout(resolve, 10));

  send({
    type: 'result',
    mode: plan.mode,
    devices: clients.length,
    connect_s: Math.round(connectS * 10) / 10,
    publish_s: Math.round(publishS * 10) / 10,
    sent,
    acked,
    received,
    lost: sent - received,
    unmatched,
    rate_msgs_per_s: Math.round(measuredSent / measuredS),
    load_cpu_percent: loadCpuPercent,
    delivery: summarize(delivery),
    delivery_p99_by_5s: windows.map((w) => summarize(w).p99),
    queryable: summarize(queryable),
    queryable_unseen: samples.size,
    errors,
  });
  await Promise.all(clients.map((client) => client.endAsync()));
  await closeObserver();
}

process.once('message', (plan: LoadRun) => {
  run(plan).then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`load process failed: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );
});
