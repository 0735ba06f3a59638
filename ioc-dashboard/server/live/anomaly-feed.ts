import {
  ANOMALIES_TOPIC,
  decodeAnomalyEvent,
  recordAnomalyEvent,
  recordDeadLetters,
  type Clock,
  type Db,
  type Logger,
  type MqttClient,
  type MqttConnect,
  type StoredAnomalyEvent,
} from '@ioc/core';

export interface AnomalyFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

/**
 * The dashboard's subscription to `ioc/v1/anomalies` (QoS 1, service `dashboard-anomalies`) in a persistent
 * session (client id `clientId`, default `svc:dashboard-anomalies/ioc-dashboard-anomalies`;
 * it must start with `svc:dashboard-anomalies/`, the gateway's rule), so events published while the dashboard is
 * down are queued by the gateway and stored when it returns. Each valid event is
 * stored once (a redelivery is not stored or pushed again) and handed to the sink; an invalid one becomes a dead
 * letter with its reason. Messages are handled one at a time, in arrival order, so a clear never overtakes its raise.
 */
export function createAnomalyFeed(deps: {
  mqttConnect: MqttConnect;
  db: Db;
  clock: Clock;
  logger: Logger;
  sink: (event: StoredAnomalyEvent) => void;
  clientId?: string;
}): AnomalyFeed {
  const { db, clock, logger, sink, clientId = 'svc:dashboard-anomalies/ioc-dashboard-anomalies' } = deps;
  let client: MqttClient | undefined;
  let handling: Promise<void> = Promise.resolve();

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const decoded = decodeAnomalyEvent(payload);
    if (!decoded.ok) {
      logger.warn({ topic, deviceId: decoded.deviceId, reason: decoded.reason }, 'anomaly event refused');
      await recordDeadLetters(db, [{ deviceId: decoded.deviceId, topic, payload: payload.toString('utf8'), reason: decoded.reason, ts: clock.now() }]);
      return;
    }
    const stored = await recordAnomalyEvent(db, decoded.event);
    if (stored) sink(stored);
  }

  function onMessage(topic: string, payload: Buffer): void {
    if (topic !== ANOMALIES_TOPIC) return;
    handling = handling
      .then(() => handle(topic, payload))
      .catch((error: Error) => logger.error({ err: error, topic }, 'anomaly event not stored'));
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async start() {
      client = await deps.mqttConnect('dashboard-anomalies', { clientId, clean: false });
      client.on('message', onMessage);
      client.on('error', (error) => logger.warn({ err: error }, 'MQTT error (anomalies)'));
      await client.subscribeAsync(ANOMALIES_TOPIC, { qos: 1 });
    },

    async stop() {
      await client?.endAsync();
      client = undefined;
      await handling;
    },
  };
}
