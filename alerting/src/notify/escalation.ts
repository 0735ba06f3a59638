import { randomUUID } from 'node:crypto';
import type { Db } from '@ioc/core';
import { getEscalationPolicy, nextEscalationStep, type EscalationLevel } from './escalation-policies.ts';
import { writeOutboxRows } from './outbox-rows.ts';
import { getSubscribers } from './subscribers.ts';
import { loadAlerts, loadSuppression, suppressionOf } from './suppression.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** A silenced or inhibited alert's escalation waits and looks again this much later. */
const SUPPRESSED_RECHECK_MS = 60_000;

interface EscalationRow {
  alert_id: string;
  policy_id: string;
  next_level: number;
  cycle: number;
}

/**
 * Runs the escalation steps that are due, one transaction each: while the alert is still firing (nobody has
 * acknowledged or resolved it; its state is read from the alerts table), the level's subscribers are told on all
 * their channels (quiet hours hold all but critical alerts) and the next step is set; the levels run again `repeat`
 * times. Returns how many outbox rows were written.
 */
export async function escalateDue(db: Db, now: number, limit = 100, onError: (error: Error) => void = () => {}): Promise<number> {
  let written = 0;
  for (let i = 0; i < limit; i++) {
    let alertId: string | undefined;
    const step = await db.transaction(async (tx) => {
      const row = (
        await tx.query<EscalationRow>(
          'SELECT alert_id, policy_id, next_level, cycle FROM alert_escalations WHERE done_at IS NULL AND next_at <= $1 ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED',
          [iso(now)],
        )
      ).rows[0];
      if (!row) return undefined;
      alertId = row.alert_id;
      const done = async (outcome: string) => {
        await tx.query('UPDATE alert_escalations SET done_at = $2, outcome = $3 WHERE alert_id = $1', [row.alert_id, iso(now), outcome]);
        return 0;
      };
      const alert = (await loadAlerts(tx, [row.alert_id])).get(row.alert_id);
      if (!alert) return done('the alert is gone');
      if (alert.state !== 'firing') return done(`stopped: ${alert.state}`);
      const policy = await getEscalationPolicy(tx, row.policy_id);
      const level = policy?.levels[row.next_level] as EscalationLevel | undefined;
      if (!policy || !level) return done(`no escalation policy "${row.policy_id}" or level ${row.next_level}`);
      if (suppressionOf(await loadSuppression(tx, now), alert)) {
        await tx.query('UPDATE alert_escalations SET next_at = $2 WHERE alert_id = $1', [row.alert_id, iso(now + SUPPRESSED_RECHECK_MS)]);
        return 0;
      }
      const notification = { id: randomUUID(), kind: 'escalation' as const };
      let rows = 0;
      for (const subscriber of await getSubscribers(tx, level.subscriberIds)) rows += await writeOutboxRows(tx, notification, [alert], subscriber, now);
      const next = nextEscalationStep(policy, row.next_level, row.cycle, now);
      if (next) await tx.query('UPDATE alert_escalations SET next_level = $2, cycle = $3, next_at = $4 WHERE alert_id = $1', [row.alert_id, next.level, next.cycle, iso(next.at)]);
      else await done(`every level told (${notification.id})`);
      return rows;
    }).catch(async (error: Error) => {
      if (alertId === undefined) throw error;
      // A step that fails waits a minute, so that it cannot hold up the escalations behind it.
      onError(new Error(`escalation of alert ${alertId}: ${error.message}`));
      await db.query('UPDATE alert_escalations SET next_at = $2 WHERE alert_id = $1', [alertId, iso(now + 60_000)]);
      return 0;
    });
    if (step === undefined) break;
    written += step;
  }
  return written;
}
