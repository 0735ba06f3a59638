import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import type { Queryable } from '@ioc/core';

const MINUTE_MS = 60_000;

export const EscalationLevel = Type.Object(
  {
    afterMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: 'minutes without acknowledgement after the step before (the first: after the alert fired)' }),
    subscriberIds: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type EscalationLevel = Static<typeof EscalationLevel>;

export const NewEscalationPolicy = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    levels: Type.Array(EscalationLevel, { minItems: 1, maxItems: 10 }),
    repeat: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'times the levels run again from the first after the last (default 0)' })),
  },
  { additionalProperties: false },
);
export type NewEscalationPolicy = Static<typeof NewEscalationPolicy>;

export const EscalationPolicy = Type.Object({
  id: Type.String(),
  name: Type.String(),
  levels: Type.Array(EscalationLevel),
  repeat: Type.Integer(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type EscalationPolicy = Static<typeof EscalationPolicy>;

/** When the first level is due for an alert that fired at `startsAt`; null when the levels are unusable. */
export function firstEscalationAt(levels: unknown, startsAt: number): number | null {
  const first = Array.isArray(levels) ? (levels[0] as EscalationLevel | undefined) : undefined;
  return first ? startsAt + first.afterMinutes * MINUTE_MS : null;
}

/** The step after `level` of `cycle`, or null when the policy has run out (its last level of its last repeat). */
export function nextEscalationStep(policy: Pick<EscalationPolicy, 'levels' | 'repeat'>, level: number, cycle: number, now: number): { level: number; cycle: number; at: number } | null {
  const next = level + 1 < policy.levels.length ? { level: level + 1, cycle } : cycle < policy.repeat ? { level: 0, cycle: cycle + 1 } : null;
  if (!next) return null;
  return { ...next, at: now + (policy.levels[next.level] as EscalationLevel).afterMinutes * MINUTE_MS };
}

interface PolicyRow {
  id: string;
  name: string;
  levels: EscalationLevel[];
  repeat: number;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: PolicyRow): EscalationPolicy => ({ id: r.id, name: r.name, levels: r.levels, repeat: r.repeat, createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime() });

export async function listEscalationPolicies(db: Queryable): Promise<EscalationPolicy[]> {
  return (await db.query<PolicyRow>('SELECT * FROM escalation_policies ORDER BY name, id')).rows.map(fromRow);
}

export async function getEscalationPolicy(db: Queryable, id: string): Promise<EscalationPolicy | undefined> {
  const row = (await db.query<PolicyRow>('SELECT * FROM escalation_policies WHERE id = $1', [id])).rows[0];
  return row && fromRow(row);
}

export async function createEscalationPolicy(db: Queryable, input: NewEscalationPolicy, now: number): Promise<EscalationPolicy> {
  const { rows } = await db.query<PolicyRow>(
    'INSERT INTO escalation_policies (id, name, levels, repeat, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING *',
    [randomUUID(), input.name, JSON.stringify(input.levels), input.repeat ?? 0, new Date(now).toISOString()],
  );
  return fromRow(rows[0] as PolicyRow);
}

/** Replaces a policy's name, levels and repeat; escalations under way read the new levels at their next step. */
export async function updateEscalationPolicy(db: Queryable, id: string, input: NewEscalationPolicy, now: number): Promise<EscalationPolicy | undefined> {
  const { rows } = await db.query<PolicyRow>(
    'UPDATE escalation_policies SET name = $2, levels = $3, repeat = $4, updated_at = $5 WHERE id = $1 RETURNING *',
    [id, input.name, JSON.stringify(input.levels), input.repeat ?? 0, new Date(now).toISOString()],
  );
  return rows[0] && fromRow(rows[0]);
}

export async function deleteEscalationPolicy(db: Queryable, id: string): Promise<boolean> {
  return (await db.query<{ id: string }>('DELETE FROM escalation_policies WHERE id = $1 RETURNING id', [id])).rows.length > 0;
}
