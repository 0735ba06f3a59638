import type { Queryable } from '@ioc/core';
import type { AlertRow } from '../alert-row.ts';
import { firstEscalationAt } from './escalation-policies.ts';

export type AlertEvent = 'firing' | 'acknowledged' | 'resolved';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Records an alert's transition for notification, inside the transaction of the transition itself, so the two
 * commit or vanish together: a kill between them can neither lose a notification nor announce an alert that was
 * never stored. What is written is only the fact (`notification_events`) and, for a new alert whose rule names an
 * escalation policy, its first escalation step; grouping, silences and routing happen later in the dispatcher, and
 * the messages themselves in the outbox it fills.
 */
export async function enqueueNotifications(tx: Queryable, alert: AlertRow, event: AlertEvent, now: number): Promise<void> {
  await tx.query('INSERT INTO notification_events (alert_id, rule_id, event, at) VALUES ($1, $2, $3, $4)', [alert.id, alert.ruleId, event, iso(now)]);
  if (event === 'firing') {
    const { rows } = await tx.query<{ policy_id: string | null; levels: unknown }>(
      `SELECT r.notify->>'escalationPolicyId' AS policy_id, p.levels
         FROM alert_rules r LEFT JOIN escalation_policies p ON p.id = r.notify->>'escalationPolicyId'
        WHERE r.id = $1`,
      [alert.ruleId],
    );
    const policy = rows[0];
    if (policy?.policy_id) {
      const at = policy.levels === null ? null : firstEscalationAt(policy.levels, alert.startsAt);
      // A policy deleted since the rule named it is recorded as such, not skipped without a word.
      await tx.query(
        `INSERT INTO alert_escalations (alert_id, policy_id, next_level, next_at, done_at, outcome) VALUES ($1, $2, 0, $3, $4, $5)
         ON CONFLICT (alert_id) DO NOTHING`,
        [alert.id, policy.policy_id, iso(at ?? now), at === null ? iso(now) : null, at === null ? `no escalation policy "${policy.policy_id}"` : null],
      );
    }
  } else {
    await tx.query(`UPDATE alert_escalations SET done_at = $2, outcome = $3 WHERE alert_id = $1 AND done_at IS NULL`, [alert.id, iso(now), `${event} by ${alertActor(alert, event)}`]);
  }
}

function alertActor(alert: AlertRow, event: AlertEvent): string {
  return (event === 'acknowledged' ? alert.acknowledgedBy : alert.resolvedBy) ?? 'unknown';
}
