/**
 * Anomaly events on `ioc/v1/anomalies` (browser-safe: no Node imports): one raise or clear published by analytics
 * per station or camera condition, stored once by ingest (the history sink) and shown on the wall.
 */
import { Type, type Static } from 'typebox';
import { DEVICE_KIND_NAMES } from '../catalogue.ts';
import { DEVICE_ID_PATTERN } from '../topics.ts';
import { DeviceId, EpochMs } from './common.ts';
import { decodeJson } from './decode.ts';

/**
 * What an anomaly is about, grouped by what an operator does with it: `event` is something happening in the city (a
 * pollution episode, a flood, a Frigate alert), `sensor_fault` a station misreporting, `camera_health` a camera that
 * cannot be trusted to see.
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

export function isAnomalyLabel(label: string): label is AnomalyLabel {
  return Object.hasOwn(ANOMALY_LABELS, label);
}

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });

/** One raise or clear. Fields other than these are ignored (a newer analytics may add some). */
export const AnomalyEvent = Type.Object({
  deviceId: DeviceId,
  kind: Type.Enum(DEVICE_KIND_NAMES),
  /** The metric blamed (`camera_health` for cameras, `telemetry` for a dropout); null for Frigate's events. */
  metric: Type.Union([Name, Type.Null()]),
  model: Name,
  score: Type.Number(),
  threshold: Type.Number(),
  label: Type.Enum(Object.keys(ANOMALY_LABELS) as AnomalyLabel[]),
  state: Type.Union([Type.Literal('raised'), Type.Literal('cleared')]),
  ts: EpochMs,
});
export type AnomalyEvent = Static<typeof AnomalyEvent>;
export type AnomalyState = AnomalyEvent['state'];

export type AnomalyDecodeResult = { ok: true; event: AnomalyEvent } | { ok: false; reason: string; deviceId: string | null };

/** Checks a message of `ioc/v1/anomalies`; a refusal names the field at fault and keeps the device id when it is one. */
export function decodeAnomalyEvent(payload: { toString(): string }): AnomalyDecodeResult {
  const text = payload.toString();
  const decoded = decodeJson(AnomalyEvent, text);
  if (decoded.ok) {
    const { deviceId, kind, metric, model, score, threshold, label, state, ts } = decoded.value;
    return { ok: true, event: { deviceId, kind, metric, model, score, threshold, label, state, ts } };
  }
  let deviceId: unknown;
  try {
    deviceId = (JSON.parse(text) as { deviceId?: unknown } | null)?.deviceId;
  } catch {
    deviceId = undefined;
  }
  return { ok: false, reason: decoded.reason, deviceId: typeof deviceId === 'string' && DEVICE_ID_PATTERN.test(deviceId) ? deviceId : null };
}
