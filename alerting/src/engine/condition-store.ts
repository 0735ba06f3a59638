import type { Queryable } from '@ioc/core';
import type { NewAlert } from '../lifecycle.ts';

/**
 * The engine's conditions that hold now (alert_conditions, migration 012): `pending` while a rule's forS runs,
 * `firing` once its alert is open. Written in the same transaction as the alert they open or resolve, so a restart
 * finds exactly the conditions that held: nothing fires twice, nothing pending is forgotten.
 */
export interface Condition {
  fingerprint: string;
  ruleId: string;
  status: 'pending' | 'firing';
  since: number;
  /** The alert it opens (pending) or opened (firing), and the rule's own memory (an area rule's devices). */
  detail: { alert: NewAlert; values?: Record<string, number> };
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function saveCondition(db: Queryable, condition: Condition, now: number): Promise<void> {
  await db.query(
    `INSERT INTO alert_conditions (fingerprint, rule_id, status, since, detail, updated_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
     ON CONFLICT (fingerprint) DO UPDATE SET rule_id = excluded.rule_id, status = excluded.status, since = excluded.since,
       detail = excluded.detail, updated_at = excluded.updated_at`,
    [condition.fingerprint, condition.ruleId, condition.status, iso(condition.since), JSON.stringify(condition.detail), iso(now)],
  );
}

export async function deleteCondition(db: Queryable, fingerprint: string): Promise<void> {
  await db.query('DELETE FROM alert_conditions WHERE fingerprint = $1', [fingerprint]);
}

export async function loadConditions(db: Queryable): Promise<Condition[]> {
  const { rows } = await db.query<{ fingerprint: string; rule_id: string; status: Condition['status']; since: Date; detail: Condition['detail'] }>(
    'SELECT fingerprint, rule_id, status, since, detail FROM alert_conditions',
  );
  return rows.map((r) => ({ fingerprint: r.fingerprint, ruleId: r.rule_id, status: r.status, since: r.since.getTime(), detail: r.detail }));
}
