// One writer for history: a deployment without the dashboard (gateway + ingest + analytics, real MQTT, PostgreSQL
// and the SQL telemetry store) keeps the full anomaly history and the likelihood series, because ingest stores what
// analytics publishes; a redelivered anomaly is stored once, an invalid one becomes a dead letter with its reason.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ANOMALIES_TOPIC,
  createDevice,
  createLogger,
  createSqlTelemetryStore,
  deviceTopic,
  listAnomalyEvents,
  listDeadLetters,
  openDb,
  type AnomalyEvent,
  type Db,
  type Health,
  type TelemetryStore,
} from '@ioc/core';
import { postgresAvailable, startPostgres, tempDir, type PostgresServer } from '@ioc/core/testing';
import { startIoc, type RunningIoc } from '@ioc/cli';

const SERVICE_TOKEN = 'history-test-service-token-0123456789';
const STEP_MS = 2 * 60_000;

describe.skipIf(!postgresAvailable())('history without the dashboard: gateway, ingest and analytics on PostgreSQL', () => {
  const dir = tempDir('ioc-history-');
  let postgres: PostgresServer;
  let ioc: RunningIoc;
  let db: Db;
  let telemetry: TelemetryStore;
  const clients: MqttClient[] = [];
  const published: AnomalyEvent[] = [];
  const health = (name: string) => ioc.services.find((s) => s.name === name)!.health() as Health;
  const connect = async (username: string, password: string, clientId = username) => {
    const client = await mqtt.connectAsync(ioc.mqttUrl, { clientId, username, password, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    ioc = await startIoc({
      services: ['gateway', 'ingest', 'analytics'],
      env: { IOC_DATA_DIR: dir.path, DATABASE_URL: postgres.url, IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_LOG_LEVEL: 'silent' },
      logger: createLogger({ level: 'silent' }),
    });
    db = await openDb({ databaseUrl: postgres.url, dataDir: dir.path });
    telemetry = createSqlTelemetryStore(db);
    const listener = await connect('svc:history-test', SERVICE_TOKEN);
    listener.on('message', (_topic, payload) => published.push(JSON.parse(payload.toString()) as AnomalyEvent));
    await listener.subscribeAsync(ANOMALIES_TOPIC, { qos: 1 });
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync();
    await ioc?.stop();
    await telemetry?.close();
    await db?.close();
    await postgres?.stop();
    dir.remove();
  });

  it('stores every anomaly analytics publishes and every likelihood it derives', async () => {
    const { token } = await createDevice(db, { id: 'air-hist-1', kind: 'air', lat: 16.46, lon: 107.59 });
    const station = await connect('air-hist-1', token);
    // A day of readings every 2 minutes (the detectors learn), a spike, then calm for two hours (the alarm clears).
    const start = Date.now() - 2 * 86_400_000;
    const normal = (i: number) => 30 + 8 * Math.sin((2 * Math.PI * i) / 720) + ((i * 7919) % 13) / 13;
    for (let i = 0; i < 900; i++) {
      const pm25 = i >= 800 && i < 805 ? 400 : normal(i);
      await station.publishAsync(deviceTopic('air-hist-1', 'telemetry'), JSON.stringify({ ts: start + i * STEP_MS, metrics: { pm25 } }), { qos: 1 });
    }
    await vi.waitFor(() => expect(health('analytics').received).toBe(900), { timeout: 60_000, interval: 200 });
    await vi.waitFor(() => expect(published.map((e) => e.state)).toEqual(['raised', 'cleared']), { timeout: 60_000, interval: 200 });
    // Every reading scored: the count stops moving (a loaded machine scores late).
    let scored = -1;
    await vi.waitFor(
      () => {
        const [before, now] = [scored, health('analytics').scored as number];
        scored = now;
        expect(now).toBe(before);
      },
      { timeout: 60_000, interval: 2000 },
    );

    const likelihoods = () => telemetry.range({ deviceId: 'air-hist-1', metric: 'pm25_anomaly', from: start, to: Date.now() });
    await vi.waitFor(async () => expect(await likelihoods()).toHaveLength(scored), { timeout: 30_000, interval: 200 });
    expect(scored).toBeGreaterThan(500);
    expect((await likelihoods()).every((p) => p.value >= 0 && p.value <= 1)).toBe(true);
    await vi.waitFor(async () => expect(await listAnomalyEvents(db, { deviceId: 'air-hist-1' })).toHaveLength(2), { timeout: 10_000, interval: 100 });
    const stored = (await listAnomalyEvents(db, { deviceId: 'air-hist-1' })).reverse();
    expect(stored.map(({ id: _id, receivedAt: _at, ...event }) => event)).toEqual(published);
  });

  it('stores a redelivered anomaly once and turns an invalid one into a dead letter with its reason', async () => {
    const other = await connect('svc:history-test', SERVICE_TOKEN, 'svc:history-test/publisher');
    const event: AnomalyEvent = { deviceId: 'air-hist-1', kind: 'air', metric: 'no2', model: 'ioc-env-v2', score: 7, threshold: 6, label: 'sensor_fault', state: 'raised', ts: Date.now() - 1000 };
    for (let i = 0; i < 2; i++) await other.publishAsync(ANOMALIES_TOPIC, JSON.stringify(event), { qos: 1, dup: i > 0 });
    await other.publishAsync(ANOMALIES_TOPIC, JSON.stringify({ ...event, state: 'on' }), { qos: 1 });

    await vi.waitFor(async () => expect(await listDeadLetters(db, { topic: ANOMALIES_TOPIC })).toHaveLength(1), { timeout: 10_000, interval: 100 });
    expect((await listDeadLetters(db, { topic: ANOMALIES_TOPIC }))[0]).toMatchObject({ deviceId: 'air-hist-1', reason: expect.stringContaining('"state"') });
    expect(await listAnomalyEvents(db, { deviceId: 'air-hist-1', label: 'sensor_fault' })).toMatchObject([event]);
    // Ingest took both deliveries (and analytics' raise and clear), and wrote each; the table kept one.
    expect(health('ingest')).toMatchObject({ status: 'ok', anomalyEvents: 4, anomaliesWritten: 4 });
  });
});
