import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createDevice,
  createLogger,
  createMqttConnect,
  createPgliteDb,
  createSqlTelemetryStore,
  migrate,
  ownsDevice,
  type Db,
  type Service,
  type TelemetryStore,
} from '@ioc/core';
import { freePort, mosquittoBinary, startMosquitto, tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createIngestService, loadIngestConfig } from '@ioc/ingest';

const SERVICE_TOKEN = 'ingest-partition-token-0123';
const DEVICES = Array.from({ length: 10 }, (_, i) => `air-split-${i}`);
const MESSAGES_EACH = 20;
const binary = mosquittoBinary();

/** Two ingest workers (IOC_INGEST_PARTITION 1/2 and 2/2) on one store, reading from the broker at `url`. */
function startWorkers(url: string, db: Db, telemetry: TelemetryStore, dataDir: string): Service[] {
  const logger = createLogger({ level: 'silent' });
  const mqttConnect = createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN });
  return [1, 2].map((index) => {
    const config = loadIngestConfig({ IOC_DATA_DIR: dataDir, IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_INGEST_PARTITION: `${index}/2` });
    return createIngestService({ config, logger, db, telemetry, mqttConnect, flushMs: 20 });
  });
}

/** Every device publishes MESSAGES_EACH readings (QoS 1) at t0 + i, logged in with its token (Mosquitto takes any). */
async function publish(url: string, tokens: Map<string, string>, t0: number): Promise<void> {
  for (const id of DEVICES) {
    const login = { clientId: id, username: id, password: tokens.get(id) };
    const device: MqttClient = await mqtt.connectAsync(url, { ...login, reconnectPeriod: 0 });
    for (let i = 0; i < MESSAGES_EACH; i++) {
      await device.publishAsync(`ioc/v1/devices/${id}/telemetry`, JSON.stringify({ ts: t0 + i, metrics: { pm25: i } }), { qos: 1 });
    }
    await device.endAsync();
  }
}

const owned = (index: number) => DEVICES.filter((id) => ownsDevice({ index, count: 2 }, id));

describe('ingest workers splitting the devices (IOC_INGEST_PARTITION)', () => {
  let db: Db;
  let telemetry: TelemetryStore;
  const tokens = new Map<string, string>();
  const dir = tempDir();

  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    telemetry = await createSqlTelemetryStore(db);
    for (const id of DEVICES) tokens.set(id, (await createDevice(db, { id, kind: 'air' })).token);
    expect(owned(1).length).toBeGreaterThan(0);
    expect(owned(2).length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await telemetry.close();
    await db.close();
    dir.remove();
  });

  const storedPerDevice = async (t0: number) =>
    Promise.all(DEVICES.map(async (deviceId) => (await telemetry.range({ deviceId, metric: 'pm25', from: t0, to: t0 + MESSAGES_EACH })).length));

  it('behind the gateway: each reading is stored once, each worker receives only its own devices', async () => {
    const config = loadGatewayConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path });
    const gateway: GatewayService = createGatewayService({ config, logger: createLogger({ level: 'silent' }), db });
    await gateway.start();
    const url = `mqtt://127.0.0.1:${gateway.port}`;
    const workers = startWorkers(url, db, telemetry, dir.path);
    try {
      for (const worker of workers) await worker.start();
      const t0 = Date.now() - 120_000;
      await publish(url, tokens, t0);
      await vi.waitFor(async () => expect(await storedPerDevice(t0)).toEqual(DEVICES.map(() => MESSAGES_EACH)), { timeout: 20_000, interval: 200 });
      const health = await Promise.all(workers.map((worker) => worker.health()));
      expect(health.map((h) => h.received)).toEqual([owned(1).length * MESSAGES_EACH, owned(2).length * MESSAGES_EACH]);
      expect(health.map((h) => [h.partition, h.notOwned])).toEqual([['1/2', 0], ['2/2', 0]]);
    } finally {
      for (const worker of workers) await worker.stop();
      await gateway.stop();
    }
  });

  it.skipIf(!binary)('behind a broker that does not split (Mosquitto): each worker skips what it does not own', async () => {
    const brokerDir = tempDir();
    const mosquitto = await startMosquitto(binary as string, await freePort(), brokerDir.path);
    const workers = startWorkers(mosquitto.url, db, telemetry, dir.path);
    try {
      for (const worker of workers) await worker.start();
      const t0 = Date.now() - 60_000;
      await publish(mosquitto.url, tokens, t0);
      await vi.waitFor(async () => expect(await storedPerDevice(t0)).toEqual(DEVICES.map(() => MESSAGES_EACH)), { timeout: 20_000, interval: 200 });
      const all = DEVICES.length * MESSAGES_EACH;
      await vi.waitFor(async () => {
        const health = await Promise.all(workers.map((worker) => worker.health()));
        expect(health.map((h) => h.received)).toEqual([all, all]);
        expect(health.map((h) => h.notOwned)).toEqual([owned(2).length * MESSAGES_EACH, owned(1).length * MESSAGES_EACH]);
      });
    } finally {
      for (const worker of workers) await worker.stop();
      await mosquitto.stop();
      brokerDir.remove();
    }
  });
});
