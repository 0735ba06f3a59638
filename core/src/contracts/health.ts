/**
 * Service health on the bus (browser-safe: no Node imports). Every IOC service publishes its health, retained, on
 * `ioc/v1/services/{name}/health` when it starts and every HEALTH_INTERVAL_MS after, and sets an MQTT last will on
 * that connection saying it is down; a graceful stop publishes `down` with the reason "stopped". The gateway, being
 * the bus, publishes its own in-process. A health older than HEALTH_STALE_MS counts as down: its service is hung.
 */
import { Type, type Static } from 'typebox';
import { TOPIC_ROOT } from '../topics.ts';

export const HealthStatus = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]);
export type HealthStatus = Static<typeof HealthStatus>;

/** What a service publishes (check it with `decodeJson(ServiceHealth, text)`). Any details may be added to these fields. */
export const ServiceHealth = Type.Object(
  {
    status: HealthStatus,
    ts: Type.Integer({ minimum: 0, maximum: 8.64e15, description: 'epoch ms when published; in a last will, when the will was set' }),
    reason: Type.Optional(Type.String({ description: 'why it is not ok, e.g. "stopped", "connection lost"' })),
  },
  { additionalProperties: true },
);
export type ServiceHealth = Static<typeof ServiceHealth> & { [detail: string]: unknown };

/** How often a service republishes its health. */
export const HEALTH_INTERVAL_MS = 5000;
/** A health this old (three missed republishes) means its service is hung: it counts as down. */
export const HEALTH_STALE_MS = 3 * HEALTH_INTERVAL_MS;
/** The service that is the bus: it has no last will, and whoever loses the bus reports it down. */
export const BUS_SERVICE = 'gateway';

/** Service names: lower-case letters, digits and '-', starting with a letter (e.g. `ingest-p1of2`). */
export const SERVICE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

const PREFIX = `${TOPIC_ROOT}/services/`;
const SUFFIX = '/health';

export function serviceHealthTopic(name: string): string {
  return `${PREFIX}${name}${SUFFIX}`;
}

/** Subscription filter for the health of every service. */
export const ALL_SERVICES_HEALTH_TOPIC = serviceHealthTopic('+');

/** The service name of `ioc/v1/services/{name}/health`; undefined for any other topic. */
export function parseServiceHealthTopic(topic: string): string | undefined {
  if (!topic.startsWith(PREFIX) || !topic.endsWith(SUFFIX)) return undefined;
  const name = topic.slice(PREFIX.length, -SUFFIX.length);
  return SERVICE_NAME_PATTERN.test(name) ? name : undefined;
}

/**
 * A received health as it stands at `now`: down once stale. Its age is counted from the older of its own time and
 * when it arrived, so a publisher whose clock runs ahead cannot keep itself fresh.
 */
export function currentHealth(health: ServiceHealth, receivedAt: number, now: number): ServiceHealth {
  if (health.status === 'down') return health;
  const age = now - Math.min(health.ts, receivedAt);
  return age <= HEALTH_STALE_MS ? health : { ...health, status: 'down', reason: `no health for ${Math.round(age / 1000)} s` };
}
