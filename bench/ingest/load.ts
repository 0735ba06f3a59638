/**
 * Load process of `ioc bench ingest`: one MQTT connection per device, publishing QoS 1 telemetry round-robin as
 * fast as the broker acknowledges, with at most `window` messages unacknowledged.
 */
import type { MqttClient } from 'mqtt';
import { connectDevice } from '../common.ts';
import { airPayload, type IngestLoadMessage, type IngestLoadPlan } from './protocol.ts';

const CONNECT_BATCH = 50;
const PROGRESS_EVERY_MS = 5000;

function send(message: IngestLoadMessage): void {
  process.send?.(message);
}


async function run(plan: IngestLoadPlan): Promise<void> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < plan.devices.length; i += CONNECT_BATCH) {
    clients.push(...(await Promise.all(plan.devices.slice(i, i + CONNECT_BATCH).map((d) => connectDevice(plan.mqttUrl, d)))));
  }
  const errors: string[] = [];
  const note = (error: string) => void (errors.length < 20 && errors.push(error));
  for (const client of clients) client.on('error', (error) => note(`mqtt: ${error.message}`));

  const lastTs = new Map<string, number>();
  let sent = 0;
  let acked = 0;
  let next = 0;
  let stopped = false;
  let lastAckAt = 0;
  const firstPublishAt = Date.now();
  const cpuStart = process.cpuUsage();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const publishOne = (): void => {
    const index = next++ % clients.length;
    const client = clients[index] as MqttClient;
    const id = plan.devices[index]!.id;
    const ts = Math.max(Date.now(), (lastTs.get(id) ?? 0) + 1);
    lastTs.set(id, ts);
    sent++;
    client.publish(`ioc/v1/devices/${id}/telemetry`, airPayload(ts, sent), { qos: 1 }, (error) => {
      if (error) note(`publish: ${error.message}`);
      else acked++;
      lastAckAt = Date.now();
      if (!stopped) publishOne();
      else if (acked + errors.length >= sent) finish();
    });
  };
  for (let i = 0; i < plan.window; i++) publishOne();
  const progress = setInterval(
    () => send({ type: 'progress', elapsed_s: Math.round((Date.now() - firstPublishAt) / 1000), sent, acked }),
    PROGRESS_EVERY_MS,
  );
  await new Promise((resolve) => setTimeout(resolve, plan.durationS * 1000));
  stopped = true;
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  clearInterval(progress);
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (lastAckAt - firstPublishAt) / 1000;
  await Promise.all(clients.map((client) => client.endAsync()));
  send({
    type: 'result',
    sent,
    acked,
    firstPublishAt,
    lastAckAt,
    load_cpu_percent: Math.round((cpu.user + cpu.system) / 10_000 / Math.max(seconds, 0.001)),
    errors,
  });
}

process.once('message', (plan: IngestLoadPlan) => {
  run(plan).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
