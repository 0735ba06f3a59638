import { isDeviceKind, type DeviceKind } from './catalogue.ts';
import type { MqttClient } from 'mqtt';
import { isEpochMs } from './epoch.ts';
import { ANOMALIES_TOPIC, isDeviceId } from './topics.ts';

/**
 * What an anomaly on `ioc/v1/anomalies` is about, grouped by what an operator does with it: `event` is something
 * happening in the city (a pollution episode, a flood, a Frigate alert), `sensor_fault` a station misreporting,
 * `camera_health` a camera that cannot be trusted to see.
 */
export const ANOMALY_LABELS = {
  episode: 'event',
  anomaly: 'event',
  frigate_alert: 'event',
  sensor_fault: 'sensor_fault',
  lost_signal: 'camera_health',
  covered_lens: 'camera_health',
  defocus: 'camera_health',
  frozen_image: 'camera_health',
  moved_camera: 'camera_health',
  overexposed: 'camera_health',
  underexposed: 'camera_health',
} as const;

export type AnomalyLabel = keyof typeof ANOMALY_LABELS;
export type AnomalyCategory = (typeof ANOMALY_LABELS)[AnomalyLabel];
export type AnomalyState = 'raised' | 'cleared';

export function isAnomalyLabel(label: string): label is AnomalyLabel {
  return Object.hasOwn(ANOMALY_LABELS, label);
}

/** One raise or clear published by the analytics service (one alarm per station or camera condition). */
export interface AnomalyEvent {
  deviceId: string;
  kind: DeviceKind;
  /** The metric blamed (`camera_health` for cameras, `telemetry` for a dropout); null for Frigate's events. */
  metric: string | null;
  model: string;
  score: number;
  threshold: number;
  label: AnomalyLabel;
  state: AnomalyState;
  /** Epoch ms. */
  ts: number;
}

/** Publishes one event on `ioc/v1/anomalies` at QoS 1, as `decodeAnomalyEvent` reads it. */
export async function publishAnomalyEvent(client: Pick<MqttClient, 'publishAsync'>, event: AnomalyEvent): Promise<void> {
  await client.publishAsync(ANOMALIES_TOPIC, JSON.stringify(event), { qos: 1 });
}

export type AnomalyDecodeResult = { ok: true; event: AnomalyEvent } | { ok: false; reason: string; deviceId: string | null };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Checks a message of `ioc/v1/anomalies`; a refusal names the first field at fault. */
export function decodeAnomalyEvent(payload: Buffer | string): AnomalyDecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}`, deviceId: null };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'not a JSON object', deviceId: null };
  const { deviceId, kind, metric, model, score, threshold, label, state, ts } = body as Record<string, unknown>;
  const knownId = typeof deviceId === 'string' && isDeviceId(deviceId) ? deviceId : null;
  const refuse = (reason: string): AnomalyDecodeResult => ({ ok: false, reason, deviceId: knownId });
  if (knownId === null) return refuse('"deviceId" must be a device id');
  if (typeof kind !== 'string' || !isDeviceKind(kind)) return refuse('"kind" must be a device kind');
  if (metric !== null && (typeof metric !== 'string' || !NAME.test(metric))) return refuse('"metric" must be a metric name or null');
  if (typeof model !== 'string' || !NAME.test(model)) return refuse('"model" must be a model name');
  if (typeof score !== 'number' || !Number.isFinite(score)) return refuse('"score" must be a number');
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) return refuse('"threshold" must be a number');
  if (typeof label !== 'string' || !isAnomalyLabel(label)) return refuse(`"label" must be one of ${Object.keys(ANOMALY_LABELS).join(', ')}`);
  if (state !== 'raised' && state !== 'cleared') return refuse('"state" must be "raised" or "cleared"');
  if (!isEpochMs(ts) || ts <= 0) return refuse('"ts" must be an integer epoch in milliseconds');
  return { ok: true, event: { deviceId: knownId, kind, metric, model, score, threshold, label, state, ts } };
}
