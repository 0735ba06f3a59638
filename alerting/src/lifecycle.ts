import { randomUUID } from 'node:crypto';
import { findUser, recordAuditEvents, type Clock, type Db, type Logger, type Queryable } from '@ioc/core';
import type { AlertRow } from './alert-row.ts';
import {
  getAlert,
  insertComment,
  insertOpenAlert,
  insertTransition,
  listComments,
  listTransitions,
  lockAlert,
  lockOpenAlert,
  updateAlert,
  type AlertComment,
  type AlertTransition,
} from './alert-store.ts';
import { enqueueNotifications } from './notify/outbox.ts';

/** Who acts: `user:<username>` from the API, `rule` for the engine (its condition fired or cleared). */
export interface Actor {
  actor: string;
  remoteAddress?: string;
}

export const RULE_ACTOR: Actor = { actor: 'rule' };

export class AlertError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict' | 'unknown_user',
    message: string,
  ) {
    super(message);
    this.name = 'AlertError';
  }
}

/** A new alert's content; the lifecycle gives it its id, state and times. */
export type NewAlert = Omit<AlertRow, 'id' | 'state' | 'startsAt' | 'acknowledgedAt' | 'acknowledgedBy' | 'resolvedAt' | 'resolvedBy' | 'assignee' | 'updatedAt'>;

/** More writes of the caller's in the same transaction (the engine's condition row). */
export type AlsoInTransaction = (tx: Queryable) => Promise<void>;

export interface AlertDetail extends AlertRow {
  history: AlertTransition[];
  comments: AlertComment[];
}

export interface AlertLifecycle {
  /** Opens an alert unless its fingerprint has one open; the new alert, or undefined. `also` runs in either case. */
  fire(alert: NewAlert, also?: AlsoInTransaction): Promise<AlertRow | undefined>;
  acknowledge(id: string, by: Actor): Promise<AlertRow>;
  resolve(id: string, by: Actor, note?: string): Promise<AlertRow>;
  /** Resolves the open alert of a fingerprint, if any (the engine, when the condition clears). */
  resolveFingerprint(fingerprint: string, by: Actor, note: string, also?: AlsoInTransaction): Promise<AlertRow | undefined>;
  assign(id: string, username: string, by: Actor): Promise<AlertRow>;
  comment(id: string, text: string, by: Actor): Promise<AlertComment>;
  detail(id: string): Promise<AlertDetail>;
}

/**
 * The alert lifecycle, firing → acknowledged → resolved: the one place that changes alerts, for the engine and the
 * API alike. Each transition is one database transaction that changes the alert, records the transition (who,
 * when), audits it and queues its notifications; once committed, the alert's new state is handed to `publish`
 * (retained on ioc/v1/alerts/{id}). A failed publish is logged: the database holds the truth and the alerting
 * service republishes every open alert when it starts.
 */
export function createAlertLifecycle(deps: { db: Db; clock: Clock; logger: Logger; publish: (alert: AlertRow) => Promise<void> }): AlertLifecycle {
  const { db, clock, logger } = deps;


  async function published(alert: AlertRow): Promise<AlertRow> {
    await deps.publish(alert).catch((error: unknown) => logger.warn({ err: error, alertId: alert.id }, 'alert state not published on the bus'));
    return alert;
  }

  async function audit(tx: Queryable, by: Actor, action: string, alert: AlertRow, now: number, detail: Record<string, unknown> = {}): Promise<void> {
    await recordAuditEvents(tx, [
      { ts: now, actor: by.actor === 'rule' ? 'service:alerting' : by.actor, action, target: alert.id, remoteAddress: by.remoteAddress ?? null, detail: { ruleId: alert.ruleId, fingerprint: alert.fingerprint, ...detail } },
    ]);
  }

  /** Locks the alert and checks it may make this change; throws AlertError. */
  async function locked(tx: Queryable, id: string, allowed: readonly AlertRow['state'][], doing: string): Promise<AlertRow> {
    const alert = await lockAlert(tx, id);
    if (!alert) throw new AlertError('not_found', `no alert "${id}"`);
    if (!allowed.includes(alert.state)) throw new AlertError('conflict', `alert "${id}" is ${alert.state}: it cannot be ${doing}`);
    return alert;
  }

  /** Moves a locked alert to `to`, recording, auditing and queueing notifications in `tx`. */
  async function transition(tx: Queryable, alert: AlertRow, to: AlertRow['state'], by: Actor, now: number, note: string | null): Promise<AlertRow> {
    const changed: AlertRow =
      to === 'acknowledged'
        ? { ...alert, state: to, acknowledgedAt: now, acknowledgedBy: by.actor, updatedAt: now }
        : { ...alert, state: to, resolvedAt: now, resolvedBy: by.actor, updatedAt: now };
    await updateAlert(tx, changed);
    await insertTransition(tx, alert.id, { from: alert.state, to, by: by.actor, at: now, note });
    await audit(tx, by, to === 'acknowledged' ? 'alert.acknowledge' : 'alert.resolve', changed, now, note ? { note } : {});
    await enqueueNotifications(tx, changed, to, now);
    return changed;
  }

  return {
    async fire(alert, also) {
      const now = clock.now();
      const row: AlertRow = {
        ...alert,
        id: randomUUID(),
        state: 'firing',
        startsAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        resolvedBy: null,
        assignee: null,
        updatedAt: now,
      };
      const fired = await db.transaction(async (tx) => {
        const inserted = await insertOpenAlert(tx, row);
        if (!inserted) {
          await also?.(tx);
          return undefined;
        }
        await insertTransition(tx, row.id, { from: null, to: 'firing', by: RULE_ACTOR.actor, at: now, note: null });
        await audit(tx, RULE_ACTOR, 'alert.fire', inserted, now, { severity: inserted.severity });
        await enqueueNotifications(tx, inserted, 'firing', now);
        await also?.(tx);
        return inserted;
      });
      return fired && published(fired);
    },

    async acknowledge(id, by) {
      const now = clock.now();
      return published(await db.transaction(async (tx) => transition(tx, await locked(tx, id, ['firing'], 'acknowledged'), 'acknowledged', by, now, null)));
    },

    async resolve(id, by, note) {
      const now = clock.now();
      return published(await db.transaction(async (tx) => transition(tx, await locked(tx, id, ['firing', 'acknowledged'], 'resolved'), 'resolved', by, now, note ?? null)));
    },

    async resolveFingerprint(fingerprint, by, note, also) {
      const now = clock.now();
      const resolved = await db.transaction(async (tx) => {
        const open = await lockOpenAlert(tx, fingerprint);
        const changed = open && (await transition(tx, open, 'resolved', by, now, note));
        await also?.(tx);
        return changed;
      });
      return resolved && published(resolved);
    },

    async assign(id, username, by) {
      const now = clock.now();
      const assigned = await db.transaction(async (tx) => {
        const alert = await locked(tx, id, ['firing', 'acknowledged'], 'assigned');
        if (!(await findUser(tx, username))) throw new AlertError('unknown_user', `"username": no user "${username}"`);
        const changed: AlertRow = { ...alert, assignee: username, updatedAt: now };
        await updateAlert(tx, changed);
        await insertTransition(tx, id, { from: alert.state, to: alert.state, by: by.actor, at: now, note: `assigned to ${username}` });
        await audit(tx, by, 'alert.assign', changed, now, { assignee: username, previous: alert.assignee });
        return changed;
      });
      return published(assigned);
    },

    async comment(id, text, by) {
      const now = clock.now();
      return db.transaction(async (tx) => {
        const alert = await lockAlert(tx, id);
        if (!alert) throw new AlertError('not_found', `no alert "${id}"`);
        const comment = await insertComment(tx, id, { author: by.actor, text, at: now });
        await audit(tx, by, 'alert.comment', alert, now, { commentId: comment.id });
        return comment;
      });
    },

    async detail(id) {
      const alert = await getAlert(db, id);
      if (!alert) throw new AlertError('not_found', `no alert "${id}"`);
      const [history, comments] = await Promise.all([listTransitions(db, id), listComments(db, id)]);
      return { ...alert, history, comments };
    },
  };
}
