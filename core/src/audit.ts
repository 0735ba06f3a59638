import type { Queryable } from './db/types.ts';

/**
 * Security-relevant events. Actions in use: `mqtt.connect`, `mqtt.disconnect`, `mqtt.auth_failure`, `mqtt.client_id_refused`,
 * `mqtt.login_blocked`, `mqtt.kicked`, `user.login`, `user.login_failure`, `user.login_blocked`, `device.create`,
 * `device.update`, `device.rotate`, `device.revoke`, `device.command` (a command sent), `account.create`,
 * `account.rotate`, `account.enable`, `account.disable`, `alert_rule.create`, `alert_rule.update`, `alert_rule.delete`,
 * `alert.fire`, `alert.acknowledge`, `alert.resolve`, `alert.assign`, `alert.comment` (alerting/src/lifecycle.ts).
 */
export interface AuditEvent {
  id: number;
  ts: number;
  /** Who acted: `device:<id>`, `service:<name>`, `user:<username>`, `int:<name>`, `cli`, or the username tried. */
  actor: string;
  action: string;
  /** What it was done to (a device id, an account username), when not the actor itself. */
  target: string | null;
  remoteAddress: string | null;
  detail: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'target' | 'remoteAddress' | 'detail'> &
  Partial<Pick<AuditEvent, 'target' | 'remoteAddress' | 'detail'>>;

/** PostgreSQL text cannot hold NUL; usernames tried by strangers may contain anything. */
const text = (value: string | null | undefined) => (value == null ? null : value.replace(/\u0000/g, '\uFFFD').slice(0, 256));

/** Appends events in one statement. */
export async function recordAuditEvents(db: Queryable, events: readonly NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (ts, actor, action, target, remote_address, detail)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])`,
    [
      events.map((e) => new Date(e.ts).toISOString()),
      events.map((e) => text(e.actor)),
      events.map((e) => e.action),
      events.map((e) => text(e.target)),
      events.map((e) => text(e.remoteAddress)),
      events.map((e) => JSON.stringify(e.detail ?? {}).replace(/\\u0000/g, '\\ufffd')),
    ],
  );
}

export interface AuditFilter {
  action?: string;
  /** Events whose actor or target is this. */
  subject?: string;
  since?: number;
  until?: number;
  limit?: number;
}

/** Newest first. */
export async function listAuditEvents(db: Queryable, filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const { rows } = await db.query<{
    id: string | number;
    ts: Date;
    actor: string;
    action: string;
    target: string | null;
    remote_address: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT id, ts, actor, action, target, remote_address, detail FROM audit_log
      WHERE ($1::text IS NULL OR action = $1)
        AND ($2::text IS NULL OR actor = $2 OR target = $2)
        AND ($3::timestamptz IS NULL OR ts >= $3)
        AND ($4::timestamptz IS NULL OR ts < $4)
      ORDER BY ts DESC, id DESC LIMIT $5`,
    [
      filter.action ?? null,
      filter.subject ?? null,
      filter.since == null ? null : new Date(filter.since).toISOString(),
      filter.until == null ? null : new Date(filter.until).toISOString(),
      filter.limit ?? 100,
    ],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    ts: r.ts.getTime(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    remoteAddress: r.remote_address,
    detail: r.detail,
  }));
}

/** Deletes events older than `before` (epoch ms); returns how many. */
export async function pruneAuditEvents(db: Queryable, before: number): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(
    'WITH gone AS (DELETE FROM audit_log WHERE ts < $1 RETURNING 1) SELECT count(*) AS n FROM gone',
    [new Date(before).toISOString()],
  );
  return Number(rows[0]?.n ?? 0);
}
