import mqtt, { type MqttClient } from 'mqtt';
import { expect, vi } from 'vitest';
import {
  ALL_ALERTS_TOPIC,
  BROADCAST_REQUESTS_TOPIC,
  createDevice,
  createLogger,
  createMqttConnect,
  createPgliteDb,
  migrate,
  seedAreas,
  type Alert,
  type BroadcastRequest,
  type Db,
  type MqttConnect,
  type NewDevice,
} from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { createGatewayService, loadGatewayConfig, type GatewayService } from '@ioc/gateway';
import { createAlertingService, createAlertRules, publishRuleChange, type AlertingService, type AlertRules } from '../src/index.ts';
import { loadAlertingConfig } from '../src/config.ts';

const SERVICE_TOKEN = 'alerting-test-service-token-42';
export const logger = createLogger({ level: 'silent' });

/** A clock the test moves by hand, starting now (devices' readings must fall within ingest's time window). */
export function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** The kinds of message the service counts once evaluated (its health). */
export type Evaluated = 'readings' | 'statuses' | 'anomalies' | 'ruleChanges';

export interface AlertingStack {
  db: Db;
  clock: ReturnType<typeof manualClock>;
  mqttConnect: MqttConnect;
  gateway: GatewayService;
  rules: AlertRules;
  /** Every message heard on ioc/v1/alerts/+, in order. */
  messages: Alert[];
  broadcasts: BroadcastRequest[];
  /** Each alert's last state heard on the bus. */
  latest(): Map<string, Alert>;
  /** Registers a device and connects it to the gateway with its own token (its status goes online). */
  device(device: NewDevice): Promise<MqttClient>;
  /** Connects a registered device again (and waits until a running alerting service has its online status). */
  reconnect(deviceId: string): Promise<MqttClient>;
  /** Publishes a reading at the clock's time (QoS 1) and waits until the alerting service, if running, has evaluated it. */
  read(client: MqttClient, metrics: Record<string, number>): Promise<void>;
  /** How many messages of a kind the alerting service has evaluated (0 when it is not running). */
  evaluated(kind: Evaluated): number;
  /** Waits until the alerting service has evaluated more messages of a kind than `before`. */
  evaluatedMore(kind: Evaluated, before: number): Promise<void>;
  /** Starts (again) the alerting service: a new instance on the same database and session, as after a restart. */
  startAlerting(): Promise<AlertingService>;
  stopAlerting(): Promise<void>;
  alerting(): AlertingService;
  stop(): Promise<void>;
}

/** A real gateway on PGlite (or the database given, migrated and seeded), the alerting service with a hand-moved clock, and a listener on its topics. */
export async function startAlertingStack(options: { db?: Db; evalIntervalMs?: number } = {}): Promise<AlertingStack> {
  const dir = tempDir();
  const db = options.db ?? (await createPgliteDb());
  await migrate(db);
  await seedAreas(db);
  const env = { IOC_MQTT_PORT: '0', IOC_SERVICE_TOKEN: SERVICE_TOKEN, IOC_DATA_DIR: dir.path, IOC_LOG_LEVEL: 'silent' };
  // One clock for all: the gateway stamps device statuses with it.
  const clock = manualClock();
  const gateway = createGatewayService({ config: loadGatewayConfig(env), logger, db, clock });
  await gateway.start();
  const url = `mqtt://127.0.0.1:${gateway.port}`;
  const mqttConnect = createMqttConnect({ mqttUrl: url, serviceToken: SERVICE_TOKEN });
  const messages: Alert[] = [];
  const broadcasts: BroadcastRequest[] = [];
  const listener = await mqtt.connectAsync(url, { clientId: 'svc:alerting-test/listener', username: 'svc:alerting-test', password: SERVICE_TOKEN, reconnectPeriod: 0 });
  listener.on('message', (topic, payload) => {
    if (payload.length === 0) return;
    if (topic === BROADCAST_REQUESTS_TOPIC) broadcasts.push(JSON.parse(payload.toString()) as BroadcastRequest);
    else messages.push(JSON.parse(payload.toString()) as Alert);
  });
  await listener.subscribeAsync({ [ALL_ALERTS_TOPIC]: { qos: 1 }, [BROADCAST_REQUESTS_TOPIC]: { qos: 1 } });
  const evaluated = (kind: Evaluated) => alerting?.counts[kind] ?? 0;
  const useCase = createAlertRules({ db, clock, logger, announce: (change) => publishRuleChange(listener, change) });
  /** Each change returns once a running alerting service has read the rules again. */
  const applied = <A extends unknown[], R>(change: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const before = evaluated('ruleChanges');
    const result = await change(...args);
    if (alerting) await stack.evaluatedMore('ruleChanges', before);
    return result;
  };
  const rules: AlertRules = { ...useCase, create: applied(useCase.create), update: applied(useCase.update), remove: applied(useCase.remove) };
  const clients: MqttClient[] = [listener];
  const tokens = new Map<string, string>();
  let alerting: AlertingService | undefined;

  const stack: AlertingStack = {
    db,
    clock,
    mqttConnect,
    gateway,
    rules,
    messages,
    broadcasts,
    latest: () => new Map(messages.map((m) => [m.id, m])),
    async device(device) {
      const { token } = await createDevice(db, device);
      tokens.set(device.id, token);
      return this.reconnect(device.id);
    },
    async reconnect(deviceId) {
      const before = evaluated('statuses');
      const client = await mqtt.connectAsync(url, { clientId: deviceId, username: deviceId, password: tokens.get(deviceId), reconnectPeriod: 0 });
      clients.push(client);
      if (alerting) await this.evaluatedMore('statuses', before); // its online status
      return client;
    },
    async read(client, metrics) {
      const before = evaluated('readings');
      await client.publishAsync(`ioc/v1/devices/${client.options.clientId}/telemetry`, JSON.stringify({ ts: clock.now(), metrics }), { qos: 1 });
      if (alerting) await this.evaluatedMore('readings', before);
    },
    evaluated,
    async evaluatedMore(kind, before) {
      await vi.waitFor(() => expect(evaluated(kind)).toBeGreaterThan(before), { timeout: 15_000, interval: 10 });
    },
    async startAlerting() {
      alerting = createAlertingService({
        config: loadAlertingConfig(env),
        logger,
        db,
        mqttConnect,
        clock,
        evalIntervalMs: options.evalIntervalMs ?? 50,
      });
      await alerting.start();
      return alerting;
    },
    async stopAlerting() {
      await alerting?.stop();
      alerting = undefined;
    },
    alerting: () => {
      if (!alerting) throw new Error('alerting is not running');
      return alerting;
    },
    async stop() {
      for (const client of clients) await client.endAsync();
      await alerting?.stop();
      await gateway.stop();
      if (!options.db) await db.close();
      dir.remove();
    },
  };
  return stack;
}
