import type { DeviceKind } from './catalogue.ts';
import { describeEpochMs, isEpochMs } from './epoch.ts';
import { resolveSenml } from './telemetry/senml.ts';
import { metricCheck } from './telemetry/validators.ts';
import type { TelemetryPoint } from './telemetry/types.ts';

/** How far a reading's timestamp may be from the receive time before it is refused. */
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PAST_MS = 7 * 24 * 3600_000;

/** `ts` is the newest timestamp of the points (a SenML pack may hold several). */
export type DecodeResult = { ok: true; ts: number; points: TelemetryPoint[] } | { ok: false; reason: string };

function refuse(reason: string): DecodeResult {
  return { ok: false, reason };
}

/**
 * Why a reading's timestamp is refused, or undefined when it is within the accepted window. Never throws, whatever
 * the number (1e300, Infinity, NaN from an attacker's SenML `bt`).
 */
function timestampProblem(ts: number, receivedAt: number, what: string): string | undefined {
  if (Number.isNaN(ts)) return `${what} is not a number`;
  if (ts > receivedAt + MAX_FUTURE_MS) return `${what} ${describeEpochMs(ts)} is too far in the future`;
  if (ts < receivedAt - MAX_PAST_MS) return `${what} ${describeEpochMs(ts)} is too far in the past`;
  return undefined;
}

/** The native payload `{"ts"?: epoch ms, "metrics": {name: number}}`, values in the catalogue's units. */
function decodeNative(deviceId: string, kind: DeviceKind, body: Record<string, unknown>, receivedAt: number): DecodeResult {
  for (const field in body) if (field !== 'ts' && field !== 'metrics') return refuse(`unknown field "${field}"`);
  const { ts: rawTs, metrics } = body;
  let ts = receivedAt;
  if (rawTs !== undefined) {
    if (!isEpochMs(rawTs)) return refuse('"ts" must be an integer epoch in milliseconds');
    const problem = timestampProblem(rawTs, receivedAt, '"ts"');
    if (problem) return refuse(problem);
    ts = rawTs;
  }
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    return refuse('"metrics" must be an object of metric name → number');
  }
  const check = metricCheck(kind);
  const points: TelemetryPoint[] = [];
  for (const metric in metrics) {
    const value = (metrics as Record<string, unknown>)[metric];
    const problem = check(metric, value);
    if (problem) return refuse(problem);
    points.push({ deviceId, metric, ts, value: value as number });
  }
  if (points.length === 0) return refuse('"metrics" is empty');
  return { ok: true, ts, points };
}

/** A SenML (RFC 8428) pack: resolved, converted to catalogue units, then checked like the native payload. */
function decodeSenml(deviceId: string, kind: DeviceKind, pack: unknown[], receivedAt: number): DecodeResult {
  const resolved = resolveSenml(pack, receivedAt);
  if (!resolved.ok) return resolved;
  const check = metricCheck(kind);
  const points: TelemetryPoint[] = [];
  let newest = -Infinity;
  for (const { metric, ts, value, name } of resolved.readings) {
    const problem = check(metric, value) ?? timestampProblem(ts, receivedAt, `time of "${name}"`);
    if (problem) return refuse(`SenML: ${problem}`);
    points.push({ deviceId, metric, ts, value });
    if (ts > newest) newest = ts;
  }
  return { ok: true, ts: newest, points };
}

/**
 * Decodes and validates a telemetry payload against the device kind's catalogue: the native JSON object, or a
 * SenML JSON array. Every problem is named in `reason`; nothing here throws.
 */
export function decodeTelemetry(deviceId: string, kind: DeviceKind, payload: Buffer | string, receivedAt: number): DecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (error) {
    return refuse(`malformed JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(body)) return decodeSenml(deviceId, kind, body, receivedAt);
  if (typeof body !== 'object' || body === null) {
    return refuse('payload must be a JSON object {"ts"?, "metrics": {…}} or a SenML array');
  }
  return decodeNative(deviceId, kind, body as Record<string, unknown>, receivedAt);
}
