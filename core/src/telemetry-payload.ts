import { metricSpec, type DeviceKind } from './catalogue.ts';
import type { TelemetryPoint } from './telemetry/types.ts';

/** How far a reading's timestamp may be from the receive time before it is refused. */
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PAST_MS = 7 * 24 * 3600_000;

export type DecodeResult = { ok: true; ts: number; points: TelemetryPoint[] } | { ok: false; reason: string };

function refuse(reason: string): DecodeResult {
  return { ok: false, reason };
}

/**
 * Decodes and validates a native telemetry payload `{"ts"?: epoch ms, "metrics": {name: number}}` against the
 * device kind's catalogue. Every problem is named in `reason`.
 */
export function decodeTelemetry(deviceId: string, kind: DeviceKind, payload: Buffer | string, receivedAt: number): DecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (error) {
    return refuse(`malformed JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse('payload must be a JSON object {"ts"?, "metrics": {…}}');
  }
  const { ts: rawTs, metrics, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return refuse(`unknown field "${extra[0]}"`);
  let ts = receivedAt;
  if (rawTs !== undefined) {
    if (typeof rawTs !== 'number' || !Number.isInteger(rawTs)) return refuse('"ts" must be an integer epoch in milliseconds');
    if (rawTs > receivedAt + MAX_FUTURE_MS) return refuse(`"ts" ${new Date(rawTs).toISOString()} is too far in the future`);
    if (rawTs < receivedAt - MAX_PAST_MS) return refuse(`"ts" ${new Date(rawTs).toISOString()} is too far in the past`);
    ts = rawTs;
  }
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    return refuse('"metrics" must be an object of metric name → number');
  }
  const points: TelemetryPoint[] = [];
  for (const [metric, value] of Object.entries(metrics)) {
    const spec = metricSpec(kind, metric);
    if (!spec) return refuse(`unknown metric "${metric}" for a ${kind} device`);
    if (typeof value !== 'number' || !Number.isFinite(value)) return refuse(`metric "${metric}" must be a finite number`);
    if (value < spec.min || value > spec.max) {
      return refuse(`metric "${metric}" = ${value} is outside ${spec.min}..${spec.max} ${spec.unit}`.trimEnd());
    }
    points.push({ deviceId, metric, ts, value });
  }
  if (points.length === 0) return refuse('"metrics" is empty');
  return { ok: true, ts, points };
}
