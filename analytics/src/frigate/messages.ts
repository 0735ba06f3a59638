/**
 * Frigate NVR's MQTT messages (docs.frigate.video/integrations/mqtt), turned into IOC device events. Pure functions:
 * each returns what to publish, or the reason the message cannot be used.
 */
import { isEpochMs } from '@ioc/core';

export type FrigatePhase = 'new' | 'update' | 'end';

export interface FrigateDetection {
  type: 'frigate.detection';
  phase: FrigatePhase;
  id: string;
  label: string;
  subLabel: string | null;
  score: number;
  zones: string[];
  ts: number;
  endTs: number | null;
}

export interface FrigateReview {
  type: 'frigate.review';
  phase: FrigatePhase;
  id: string;
  severity: string;
  objects: string[];
  zones: string[];
  ts: number;
  endTs: number | null;
}

export type Parsed<T> = { ok: true; camera: string; event: T } | { ok: false; reason: string } | { ok: true; camera: string; event: null };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
/** Frigate's epoch seconds as epoch ms; null when absent or beyond what a Date holds. */
const seconds = (value: unknown): number | null => {
  const ms = typeof value === 'number' ? Math.round(value * 1000) : NaN;
  return isEpochMs(ms) ? ms : null;
};

function envelope(payload: string): { ok: true; phase: FrigatePhase; after: Record<string, unknown> } | { ok: false; reason: string } {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (error) {
    return { ok: false, reason: `malformed JSON: ${(error as Error).message}` };
  }
  const message = record(body);
  const phase = message?.type;
  const after = record(message?.after);
  if (phase !== 'new' && phase !== 'update' && phase !== 'end') return { ok: false, reason: 'Frigate message without type new|update|end' };
  if (!after || typeof after.id !== 'string' || typeof after.camera !== 'string') return { ok: false, reason: 'Frigate message without after.id and after.camera' };
  return { ok: true, phase, after };
}

/** frigate/events: a tracked object; false positives are skipped (event null). */
export function parseFrigateEvent(payload: string): Parsed<FrigateDetection> {
  const parsed = envelope(payload);
  if (!parsed.ok) return parsed;
  const { phase, after } = parsed;
  const camera = after.camera as string;
  if (after.false_positive === true) return { ok: true, camera, event: null };
  const ts = seconds(after.start_time);
  if (typeof after.label !== 'string' || ts === null) return { ok: false, reason: 'Frigate event without label and start_time' };
  const subLabel = Array.isArray(after.sub_label) ? after.sub_label[0] : after.sub_label;
  return {
    ok: true,
    camera,
    event: {
      type: 'frigate.detection',
      phase,
      id: after.id as string,
      label: after.label,
      subLabel: typeof subLabel === 'string' ? subLabel : null,
      score: typeof after.top_score === 'number' ? after.top_score : typeof after.score === 'number' ? after.score : 0,
      zones: strings(after.current_zones),
      ts,
      endTs: seconds(after.end_time),
    },
  };
}

/** frigate/reviews: a review item (an `alert` or a `detection`) grouping tracked objects. */
export function parseFrigateReview(payload: string): Parsed<FrigateReview> {
  const parsed = envelope(payload);
  if (!parsed.ok) return parsed;
  const { phase, after } = parsed;
  const ts = seconds(after.start_time);
  if (typeof after.severity !== 'string' || ts === null) return { ok: false, reason: 'Frigate review without severity and start_time' };
  const data = record(after.data) ?? {};
  return {
    ok: true,
    camera: after.camera as string,
    event: {
      type: 'frigate.review',
      phase,
      id: after.id as string,
      severity: after.severity,
      objects: strings(data.objects),
      zones: strings(data.zones),
      ts,
      endTs: seconds(after.end_time),
    },
  };
}

/** frigate/<camera>/status[/<role>]: "online" / "offline" (or another state word) of a camera's stream. */
export function parseFrigateStatus(topic: string, payload: string, prefix: string): { camera: string; role: string | null; online: boolean } | undefined {
  const parts = topic.split('/');
  if (parts[0] !== prefix || parts[2] !== 'status' || parts.length < 3 || parts.length > 4 || !parts[1]) return undefined;
  return { camera: parts[1], role: parts[3] ?? null, online: payload.trim().toLowerCase() === 'online' };
}
