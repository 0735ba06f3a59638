/**
 * Metrics the IOC computes about a device and has already stored, announced on `ioc/v1/computed/{deviceId}/telemetry`
 * (browser-safe) for whoever reacts to them: ingest's VN_AQI job publishes each station's `vn_aqi_h` and `vn_aqi_d`
 * there after writing them, and the alerting service evaluates them like any reading. Nobody stores this topic: its
 * writer already has (docs/architecture.md, "History: one writer").
 */
import { Type, type Static } from 'typebox';
import { DEVICE_KINDS, type MetricSpec } from '../catalogue.ts';
import { DEVICE_ID_PATTERN, TOPIC_ROOT } from '../topics.ts';
import { EpochMs } from './common.ts';
import { decodeJson, type Decoded } from './decode.ts';

/** The catalogue's computed metrics (`derived: true`) and their ranges. */
const COMPUTED_METRICS: ReadonlyMap<string, MetricSpec> = new Map(
  Object.values(DEVICE_KINDS).flatMap((kind) => Object.entries(kind.metrics as Record<string, MetricSpec>).filter(([, spec]) => spec.derived)),
);

export const ComputedTelemetry = Type.Object(
  { ts: EpochMs, metrics: Type.Record(Type.String(), Type.Number(), { minProperties: 1 }) },
  { additionalProperties: false },
);
export type ComputedTelemetry = Static<typeof ComputedTelemetry>;

const PREFIX = `${TOPIC_ROOT}/computed/`;
const SUFFIX = '/telemetry';

export function computedTelemetryTopic(deviceId: string): string {
  return `${PREFIX}${deviceId}${SUFFIX}`;
}

/** Subscription filter for every device's computed metrics. */
export const ALL_COMPUTED_TELEMETRY_TOPIC = computedTelemetryTopic('+');

/** The device id of `ioc/v1/computed/{id}/telemetry`; undefined for any other topic. */
export function parseComputedTelemetryTopic(topic: string): string | undefined {
  if (!topic.startsWith(PREFIX) || !topic.endsWith(SUFFIX)) return undefined;
  const id = topic.slice(PREFIX.length, -SUFFIX.length);
  return DEVICE_ID_PATTERN.test(id) ? id : undefined;
}

/** A message of `ioc/v1/computed/{id}/telemetry`, or the reason it is refused: a metric the catalogue computes, within its range. */
export function decodeComputedTelemetry(payload: string): Decoded<ComputedTelemetry> {
  const decoded = decodeJson(ComputedTelemetry, payload);
  if (!decoded.ok) return decoded;
  for (const [metric, value] of Object.entries(decoded.value.metrics)) {
    const spec = COMPUTED_METRICS.get(metric);
    if (!spec) return { ok: false, reason: `"metrics.${metric}" is not a metric the IOC computes (${[...COMPUTED_METRICS.keys()].join(', ')})` };
    if (value < spec.min || value > spec.max) return { ok: false, reason: `"metrics.${metric}" must be within ${spec.min}…${spec.max}` };
  }
  return decoded;
}

type Publisher = { publishAsync(topic: string, message: string, options: { qos: 1 }): Promise<unknown> };

/** Announces computed points (QoS 1), one message per device and time. */
export async function publishComputedTelemetry(client: Publisher, points: readonly { deviceId: string; metric: string; ts: number; value: number }[]): Promise<void> {
  const messages = new Map<string, { deviceId: string; message: ComputedTelemetry }>();
  for (const { deviceId, metric, ts, value } of points) {
    const key = `${deviceId}\u0000${ts}`;
    const entry = messages.get(key) ?? { deviceId, message: { ts, metrics: {} } };
    entry.message.metrics[metric] = value;
    messages.set(key, entry);
  }
  await Promise.all([...messages.values()].map(({ deviceId, message }) => client.publishAsync(computedTelemetryTopic(deviceId), JSON.stringify(message), { qos: 1 })));
}
