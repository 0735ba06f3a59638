import { isEpochMs, MAX_DATE_MS } from '@ioc/core';
import { badRequest } from '../errors.ts';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An instant given as epoch milliseconds or ISO 8601 text, within what a Date holds (core's isEpochMs). */
export function parseInstant(name: string, raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) : ISO_8601.test(raw) ? Date.parse(raw) : NaN;
  if (!isEpochMs(ms)) throw badRequest(`querystring/${name} must be epoch milliseconds (at most ${MAX_DATE_MS}) or ISO 8601, got "${raw.slice(0, 100)}"`);
  return ms;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 } as const;

/** A duration like `60s`, `5m`, `1h`, `1d`, `500ms` or plain milliseconds, no longer than a Date's range. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw);
  const ms = match ? Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS] : 0;
  if (!(ms > 0 && isEpochMs(ms))) throw badRequest(`querystring/${name} must be a positive duration like 60s, 5m, 1h or milliseconds, got "${raw.slice(0, 100)}"`);
  return ms;
}
