/**
 * What the IOC's own services derive and hand to the history sink (ingest) instead of writing the stores themselves
 * (browser-safe: no Node imports):
 * - `ioc/v1/derived/{deviceId}/telemetry`: series computed about a device, e.g. analytics' likelihoods `pm25_anomaly`
 *   or `camera_health_anomaly` (0…1). Not the device's own telemetry topic: that one is the device's, and ingest checks
 *   it against the kind's catalogue, which has no derived series;
 * - `ioc/v1/dead-letters`: a message a service refused (e.g. a Frigate message naming no IOC camera), with its reason.
 * Only services may publish under `ioc/` (the gateway's ACL); each is published at QoS 1 and stored once by ingest.
 */
import { Type, type Static } from 'typebox';
import { DEVICE_ID_PATTERN, TOPIC_ROOT } from '../topics.ts';
import { DeviceId, EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

/** A derived series' name: a likelihood of something unusual about the device, 0…1 (`pm25_anomaly`). */
export const DERIVED_METRIC_PATTERN = /^[a-z][a-z0-9_]{0,54}_anomaly$/;

/** One time of a device's derived series: `{"ts": 1767225600000, "metrics": {"pm25_anomaly": 0.12}}`. */
export const DerivedTelemetry = Type.Object(
  {
    ts: EpochMs,
    metrics: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }), { minProperties: 1 }),
  },
  { additionalProperties: false },
);
export type DerivedTelemetry = Static<typeof DerivedTelemetry>;

/** A refused message as a service reports it; ingest stores it in `dead_letters` (`GET /api/dead-letters`). */
export const BusDeadLetter = Type.Object(
  {
    deviceId: Type.Union([DeviceId, Type.Null()]),
    topic: Type.String({ minLength: 1, maxLength: 65535 }),
    payload: Type.String(),
    reason: Type.String({ minLength: 1 }),
    ts: EpochMs,
  },
  { additionalProperties: false },
);
export type BusDeadLetter = Static<typeof BusDeadLetter>;

const DERIVED_PREFIX = `${TOPIC_ROOT}/derived/`;
const DERIVED_SUFFIX = '/telemetry';

export function derivedTelemetryTopic(deviceId: string): string {
  return `${DERIVED_PREFIX}${deviceId}${DERIVED_SUFFIX}`;
}

/** Subscription filter for every device's derived series. */
export const ALL_DERIVED_TELEMETRY_TOPIC = derivedTelemetryTopic('+');

export const DEAD_LETTERS_TOPIC = `${TOPIC_ROOT}/dead-letters`;

/** The device id of `ioc/v1/derived/{id}/telemetry`; undefined for any other topic. */
export function parseDerivedTelemetryTopic(topic: string): string | undefined {
  if (!topic.startsWith(DERIVED_PREFIX) || !topic.endsWith(DERIVED_SUFFIX)) return undefined;
  const id = topic.slice(DERIVED_PREFIX.length, -DERIVED_SUFFIX.length);
  return DEVICE_ID_PATTERN.test(id) ? id : undefined;
}

/** A message of `ioc/v1/derived/{id}/telemetry`, or the reason it is refused (a series not named `<name>_anomaly`, a value outside 0…1). */
export function decodeDerivedTelemetry(payload: string): Decoded<DerivedTelemetry> {
  const decoded = decodeJson(DerivedTelemetry, payload);
  if (!decoded.ok) return decoded;
  const unnamed = Object.keys(decoded.value.metrics).find((metric) => !DERIVED_METRIC_PATTERN.test(metric));
  return unnamed === undefined ? decoded : { ok: false, reason: `"metrics.${unnamed}" is not a derived series (<name>_anomaly)` };
}

/** A message of `ioc/v1/dead-letters`, or the reason it is refused. */
export function decodeBusDeadLetter(payload: string): Decoded<BusDeadLetter> {
  return decodeJson(BusDeadLetter, payload);
}

/** Anything that publishes at QoS 1 (an mqtt.js client). */
interface Publisher {
  publishAsync(topic: string, message: string, options: { qos: 1 }): Promise<unknown>;
}

export async function publishDerivedTelemetry(client: Publisher, deviceId: string, message: DerivedTelemetry): Promise<void> {
  await client.publishAsync(derivedTelemetryTopic(deviceId), JSON.stringify(message), { qos: 1 });
}

export async function publishDeadLetter(client: Publisher, letter: BusDeadLetter): Promise<void> {
  await client.publishAsync(DEAD_LETTERS_TOPIC, JSON.stringify(letter), { qos: 1 });
}
