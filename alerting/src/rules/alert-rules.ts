import { randomUUID } from 'node:crypto';
import { recordAuditEvents, type AlertRuleChange, type Clock, type Db, type Logger, type Queryable } from '@ioc/core';
import type { Actor } from '../lifecycle.ts';
import { DEFAULT_OFFLINE_FOR_S, ruleRefusal } from './rule-check.ts';
import type { AlertRule, AlertRulePatch, NewAlertRule } from './rule-schema.ts';
import { deleteRule, getRule, insertRule, listRules, updateRule } from './rule-store.ts';

export class RuleError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_rule',
    message: string,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

export interface AlertRules {
  list(): Promise<AlertRule[]>;
  get(id: string): Promise<AlertRule>;
  create(rule: NewAlertRule, by: Actor): Promise<AlertRule>;
  update(id: string, patch: AlertRulePatch, by: Actor): Promise<AlertRule>;
  remove(id: string, by: Actor): Promise<void>;
}

/** Area ids of the rule that the `areas` table does not hold. */
async function unknownAreas(db: Queryable, rule: NewAlertRule): Promise<{ field: string; id: string } | undefined> {
  const named = [
    ...(rule.scope?.areaIds ?? []).map((id) => ({ field: 'scope.areaIds', id })),
    ...(rule.emergencyBroadcast?.areaIds ?? []).map((id) => ({ field: 'emergencyBroadcast.areaIds', id })),
  ];
  if (named.length === 0) return undefined;
  const { rows } = await db.query<{ id: string }>('SELECT id FROM areas WHERE id = ANY($1::text[])', [named.map((n) => n.id)]);
  const known = new Set(rows.map((r) => r.id));
  return named.find((n) => !known.has(n.id));
}

/**
 * The alert rules' use-case for the API: checks a rule whole (rule-check.ts), stores and audits it in one
 * transaction, then tells the alerting service (`announce`, ioc/v1/alert-rules/changes) so the change applies without
 * a restart. A failed announcement is logged: the service also reads its rules every minute.
 */
export function createAlertRules(deps: { db: Db; clock: Clock; logger: Logger; announce: (change: AlertRuleChange) => Promise<void> }): AlertRules {
  const { db, clock, logger } = deps;

  async function announce(ruleId: string, change: AlertRuleChange['change']): Promise<void> {
    await deps.announce({ ruleId, change, ts: clock.now() }).catch((error: unknown) => logger.warn({ err: error, ruleId, change }, 'alert rule change not announced on the bus'));
  }

  async function check(q: Queryable, rule: NewAlertRule): Promise<void> {
    const refusal = ruleRefusal(rule);
    if (refusal) throw new RuleError('invalid_rule', refusal);
    const unknown = await unknownAreas(q, rule);
    if (unknown) throw new RuleError('invalid_rule', `"${unknown.field}": no area "${unknown.id}"`);
  }

  async function audit(tx: Queryable, by: Actor, action: string, rule: AlertRule | { id: string }, now: number): Promise<void> {
    await recordAuditEvents(tx, [{ ts: now, actor: by.actor, action, target: rule.id, remoteAddress: by.remoteAddress ?? null, detail: 'name' in rule ? { rule } : {} }]);
  }

  return {
    list: () => listRules(db),

    async get(id) {
      const rule = await getRule(db, id);
      if (!rule) throw new RuleError('not_found', `no alert rule "${id}"`);
      return rule;
    },

    async create(input, by) {
      await check(db, input);
      const now = clock.now();
      const rule: AlertRule = {
        ...input,
        id: randomUUID(),
        enabled: input.enabled ?? true,
        scope: input.scope ?? {},
        notify: input.notify ?? {},
        emergencyBroadcast: input.emergencyBroadcast ?? null,
        forS: input.forS ?? (input.type === 'offline' ? DEFAULT_OFFLINE_FOR_S : 0),
        createdAt: now,
        createdBy: by.actor,
        updatedAt: now,
        updatedBy: by.actor,
      };
      await db.transaction(async (tx) => {
        await insertRule(tx, rule);
        await audit(tx, by, 'alert_rule.create', rule, now);
      });
      await announce(rule.id, 'created');
      return rule;
    },

    async update(id, patch, by) {
      const now = clock.now();
      const rule = await db.transaction(async (tx) => {
        const current = await getRule(tx, id, true);
        if (!current) throw new RuleError('not_found', `no alert rule "${id}"`);
        const merged = { ...current, ...patch, updatedAt: now, updatedBy: by.actor } as AlertRule & Record<string, unknown>;
        for (const [field, value] of Object.entries(patch)) if (value === null && field !== 'emergencyBroadcast') delete merged[field];
        if (merged.forS === undefined) merged.forS = merged.type === 'offline' ? DEFAULT_OFFLINE_FOR_S : 0;
        const { id: _id, createdAt: _c, createdBy: _cb, updatedAt: _u, updatedBy: _ub, ...input } = merged;
        await check(tx, input as NewAlertRule);
        await updateRule(tx, merged);
        await audit(tx, by, 'alert_rule.update', merged, now);
        return merged as AlertRule;
      });
      await announce(id, 'updated');
      return rule;
    },

    async remove(id, by) {
      const now = clock.now();
      await db.transaction(async (tx) => {
        if (!(await deleteRule(tx, id))) throw new RuleError('not_found', `no alert rule "${id}"`);
        await audit(tx, by, 'alert_rule.delete', { id }, now);
      });
      await announce(id, 'deleted');
    },
  };
}
