// Rules and alerts for the notification tests, written as the lifecycle writes them (migration 012's columns), so
// these tests do not depend on the rule engine.
import { createPgliteDb, migrate, type Db, type Queryable } from '@ioc/core';
import type { AlertRow } from '../src/alert-row.ts';
import { enqueueNotifications, type AlertEvent } from '../src/notify/outbox.ts';
import type { RuleNotify } from '../src/notify/rule-notify.ts';

export const T0 = Date.UTC(2026, 0, 15, 3, 0, 0); // 10:00 in Huế

export async function openNotifyDb(): Promise<Db> {
  const db = await createPgliteDb();
  await migrate(db);
  return db;
}

/** A manual clock. */
export function testClock(start = T0) {
  let now = start;
  return { now: () => now, set: (ms: number) => void (now = ms), advance: (ms: number) => void (now += ms) };
}

export async function addRule(db: Queryable, id: string, options: { type?: string; notify?: RuleNotify; severity?: AlertRow['severity'] } = {}): Promise<void> {
  await db.query(
    `INSERT INTO alert_rules (id, name, type, definition, severity, notify, created_at, created_by, updated_at, updated_by)
     VALUES ($1, $1, $2, '{}', $3, $4, now(), 'test', now(), 'test')`,
    [id, options.type ?? 'threshold', options.severity ?? 'major', JSON.stringify(options.notify ?? {})],
  );
}

let sequence = 0;

export function makeAlert(fields: Partial<AlertRow> & Pick<AlertRow, 'ruleId'>, at = T0): AlertRow {
  const id = fields.id ?? `al-${++sequence}`;
  return {
    id,
    fingerprint: `${fields.ruleId}/${fields.deviceId ?? fields.areaId ?? id}`,
    deviceId: 'air-1',
    areaId: 'phu-hoi',
    kind: 'air',
    metric: 'pm25',
    value: 80,
    unit: 'µg/m³',
    severity: 'major',
    state: 'firing',
    titleVi: `Bụi mịn PM2.5 cao tại ${fields.deviceId ?? 'air-1'}`,
    titleEn: `High PM2.5 at ${fields.deviceId ?? 'air-1'}`,
    textVi: 'PM2.5 80 µg/m³',
    textEn: 'PM2.5 80 µg/m³',
    startsAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    assignee: null,
    updatedAt: at,
    ...fields,
  };
}

/** Opens, acknowledges or resolves an alert as the lifecycle does: the row and its notification in one transaction. */
export async function transition(db: Db, alert: AlertRow, event: AlertEvent, at: number): Promise<AlertRow> {
  const next: AlertRow =
    event === 'firing'
      ? alert
      : event === 'acknowledged'
        ? { ...alert, state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: 'user:operator', updatedAt: at }
        : { ...alert, state: 'resolved', resolvedAt: at, resolvedBy: 'rule', updatedAt: at };
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO alerts (id, rule_id, fingerprint, device_id, area_id, kind, metric, value, unit, severity, state, title_vi, title_en, text_vi, text_en, starts_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
         resolved_at = excluded.resolved_at, resolved_by = excluded.resolved_by, updated_at = excluded.updated_at`,
      [
        next.id, next.ruleId, next.fingerprint, next.deviceId, next.areaId, next.kind, next.metric, next.value, next.unit, next.severity, next.state,
        next.titleVi, next.titleEn, next.textVi, next.textEn, new Date(next.startsAt).toISOString(),
        next.acknowledgedAt === null ? null : new Date(next.acknowledgedAt).toISOString(), next.acknowledgedBy,
        next.resolvedAt === null ? null : new Date(next.resolvedAt).toISOString(), next.resolvedBy, new Date(next.updatedAt).toISOString(),
      ],
    );
    await enqueueNotifications(tx, next, event, at);
  });
  return next;
}
