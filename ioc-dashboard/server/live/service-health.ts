import type { Clock, Health, Logger, MqttClient, MqttConnect } from '@ioc/core';
import { ALL_SERVICES_HEALTH_TOPIC, BUS_SERVICE, currentHealth, decodeJson, parseServiceHealthTopic, ServiceHealth } from '@ioc/core/contracts';

export interface ServiceHealthView {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
  /** Each service's health as the bus last told it, a stale one down; the gateway down while the bus is unreachable. */
  services(): Record<string, Health>;
}

/**
 * The health every service publishes, retained, on `ioc/v1/services/{name}/health` (service `dashboard-health`).
 * An empty retained message forgets a service; an invalid one shows it down with the reason.
 */
export function createServiceHealthView(deps: { mqttConnect: MqttConnect; clock: Clock; logger: Logger }): ServiceHealthView {
  const { clock, logger } = deps;
  const received = new Map<string, { health: ServiceHealth; at: number }>();
  let client: MqttClient | undefined;

  function onMessage(topic: string, payload: Buffer): void {
    const name = parseServiceHealthTopic(topic);
    if (!name) return;
    if (payload.length === 0) {
      received.delete(name);
      return;
    }
    const at = clock.now();
    const decoded = decodeJson(ServiceHealth, payload.toString('utf8'));
    if (!decoded.ok) logger.warn({ topic, reason: decoded.reason }, 'service health refused');
    received.set(name, { health: decoded.ok ? decoded.value : { status: 'down', ts: at, reason: `invalid health: ${decoded.reason}` }, at });
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },

    async start() {
      const connection = await deps.mqttConnect('dashboard-health');
      connection.on('message', onMessage);
      connection.on('error', (error) => logger.warn({ err: error }, 'MQTT error (service health)'));
      // The broker sends every retained health again on the resubscription that follows a reconnect: what it no
      // longer holds (services gone while the gateway restarted) is forgotten.
      connection.on('connect', () => received.clear());
      client = connection;
      await connection.subscribeAsync(ALL_SERVICES_HEALTH_TOPIC, { qos: 0 });
    },

    async stop() {
      await client?.endAsync();
      client = undefined;
    },

    services() {
      const now = clock.now();
      const services: Record<string, Health> = {};
      for (const [name, { health, at }] of received) services[name] = currentHealth(health, at, now);
      if (!client?.connected) services[BUS_SERVICE] = { status: 'down', reason: 'the dashboard has no connection to the bus' };
      return services;
    },
  };
}
