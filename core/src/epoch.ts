/**
 * Epoch-millisecond times that arrive from outside (payloads, query strings). A JavaScript Date holds
 * ±8.64e15 ms (ECMA-262 §21.4.1.1); `new Date(t).toISOString()` throws a RangeError past that, and for NaN or
 * Infinity, so an untrusted number must be checked here before it is formatted or stored.
 */
export const MAX_DATE_MS = 8.64e15;

/** Whether `ts` is an integer epoch in milliseconds that a Date can hold. */
export function isEpochMs(ts: unknown): ts is number {
  return typeof ts === 'number' && Number.isSafeInteger(ts) && Math.abs(ts) <= MAX_DATE_MS;
}

/** `ts` as ISO 8601 when a Date can hold it, else the number itself (for messages about bad input; never throws). */
export function describeEpochMs(ts: number): string {
  return Number.isFinite(ts) && Math.abs(ts) <= MAX_DATE_MS ? new Date(ts).toISOString() : String(ts);
}
