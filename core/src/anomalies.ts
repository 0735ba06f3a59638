import type { AnomalyEvent, AnomalyLabel, AnomalyState } from './contracts/anomaly.ts';
import type { Queryable } from './db/types.ts';

/** An anomaly event as stored (migration 004). */
export interface StoredAnomalyEvent extends AnomalyEvent {
  id: number;
  /** Epoch ms when this IOC stored it. */
  receivedAt: number;
}

/**
 * Stores an event once: the same device, metric, label, state and time again (a QoS 1 redelivery) is not stored.
 * Returns the stored event, or undefined when it was already there.
 */
export async function recordAnomalyEvent(db: Queryable, event: AnomalyEvent): Promise<StoredAnomalyEvent | undefined> {
  const { rows } = await db.query<{ id: string | number; received_at: Date }>(
    `INSERT INTO anomaly_events (device_id, kind, metric, model, score, threshold, label, state, ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id, received_at`,
    [event.deviceId, event.kind, event.metric, event.model, event.score, event.threshold, event.label, event.state, new Date(event.ts).toISOString()],
  );
  const row = rows[0];
  return row ? { ...event, id: Number(row.id), receivedAt: row.received_at.getTime() } : undefined;
}

export interface AnomalyFilter {
  deviceId?: string;
  label?: AnomalyLabel;
  state?: AnomalyState;
  /** Events at or after, epoch ms. */
  since?: number;
  /** Events before, epoch ms. */
  until?: number;
  /** Only alarms still on: the latest event of their device, metric and label is a raise. */
  active?: boolean;
  limit?: number;
}

/** The latest event of each device, metric and label. */
const LATEST_PER_ALARM = `(SELECT DISTINCT ON (device_id, coalesce(metric, ''), label) * FROM anomaly_events
  ORDER BY device_id, coalesce(metric, ''), label, ts DESC, id DESC) AS latest`;

/** Newest first. */
export async function listAnomalyEvents(db: Queryable, filter: AnomalyFilter = {}): Promise<StoredAnomalyEvent[]> {
  const { rows } = await db.query<{
    id: string | number;
    device_id: string;
    kind: AnomalyEvent['kind'];
    metric: string | null;
    model: string;
    score: number;
    threshold: number;
    label: AnomalyLabel;
    state: AnomalyState;
    ts: Date;
    received_at: Date;
  }>(
    `SELECT id, device_id, kind, metric, model, score, threshold, label, state, ts, received_at
       FROM ${filter.active ? LATEST_PER_ALARM : 'anomaly_events'}
      WHERE ($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR label = $2) AND ($3::text IS NULL OR state = $3)
        AND ($4::timestamptz IS NULL OR ts >= $4) AND ($5::timestamptz IS NULL OR ts < $5)
        AND ($6::boolean IS NOT TRUE OR state = 'raised')
      ORDER BY ts DESC, id DESC LIMIT $7`,
    [
      filter.deviceId ?? null,
      filter.label ?? null,
      filter.state ?? null,
      filter.since === undefined ? null : new Date(filter.since).toISOString(),
      filter.until === undefined ? null : new Date(filter.until).toISOString(),
      filter.active ?? false,
      filter.limit ?? 100,
    ],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    deviceId: r.device_id,
    kind: r.kind,
    metric: r.metric,
    model: r.model,
    score: Number(r.score),
    threshold: Number(r.threshold),
    label: r.label,
    state: r.state,
    ts: r.ts.getTime(),
    receivedAt: r.received_at.getTime(),
  }));
}
