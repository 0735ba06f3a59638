/**
 * Load process of `ioc bench ingest`: one MQTT connection per device, publishing QoS 1 telemetry round-robin as
 * fast as the broker acknowledges, with at most `window` messages unacknowledged. The connections are the raw
 * client of the gateway bench (a generic client library costs more CPU per message than the pipeline measured, and
 * the load shares the pipeline's two cores); what one device writes in one turn leaves in one system call.
 */
import { corkPerTurn } from '@ioc/core';
import { publishPacket, rawClient, type RawClient } from '../gateway/raw.ts';
import { airPayload, type IngestLoadMessage, type IngestLoadPlan } from './protocol.ts';

const CONNECT_BATCH = 50;
const PROGRESS_EVERY_MS = 5000;

function send(message: IngestLoadMessage): void {
  process.send?.(message);
}

async function run(plan: IngestLoadPlan): Promise<void> {
  const port = Number(new URL(plan.mqttUrl).port);
  const clients: RawClient[] = [];
  for (let i = 0; i < plan.devices.length; i += CONNECT_BATCH) {
    const batch = plan.devices.slice(i, i + CONNECT_BATCH);
    clients.push(...(await Promise.all(batch.map((d) => rawClient(port, d.id, d.token ? { username: d.id, password: d.token } : {})))));
  }
  const errors: string[] = [];
  const note = (error: string) => void (errors.length < 20 && errors.push(error));
  let stopped = false;
  for (const [i, client] of clients.entries()) {
    client.socket.on('error', (error) => note(`${plan.devices[i]!.id}: ${error.message}`));
    client.socket.on('close', () => stopped || note(`${plan.devices[i]!.id}: connection closed by the broker`));
  }
  const holds = clients.map((client) => corkPerTurn(() => client.socket));
  const packetIds = clients.map(() => 0);
  const topics = plan.devices.map((device) => Buffer.from(`ioc/v1/devices/${device.id}/telemetry`));
  const lastTs = plan.devices.map(() => 0);

  let sent = 0;
  let acked = 0;
  let next = 0;
  let lastAckAt = 0;
  const firstPublishAt = Date.now();
  const cpuStart = process.cpuUsage();
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const publishOne = (): void => {
    const index = next++ % clients.length;
    const ts = Math.max(Date.now(), lastTs[index]! + 1);
    lastTs[index] = ts;
    const messageId = (packetIds[index] = (packetIds[index]! % 65535) + 1);
    sent++;
    holds[index]!();
    clients[index]!.send(publishPacket(topics[index]!, 1, messageId, airPayload(ts, sent)));
  };
  for (const client of clients) {
    client.onAck = () => {
      acked++;
      lastAckAt = Date.now();
      if (!stopped) publishOne();
      else if (acked >= sent) finish();
    };
  }
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
  await Promise.all(clients.map((client) => client.close()));
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
