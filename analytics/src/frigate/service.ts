import { createRegistryCache, systemClock, type Clock, type Db, type Health, type Logger, type MqttClient, type MqttConnect, type Service } from '@ioc/core';
import { createFrigateAdapter } from './adapter.ts';

export interface FrigateDeps {
  logger: Logger;
  /** Read only: the registry, for cameras the bus has not named yet. */
  db: Db;
  mqttConnect: MqttConnect;
  clock?: Clock;
  /** Topic root of the Frigate NVR publishing on this broker (default `frigate`). */
  prefix?: string;
}

export interface FrigateService extends Service {
  health(): Health;
}

/**
 * The Frigate bridge (`ioc start frigate`): hears a Frigate NVR on the IOC's broker (`frigate/#`) and republishes
 * what it says about the IOC's cameras as device events and anomalies (adapter.ts). It writes no store.
 */
export function createFrigateService(deps: FrigateDeps): FrigateService {
  const logger = deps.logger.child({ service: 'frigate' });
  // Cameras from the registry on the bus: a camera renamed or given a frigate_camera attribute is found at once.
  const registry = createRegistryCache({ db: deps.db, logger });
  const adapter = createFrigateAdapter({ registry, logger, clock: deps.clock ?? systemClock, prefix: deps.prefix });
  let client: MqttClient | undefined;
  const handling = new Set<Promise<void>>();
  let lastError: string | null = null;

  return {
    name: 'frigate',
    async start() {
      if (client) return;
      const connection = await deps.mqttConnect('frigate');
      // Async handling: whatever a payload makes it throw arrives here as a rejection, never out of mqtt.js' event.
      connection.on('message', (topic, payload) => {
        if (!adapter.owns(topic)) return; // the registry cache has its own listener
        const handled: Promise<void> = adapter
          .handle(connection, topic, payload)
          .catch((error: Error) => {
            lastError = error.message;
            logger.warn({ err: error, topic }, 'Frigate message not handled');
          })
          .finally(() => handling.delete(handled));
        handling.add(handled);
      });
      connection.on('error', (error) => logger.warn({ err: error }, 'MQTT connection error'));
      client = connection;
      await registry.attach(connection);
      await connection.subscribeAsync(adapter.filter, { qos: 1 });
      logger.info({ filter: adapter.filter }, 'Frigate bridge subscribed');
    },
    async stop() {
      if (!client) return;
      const connection = client;
      client = undefined;
      await Promise.all(handling);
      registry.detach();
      await connection.endAsync();
    },
    health() {
      return { status: !client ? 'down' : !client.connected ? 'degraded' : 'ok', ...adapter.counts, lastError };
    },
  };
}
