import { publishAlert, publishRuleChange, type AlertBus } from '@ioc/alerting';
import { ALL_ALERTS_TOPIC, decodeAlert, parseAlertTopic, type Alert, type Logger, type MqttClient, type MqttConnect } from '@ioc/core';

export interface AlertFeed extends AlertBus {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

/**
 * The wall's live alerts: a subscription to `ioc/v1/alerts/+` (service `dashboard-alerts`) handing each alert change
 * to the sink as it is published, by the alerting service or by this dashboard's own routes. Retained states heard
 * on subscribing are not pushed: browsers load the list from GET /api/alerts. The same connection publishes what
 * the alert routes change (AlertBus), so the alerting service and every other dashboard hear it.
 */
export function createAlertFeed(deps: { mqttConnect: MqttConnect; logger: Logger; sink: (alert: Alert) => void }): AlertFeed {
  const { logger, sink } = deps;
  let client: MqttClient | undefined;
  const connected = () => (client ? Promise.resolve(client) : Promise.reject(new Error('the dashboard is not connected to the bus')));

  function onMessage(topic: string, payload: Buffer, packet: { retain?: boolean }): void {
    const id = parseAlertTopic(topic);
    if (id === undefined || packet.retain || payload.length === 0) return;
    const decoded = decodeAlert(payload.toString());
    if (decoded.ok && decoded.value.id === id) sink(decoded.value);
    else logger.warn({ topic, reason: decoded.ok ? `the alert's id is not the topic's "${id}"` : decoded.reason }, 'alert state not pushed');
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },
    alert: async (alert) => publishAlert(await connected(), alert),
    ruleChange: async (change) => publishRuleChange(await connected(), change),

    async start() {
      client = await deps.mqttConnect('dashboard-alerts');
      client.on('message', onMessage);
      client.on('error', (error) => logger.warn({ err: error }, 'MQTT error (alerts)'));
      await client.subscribeAsync(ALL_ALERTS_TOPIC, { qos: 1 });
    },

    async stop() {
      await client?.endAsync();
      client = undefined;
    },
  };
}
