import { ANOMALIES_TOPIC, decodeAnomalyEvent, type AnomalyEvent, type Logger, type MqttClient, type MqttConnect } from '@ioc/core';

export interface AnomalyFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

/**
 * The wall's live anomalies: a clean subscription to `ioc/v1/anomalies` (service `dashboard-anomalies`) handing each
 * valid event to the sink as it arrives. The dashboard stores nothing: ingest is the history's one writer (it stores
 * each event once and dead-letters invalid ones), and browsers read the history from GET /api/anomalies. An event
 * published while the dashboard is down is not pushed; browsers load the active alarms when they (re)connect.
 */
export function createAnomalyFeed(deps: { mqttConnect: MqttConnect; logger: Logger; sink: (event: AnomalyEvent) => void }): AnomalyFeed {
  const { logger, sink } = deps;
  let client: MqttClient | undefined;

  function onMessage(topic: string, payload: Buffer): void {
    if (topic !== ANOMALIES_TOPIC) return;
    const decoded = decodeAnomalyEvent(payload);
    if (decoded.ok) sink(decoded.event);
    else logger.debug({ topic, reason: decoded.reason }, 'anomaly event not pushed'); // ingest dead-letters it
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async start() {
      client = await deps.mqttConnect('dashboard-anomalies');
      client.on('message', onMessage);
      client.on('error', (error) => logger.warn({ err: error }, 'MQTT error (anomalies)'));
      await client.subscribeAsync(ANOMALIES_TOPIC, { qos: 1 });
    },

    async stop() {
      await client?.endAsync();
      client = undefined;
    },
  };
}
