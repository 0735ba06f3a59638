import type { Queryable } from '@ioc/core';
import type { RuleNotify } from '../notify/rule-notify.ts';
import { DEFINITION_FIELDS, type AlertRule, type EmergencyBroadcast, type RuleScope } from './rule-schema.ts';

/** The SQL of `alert_rules` (migration 012): the type's fields and the scope live in `definition`. */

interface RuleDbRow {
  id: string;
  name: string;
  type: AlertRule['type'];
  definition: Record<string, unknown> & { scope?: RuleScope; forS: number };
  severity: AlertRule['severity'];
  enabled: boolean;
  notify: RuleNotify;
  emergency_broadcast: EmergencyBroadcast | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

const COLUMNS = 'id, name, type, definition, severity, enabled, notify, emergency_broadcast, created_at, created_by, updated_at, updated_by';
const iso = (ms: number) => new Date(ms).toISOString();

function ruleFromRow(r: RuleDbRow): AlertRule {
  const { scope = {}, ...definition } = r.definition;
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    severity: r.severity,
    enabled: r.enabled,
    scope,
    notify: r.notify,
    emergencyBroadcast: r.emergency_broadcast,
    ...(definition as Pick<AlertRule, 'forS'>),
    createdAt: r.created_at.getTime(),
    createdBy: r.created_by,
    updatedAt: r.updated_at.getTime(),
    updatedBy: r.updated_by,
  };
}

function definitionOf(rule: AlertRule): Record<string, unknown> {
  const definition: Record<string, unknown> = { scope: rule.scope };
  for (const field of DEFINITION_FIELDS) if (rule[field] !== undefined) definition[field] = rule[field];
  return definition;
}

export async function insertRule(db: Queryable, rule: AlertRule): Promise<void> {
  await db.query(
    `INSERT INTO alert_rules (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12)`,
    [
      rule.id, rule.name, rule.type, JSON.stringify(definitionOf(rule)), rule.severity, rule.enabled, JSON.stringify(rule.notify),
      rule.emergencyBroadcast === null ? null : JSON.stringify(rule.emergencyBroadcast), iso(rule.createdAt), rule.createdBy, iso(rule.updatedAt), rule.updatedBy,
    ],
  );
}

export async function updateRule(db: Queryable, rule: AlertRule): Promise<void> {
  await db.query(
    `UPDATE alert_rules SET name = $2, type = $3, definition = $4::jsonb, severity = $5, enabled = $6, notify = $7::jsonb,
            emergency_broadcast = $8::jsonb, updated_at = $9, updated_by = $10 WHERE id = $1`,
    [
      rule.id, rule.name, rule.type, JSON.stringify(definitionOf(rule)), rule.severity, rule.enabled, JSON.stringify(rule.notify),
      rule.emergencyBroadcast === null ? null : JSON.stringify(rule.emergencyBroadcast), iso(rule.updatedAt), rule.updatedBy,
    ],
  );
}

export async function deleteRule(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>('DELETE FROM alert_rules WHERE id = $1 RETURNING id', [id]);
  return rows.length > 0;
}

export async function getRule(db: Queryable, id: string, lock = false): Promise<AlertRule | undefined> {
  const { rows } = await db.query<RuleDbRow>(`SELECT ${COLUMNS} FROM alert_rules WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] && ruleFromRow(rows[0]);
}

export async function listRules(db: Queryable): Promise<AlertRule[]> {
  const { rows } = await db.query<RuleDbRow>(`SELECT ${COLUMNS} FROM alert_rules ORDER BY created_at, id`);
  return rows.map(ruleFromRow);
}
