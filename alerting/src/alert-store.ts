import type { Queryable } from '@ioc/core';
import { ALERT_COLUMNS, alertFromRow, type AlertDbRow, type AlertRow } from './alert-row.ts';

/** The SQL of `alerts`, `alert_transitions` and `alert_comments` (migration 012); the lifecycle is the only writer. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface AlertTransition {
  from: AlertRow['state'] | null;
  to: AlertRow['state'];
  by: string;
  at: number;
  note: string | null;
}

export interface AlertComment {
  id: number;
  author: string;
  text: string;
  at: number;
}

export interface AlertFilter {
  state?: AlertRow['state'];
  severity?: AlertRow['severity'];
  areaId?: string;
  deviceId?: string;
  ruleId?: string;
  limit?: number;
}

/** Inserts an open alert unless its fingerprint already has one; the row inserted, or undefined. */
export async function insertOpenAlert(db: Queryable, alert: AlertRow): Promise<AlertRow | undefined> {
  const { rows } = await db.query<AlertDbRow>(
    `INSERT INTO alerts (${ALERT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
     ON CONFLICT (fingerprint) WHERE state <> 'resolved' DO NOTHING RETURNING ${ALERT_COLUMNS}`,
    [
      alert.id, alert.ruleId, alert.fingerprint, alert.deviceId, alert.areaId, alert.kind, alert.metric, alert.value, alert.unit,
      alert.severity, alert.state, alert.titleVi, alert.titleEn, alert.textVi, alert.textEn, iso(alert.startsAt),
      iso(alert.acknowledgedAt), alert.acknowledgedBy, iso(alert.resolvedAt), alert.resolvedBy, alert.assignee, iso(alert.updatedAt),
    ],
  );
  return rows[0] && alertFromRow(rows[0]);
}

/** The alert, locked for the rest of the transaction (FOR UPDATE), or undefined. */
export async function lockAlert(db: Queryable, id: string): Promise<AlertRow | undefined> {
  const { rows } = await db.query<AlertDbRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] && alertFromRow(rows[0]);
}

/** The open alert of a fingerprint, locked, or undefined. */
export async function lockOpenAlert(db: Queryable, fingerprint: string): Promise<AlertRow | undefined> {
  const { rows } = await db.query<AlertDbRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE fingerprint = $1 AND state <> 'resolved' FOR UPDATE`, [fingerprint]);
  return rows[0] && alertFromRow(rows[0]);
}

/** Writes the changeable fields of an alert (state, acknowledgement, resolution, assignee, updatedAt). */
export async function updateAlert(db: Queryable, alert: AlertRow): Promise<void> {
  await db.query(
    `UPDATE alerts SET state = $2, acknowledged_at = $3, acknowledged_by = $4, resolved_at = $5, resolved_by = $6, assignee = $7, updated_at = $8
      WHERE id = $1`,
    [alert.id, alert.state, iso(alert.acknowledgedAt), alert.acknowledgedBy, iso(alert.resolvedAt), alert.resolvedBy, alert.assignee, iso(alert.updatedAt)],
  );
}

export async function insertTransition(db: Queryable, alertId: string, transition: AlertTransition): Promise<void> {
  await db.query('INSERT INTO alert_transitions (alert_id, from_state, to_state, by, at, note) VALUES ($1, $2, $3, $4, $5, $6)', [
    alertId, transition.from, transition.to, transition.by, iso(transition.at), transition.note,
  ]);
}

export async function insertComment(db: Queryable, alertId: string, comment: Omit<AlertComment, 'id'>): Promise<AlertComment> {
  const { rows } = await db.query<{ id: string | number }>('INSERT INTO alert_comments (alert_id, author, text, at) VALUES ($1, $2, $3, $4) RETURNING id', [
    alertId, comment.author, comment.text, iso(comment.at),
  ]);
  return { id: Number(rows[0]?.id), ...comment };
}

export async function getAlert(db: Queryable, id: string): Promise<AlertRow | undefined> {
  const { rows } = await db.query<AlertDbRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
  return rows[0] && alertFromRow(rows[0]);
}

/** Newest first. */
export async function listAlerts(db: Queryable, filter: AlertFilter = {}): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertDbRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts
      WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR severity = $2) AND ($3::text IS NULL OR area_id = $3)
        AND ($4::text IS NULL OR device_id = $4) AND ($5::text IS NULL OR rule_id = $5)
      ORDER BY starts_at DESC, id DESC LIMIT $6`,
    [filter.state ?? null, filter.severity ?? null, filter.areaId ?? null, filter.deviceId ?? null, filter.ruleId ?? null, filter.limit ?? 500],
  );
  return rows.map(alertFromRow);
}

/** Every alert not resolved (the service republishes them at start: an in-memory broker forgets retained messages). */
export async function listOpenAlerts(db: Queryable): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertDbRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE state <> 'resolved' ORDER BY starts_at, id`);
  return rows.map(alertFromRow);
}

export async function listTransitions(db: Queryable, alertId: string): Promise<AlertTransition[]> {
  const { rows } = await db.query<{ from_state: AlertRow['state'] | null; to_state: AlertRow['state']; by: string; at: Date; note: string | null }>(
    'SELECT from_state, to_state, by, at, note FROM alert_transitions WHERE alert_id = $1 ORDER BY id',
    [alertId],
  );
  return rows.map((r) => ({ from: r.from_state, to: r.to_state, by: r.by, at: r.at.getTime(), note: r.note }));
}

export async function listComments(db: Queryable, alertId: string): Promise<AlertComment[]> {
  const { rows } = await db.query<{ id: string | number; author: string; text: string; at: Date }>(
    'SELECT id, author, text, at FROM alert_comments WHERE alert_id = $1 ORDER BY id',
    [alertId],
  );
  return rows.map((r) => ({ id: Number(r.id), author: r.author, text: r.text, at: r.at.getTime() }));
}
