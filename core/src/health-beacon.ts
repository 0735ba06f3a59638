import type { Clock } from './clock.ts';
import { HEALTH_INTERVAL_MS, SERVICE_NAME_PATTERN, serviceHealthTopic, type ServiceHealth } from './contracts/health.ts';
import type { Logger } from './logger.ts';
import type { MqttConnect } from './mqtt.ts';
import type { Health } from './service.ts';

export interface HealthBeacon {
  /** Publishes the current health now (also done every interval). */
  publishNow(): Promise<void>;
  stop(): void;
}

/**
 * Publishes `health()` with its time under `ioc/v1/services/{name}/health` now and every `intervalMs`, through
 * `publish` (retained). A health() that throws is published as down with its message.
 */
export function startHealthBeacon(deps: {
  name: string;
  health: () => Health | Promise<Health>;
  publish: (topic: string, payload: string) => Promise<void>;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}): HealthBeacon {
  const { name, clock, logger } = deps;
  if (!SERVICE_NAME_PATTERN.test(name)) throw new Error(`"${name}" cannot name a service on the bus (${SERVICE_NAME_PATTERN})`);
  const topic = serviceHealthTopic(name);

  async function current(): Promise<ServiceHealth> {
    try {
      return { ...(await deps.health()), ts: clock.now() };
    } catch (error) {
      return { status: 'down', ts: clock.now(), reason: (error as Error).message };
    }
  }

  function publishNow(): Promise<void> {
    return current()
      .then((health) => deps.publish(topic, JSON.stringify(health)))
      .catch((error: unknown) => logger.warn({ err: error, service: name }, 'could not publish service health'));
  }

  const timer = setInterval(() => void publishNow(), deps.intervalMs ?? HEALTH_INTERVAL_MS);
  timer.unref();
  return { publishNow, stop: () => clearInterval(timer) };
}

/**
 * A service's health on the bus over a connection of its own (`svc:<name>`), whose last will publishes it down
 * (retained) when the connection is lost: a killed process shows as down at once. Publishes on every (re)connect,
 * which replaces a will published meanwhile, and every interval; `stop` publishes down with the reason "stopped".
 */
export async function connectHealthBeacon(deps: {
  name: string;
  health: () => Health | Promise<Health>;
  mqttConnect: MqttConnect;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}): Promise<{ stop(): Promise<void> }> {
  const { name, clock } = deps;
  const topic = serviceHealthTopic(name);
  const down = (reason: string) => JSON.stringify({ status: 'down', ts: clock.now(), reason } satisfies ServiceHealth);
  const client = await deps.mqttConnect(name, { will: { topic, payload: Buffer.from(down('connection lost')), qos: 1, retain: true } });
  const beacon = startHealthBeacon({
    ...deps,
    // While disconnected nothing is queued: the next connect publishes a fresh one.
    publish: async (_topic, payload) => {
      if (client.connected) await client.publishAsync(topic, payload, { qos: 0, retain: true });
    },
  });
  client.on('connect', () => void beacon.publishNow());
  client.on('error', (error) => deps.logger.warn({ err: error, service: name }, 'MQTT error (service health)'));
  await beacon.publishNow();
  return {
    async stop() {
      beacon.stop();
      if (client.connected) await client.publishAsync(topic, down('stopped'), { qos: 1, retain: true });
      await client.endAsync();
    },
  };
}
