import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALIES_TOPIC,
  createDevice,
  createLogger,
  createMqttConnect,
  createPgliteDb,
  createSqlTelemetryStore,
  deviceTopic,
  loadConfig,
  migrate,
  type Db,
  type TelemetryStore,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, type GatewayService } from '@ioc/gateway';
import { createAnalyticsService, type AnomalyEvent } from '@ioc/analytics';

const SERVICE_TOKEN = 'analytics-test-service-token-42';

describe('analytics service on a real gateway', () => {
  const dir = tempDir();
  let db: Db;
  let gateway: GatewayService;
  let telemetry: TelemetryStore;
  let analytics: ReturnType<typeof createAnalyticsService>;
  let listener: MqttClient;
  const events: AnomalyEvent[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    db = await createPgliteDb();
    await migrate(db);
    const config = loadConfig({ IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_LOG_LEVEL: 'silent' });
    const logger = createLogger({ level: 'silent' });
    gateway = createGatewayService({ config, logger, db });
    await gateway.start();
    const url = `mqtt://127.0.0.1:${gateway.port}`;
    telemetry = createSqlTelemetryStore(db);
    analytics = createAnalyticsService({
      config,
      logger,
      db,
      telemetry,
      mqttConnect: createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN }),
      detector: { minValues: 40, minScores: 20 },
      hysteresis: { clearBelow: 0.9, clearAfter: 10 },
      flushMs: 20,
    });
    await analytics.start();
    listener = await mqtt.connectAsync(url, { username: 'svc:analytics-test', password: SERVICE_TOKEN, reconnectPeriod: 0 });
    listener.on('message', (_topic, payload) => events.push(JSON.parse(payload.toString()) as AnomalyEvent));
    await listener.subscribeAsync(ANOMALIES_TOPIC, { qos: 1 });
  });

  afterAll(async () => {
    for (const client of [...clients, listener]) await client?.endAsync();
    await analytics?.stop();
    await gateway?.stop();
    await telemetry?.close();
    await db?.close();
    dir.remove();
  });

  async function station(id: string): Promise<MqttClient> {
    const { token } = await createDevice(db, { id, kind: 'air' });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { username: id, password: token, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  it('raises one anomaly for a spike, clears it after the series calms down, and stores the scores as telemetry', async () => {
    const device = await station('air-ana-1');
    const start = Date.now() - 400 * 60_000;
    const pm25 = (i: number) => 30 + 8 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919) % 13) / 13;
    const publish = (i: number, value: number) =>
      device.publishAsync(deviceTopic('air-ana-1', 'telemetry'), JSON.stringify({ ts: start + i * 60_000, metrics: { pm25: value } }), { qos: 1 });
    for (let i = 0; i < 300; i++) await publish(i, pm25(i));
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 300 - 39 }), { timeout: 20_000 });
    expect(events).toEqual([]);

    for (let i = 300; i < 305; i++) await publish(i, 400);
    for (let i = 305; i < 360; i++) await publish(i, pm25(i));
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ scored: 360 - 39 }), { timeout: 20_000 });
    expect(events.map((e) => e.state)).toEqual(['raised', 'cleared']);
    const [raised, cleared] = events;
    expect(raised).toMatchObject({ deviceId: 'air-ana-1', kind: 'air', metric: 'pm25', model: 'env-novelty-v1', label: 'anomaly', threshold: 0.9995 });
    expect(raised!.ts).toBeGreaterThanOrEqual(start + 300 * 60_000);
    expect(raised!.score).toBeGreaterThanOrEqual(0.9995);
    expect(cleared!.ts).toBeGreaterThan(raised!.ts);

    const scores = await telemetry.range({ deviceId: 'air-ana-1', metric: 'pm25_anomaly', from: start, to: start + 400 * 60_000 });
    expect(scores).toHaveLength(360 - 39);
    expect(scores.find((p) => p.ts === raised!.ts)!.value).toBeCloseTo(raised!.score, 6);
    expect(analytics.health()).toMatchObject({ status: 'ok', published: 2, activeAnomalies: 0 });
  });

  it('skips non-environment devices and counts telemetry it cannot read without stopping', async () => {
    const before = analytics.health();
    const { token } = await createDevice(db, { id: 'speaker-ana-1', kind: 'speaker' });
    const speaker = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, { username: 'speaker-ana-1', password: token, reconnectPeriod: 0 });
    clients.push(speaker);
    await speaker.publishAsync(deviceTopic('speaker-ana-1', 'telemetry'), JSON.stringify({ metrics: { volume: 3 } }), { qos: 1 });
    const device = await station('air-ana-2');
    await device.publishAsync(deviceTopic('air-ana-2', 'telemetry'), '{"metrics": {"pm25": ', { qos: 1 });
    await vi.waitFor(() => expect(analytics.health()).toMatchObject({ received: (before.received as number) + 2, ignored: (before.ignored as number) + 1 }));
    expect(analytics.health()).toMatchObject({ status: 'ok', scored: before.scored });
  });
});
