import {
  ALERT_RULE_CHANGES_TOPIC,
  ALL_COMPUTED_TELEMETRY_TOPIC,
  allDevicesTopic,
  ANOMALIES_TOPIC,
  createRegistryCache,
  decodeAlertRuleChange,
  decodeAnomalyEvent,
  decodeComputedTelemetry,
  decodeDeviceStatus,
  decodeTelemetry,
  loadAreaSet,
  parseComputedTelemetryTopic,
  parseDeviceTopic,
  systemClock,
  type Clock,
  type Db,
  type Health,
  type Logger,
  type MqttClient,
  type MqttConnect,
  type RegistryRecord,
  type Service,
} from '@ioc/core';
import { listOpenAlerts } from './alert-store.ts';
import { publishAlert, publishBroadcastRequest } from './bus.ts';
import type { AlertingConfig } from './config.ts';
import { createRuleEngine, type RuleEngine } from './engine/rule-engine.ts';
import { createAlertLifecycle } from './lifecycle.ts';
import { createNotifier, type Notifier } from './notify/notifier.ts';
import { listRules } from './rules/rule-store.ts';

export interface AlertingDeps {
  config: AlertingConfig;
  logger: Logger;
  db: Db;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** How often pending conditions and silent devices are judged (default config.alerting.evalIntervalMs). */
  evalIntervalMs?: number;
  /** How often the rules are read again, should an announcement of a change be missed (default 60 s). */
  ruleRefreshMs?: number;
  /** The persistent session's client id (default svc:alerting/ioc-alerting; tests running two set their own). */
  clientId?: string;
  /** The notification pipeline (default: createNotifier with config.notify; tests bring one with their channels). */
  notifier?: Notifier;
}

export interface AlertingService extends Service {
  health(): Promise<Health>;
  /** The engine, for tests that wait for it to settle. */
  readonly engine: RuleEngine | undefined;
  /** Messages received, and evaluated by kind (as in health()). */
  readonly counts: Readonly<Record<'received' | 'readings' | 'statuses' | 'anomalies' | 'ruleChanges' | 'ignored', number>>;
}

const SESSION_CLIENT_ID = 'svc:alerting/ioc-alerting';

/**
 * The alerting service: evaluates the alert rules (alert_rules) against device telemetry and status, the metrics the
 * IOC computes (VN_AQI, ioc/v1/computed/{id}/telemetry) and the anomaly events on the bus, and opens and resolves
 * alerts through the lifecycle (lifecycle.ts), which publishes each alert's state retained on ioc/v1/alerts/{id}.
 * Its MQTT session is persistent and a message is acknowledged only once it has been evaluated, so what arrives while
 * the service is down or killed is evaluated when it is back; the engine's conditions are in the database
 * (alert_conditions), so a restart neither loses nor repeats an alert.
 */
export function createAlertingService(deps: AlertingDeps): AlertingService {
  const { db, mqttConnect, config, clock = systemClock, ruleRefreshMs = 60_000 } = deps;
  const logger = deps.logger.child({ service: 'alerting' });
  const areaNames = new Map(loadAreaSet(config.areasDir).areas.map((area) => [area.id, area.name]));
  const registry = createRegistryCache({ db, logger });
  const known = new Map<string, RegistryRecord>();
  registry.onChange((id, record) => (record ? known.set(id, record) : known.delete(id)));
  let client: MqttClient | undefined;
  /**
   * Alerts and broadcast requests go out on a connection of their own: the subscribing one holds its incoming
   * packets (PUBACKs too) until a message is evaluated, so a publish awaited there would wait for itself.
   */
  let publisher: MqttClient | undefined;
  let engine: RuleEngine | undefined;
  const notifier = deps.notifier ?? createNotifier({ db, config: config.notify, logger, clock });
  let timers: NodeJS.Timeout[] = [];
  let ruleCount = 0;
  /** Messages received, and evaluated by kind. */
  const counts = { received: 0, readings: 0, statuses: 0, anomalies: 0, ruleChanges: 0, ignored: 0 };
  let lastError: string | null = null;

  const connected = () => (publisher ? Promise.resolve(publisher) : Promise.reject(new Error('the alerting service is not connected to the bus')));
  const lifecycle = createAlertLifecycle({ db, clock, logger, publish: async (alert) => publishAlert(await connected(), alert) });

  function failed(error: unknown, what: string): void {
    lastError = (error as Error).message;
    logger.error({ err: error }, what);
  }

  async function reloadRules(): Promise<void> {
    const rules = await listRules(db);
    ruleCount = rules.filter((rule) => rule.enabled).length;
    await engine?.setRules(rules);
  }

  async function deviceOf(deviceId: string): Promise<RegistryRecord | undefined> {
    return registry.get(deviceId) ?? (await registry.lookup(deviceId));
  }

  /** Evaluates one message; resolves once the engine has written what it changes (then it is acknowledged). */
  async function receive(topic: string, payload: Buffer): Promise<void> {
    counts.received++;
    if (!engine) return;
    if (topic === ALERT_RULE_CHANGES_TOPIC) {
      const change = decodeAlertRuleChange(payload.toString());
      if (!change.ok) return void logger.warn({ reason: change.reason }, 'alert rule change refused');
      await reloadRules();
      return void counts.ruleChanges++;
    }
    if (topic === ANOMALIES_TOPIC) {
      const decoded = decodeAnomalyEvent(payload);
      const device = decoded.ok ? await deviceOf(decoded.event.deviceId) : undefined;
      if (!decoded.ok || !device) return void counts.ignored++; // ingest dead-letters what is invalid
      await engine.anomaly(device, decoded.event);
      return void counts.anomalies++;
    }
    const computedFor = parseComputedTelemetryTopic(topic);
    if (computedFor !== undefined) {
      const decoded = decodeComputedTelemetry(payload.toString());
      const device = decoded.ok ? await deviceOf(computedFor) : undefined;
      if (!decoded.ok || !device) return void counts.ignored++;
      const { ts, metrics } = decoded.value;
      // Computed by the IOC (VN_AQI), not sent by the device: it says nothing of whether the device is heard.
      await engine.readings(device, Object.entries(metrics).map(([metric, value]) => ({ metric, ts, value })), { heard: false });
      return void counts.readings++;
    }
    const parsed = parseDeviceTopic(topic);
    const device = parsed ? await deviceOf(parsed.deviceId) : undefined;
    if (!parsed || !device) return void counts.ignored++;
    if (parsed.channel === 'status') {
      const status = payload.length > 0 ? decodeDeviceStatus(payload.toString()) : undefined;
      if (!status?.ok) return void counts.ignored++;
      await engine.status(device, status.value.online, status.value.ts);
      return void counts.statuses++;
    }
    const decoded = decodeTelemetry(device.id, device.kind, payload, clock.now());
    if (!decoded.ok) return void counts.ignored++; // ingest dead-letters it with its reason
    await engine.readings(device, decoded.points);
    counts.readings++;
  }

  async function start(): Promise<void> {
    if (client) return;
    await notifier.start();
    publisher = await mqttConnect('alerting');
    publisher.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error (publishing)'));
    // Messages the session kept while the service was away arrive right after CONNACK: they wait for the engine.
    let ready!: () => void;
    const engineReady = new Promise<void>((resolve) => (ready = resolve));
    const connection = await mqttConnect('alerting', {
      clientId: deps.clientId ?? SESSION_CLIENT_ID,
      clean: false,
      // A QoS 1 message is acknowledged once evaluated: killed mid-way, the broker delivers it again to the session.
      handleMessage: (packet, callback) => {
        if (registry.owns(packet.topic)) return callback(); // the registry cache takes it from the 'message' event
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        engineReady
          .then(() => receive(packet.topic, payload))
          .catch((error: unknown) => failed(error, 'message not evaluated'))
          .finally(() => callback());
      },
    });
    connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
    client = connection;
    engine = createRuleEngine({
      db,
      clock,
      logger,
      lifecycle,
      areaName: (id) => areaNames.get(id),
      devices: () => known.values(),
      requestBroadcast: async (request) => publishBroadcastRequest(await connected(), request),
    });
    await engine.restore();
    await reloadRules();
    // The bus may have lost retained messages (an in-memory broker restarted): every open alert again.
    for (const alert of await listOpenAlerts(db)) await publishAlert(publisher, alert).catch((error: unknown) => failed(error, 'open alert not republished'));
    ready();
    await registry.attach(connection);
    await connection.subscribeAsync({
      [allDevicesTopic('telemetry')]: { qos: 1 },
      [allDevicesTopic('status')]: { qos: 1 },
      [ALL_COMPUTED_TELEMETRY_TOPIC]: { qos: 1 },
      [ANOMALIES_TOPIC]: { qos: 1 },
      [ALERT_RULE_CHANGES_TOPIC]: { qos: 1 },
    });
    timers = [
      setInterval(() => void engine?.tick().catch((error: unknown) => failed(error, 'evaluation tick failed')), deps.evalIntervalMs ?? config.alerting.evalIntervalMs),
      setInterval(() => void reloadRules().catch((error: unknown) => failed(error, 'rules not read')), ruleRefreshMs),
    ];
    logger.info({ rules: ruleCount, ...engine.counts }, 'alerting subscribed to telemetry, device status, anomalies and rule changes');
  }

  async function stop(): Promise<void> {
    if (!client) return;
    const connection = client;
    for (const timer of timers) clearInterval(timer);
    timers = [];
    registry.detach();
    await connection.endAsync();
    await publisher?.endAsync();
    client = undefined;
    publisher = undefined;
    await notifier.stop();
    engine = undefined;
  }

  return {
    name: 'alerting',
    start,
    stop,
    get engine() {
      return engine;
    },
    counts,
    async health(): Promise<Health> {
      const notifications = await notifier.health();
      const bus = !client ? 'down' : !client.connected || !publisher?.connected ? 'degraded' : 'ok';
      return {
        status: bus === 'ok' ? notifications.status : bus,
        rules: ruleCount,
        ...counts,
        ...(engine?.counts ?? {}),
        lastError,
        notifications,
      };
    },
  };
}
