import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@ioc/core';
import { enqueueNotifications } from '../src/notify/outbox.ts';
import { createEscalationPolicy } from '../src/notify/escalation-policies.ts';
import { addRule, makeAlert, openNotifyDb, T0, transition } from './notify-fixtures.ts';

describe('enqueueNotifications: in the transition\'s transaction', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openNotifyDb();
  });
  afterAll(() => db.close());

  it('records the event with the transition, and nothing when the transition rolls back', async () => {
    await addRule(db, 'r-outbox');
    const alert = makeAlert({ ruleId: 'r-outbox' });
    await transition(db, alert, 'firing', T0);
    await db
      .transaction(async (tx) => {
        await enqueueNotifications(tx, makeAlert({ ruleId: 'r-outbox', id: 'al-rolled-back' }), 'firing', T0);
        throw new Error('the transition failed');
      })
      .catch(() => {});
    const { rows } = await db.query<{ alert_id: string; event: string }>('SELECT alert_id, event FROM notification_events ORDER BY id');
    expect(rows).toEqual([{ alert_id: alert.id, event: 'firing' }]);
  });

  it('starts the escalation of a rule with a policy, and stops it on acknowledgement', async () => {
    const policy = await createEscalationPolicy(db, { name: 'duty', levels: [{ afterMinutes: 10, subscriberIds: ['s-1'] }] }, T0);
    await addRule(db, 'r-esc', { notify: { escalationPolicyId: policy.id } });
    const alert = await transition(db, makeAlert({ ruleId: 'r-esc' }), 'firing', T0);
    const before = (await db.query<{ next_at: Date; done_at: Date | null }>('SELECT next_at, done_at FROM alert_escalations WHERE alert_id = $1', [alert.id])).rows[0];
    expect(before?.next_at.getTime()).toBe(T0 + 10 * 60_000);
    expect(before?.done_at).toBeNull();
    await transition(db, alert, 'acknowledged', T0 + 60_000);
    const after = (await db.query<{ done_at: Date; outcome: string }>('SELECT done_at, outcome FROM alert_escalations WHERE alert_id = $1', [alert.id])).rows[0];
    expect(after?.done_at.getTime()).toBe(T0 + 60_000);
    expect(after?.outcome).toBe('acknowledged by user:operator');
  });

  it('records a rule naming a policy that no longer exists, rather than skipping it silently', async () => {
    await addRule(db, 'r-gone', { notify: { escalationPolicyId: 'no-such-policy' } });
    const alert = await transition(db, makeAlert({ ruleId: 'r-gone' }), 'firing', T0);
    const row = (await db.query<{ outcome: string }>('SELECT outcome FROM alert_escalations WHERE alert_id = $1', [alert.id])).rows[0];
    expect(row?.outcome).toBe('no escalation policy "no-such-policy"');
  });
});
