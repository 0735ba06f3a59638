import { randomUUID } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { MAX_EPOCH_MS } from './times.ts';
import { recordAuditEvents, type Db, type Queryable } from '@ioc/core';

/** The alert fields a silence matches on. */
export const MATCHER_NAMES = ['ruleId', 'deviceId', 'areaId', 'kind', 'metric', 'severity'] as const;
export type MatcherName = (typeof MATCHER_NAMES)[number];

export const Matcher = Type.Object(
  {
    name: Type.Enum(MATCHER_NAMES),
    value: Type.String({ minLength: 1, maxLength: 256 }),
    isRegex: Type.Optional(Type.Boolean({ description: 'value is a regular expression matched against the whole field (as Alertmanager anchors it)' })),
  },
  { additionalProperties: false },
);
export type Matcher = Static<typeof Matcher>;

export const NewSilence = Type.Object(
  {
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 20, description: 'an alert is silenced when every matcher matches' }),
    startsAt: Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch ms' }),
    endsAt: Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'epoch ms, after startsAt' }),
    comment: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type NewSilence = Static<typeof NewSilence>;

export const Silence = Type.Object({
  id: Type.String(),
  matchers: Type.Array(Matcher),
  startsAt: Type.Number(),
  endsAt: Type.Number(),
  comment: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  endedBy: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
});
export type Silence = Static<typeof Silence>;

export type Matchable = { [K in MatcherName]: string | null };

/** Why a new silence cannot be, or undefined. */
export function silenceProblem(input: NewSilence): string | undefined {
  if (input.endsAt <= input.startsAt) return '"endsAt" must be after "startsAt"';
  for (const m of input.matchers) {
    if (!m.isRegex) continue;
    try {
      new RegExp(m.value);
    } catch (error) {
      return `matcher ${m.name}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

export function matches(matchers: readonly Matcher[], alert: Matchable): boolean {
  return matchers.every((m) => {
    const value = alert[m.name] ?? '';
    return m.isRegex ? new RegExp(`^(?:${m.value})$`).test(value) : value === m.value;
  });
}

interface SilenceRow {
  id: string;
  matchers: Matcher[];
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  created_at: Date;
  ended_by: string | null;
}

function fromRow(r: SilenceRow, now: number): Silence {
  const startsAt = r.starts_at.getTime();
  const endsAt = r.ends_at.getTime();
  return {
    id: r.id,
    matchers: r.matchers,
    startsAt,
    endsAt,
    comment: r.comment,
    createdBy: r.created_by,
    createdAt: r.created_at.getTime(),
    endedBy: r.ended_by,
    state: now < startsAt ? 'pending' : now < endsAt ? 'active' : 'expired',
  };
}

/** Silences not yet expired first, then the expired ones, newest first (expired ones of the last 30 days). */
export async function listSilences(db: Queryable, now: number): Promise<Silence[]> {
  const { rows } = await db.query<SilenceRow>(
    `SELECT * FROM silences WHERE ends_at > $1::timestamptz - interval '30 days' ORDER BY (ends_at > $1) DESC, starts_at DESC, id LIMIT 1000`,
    [new Date(now).toISOString()],
  );
  return rows.map((r) => fromRow(r, now));
}

export async function activeSilences(db: Queryable, now: number): Promise<Silence[]> {
  const at = new Date(now).toISOString();
  return (await db.query<SilenceRow>('SELECT * FROM silences WHERE starts_at <= $1 AND ends_at > $1', [at])).rows.map((r) => fromRow(r, now));
}

/** Creates a silence, audited (`silence.create`) in the same transaction. */
export function createSilence(db: Db, input: NewSilence, actor: string, now: number, remoteAddress: string | null = null): Promise<Silence> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SilenceRow>(
      `INSERT INTO silences (id, matchers, starts_at, ends_at, comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [randomUUID(), JSON.stringify(input.matchers), new Date(input.startsAt).toISOString(), new Date(input.endsAt).toISOString(), input.comment.normalize('NFC'), actor, new Date(now).toISOString()],
    );
    const silence = fromRow(rows[0] as SilenceRow, now);
    await recordAuditEvents(tx, [{ ts: now, actor, action: 'silence.create', target: silence.id, remoteAddress, detail: { matchers: input.matchers, startsAt: input.startsAt, endsAt: input.endsAt, comment: input.comment } }]);
    return silence;
  });
}

/** Ends a silence now (a pending one never starts), audited (`silence.end`); undefined when there is none to end. */
export function endSilence(db: Db, id: string, actor: string, now: number, remoteAddress: string | null = null): Promise<Silence | undefined> {
  return db.transaction(async (tx) => {
    const at = new Date(now).toISOString();
    const { rows } = await tx.query<SilenceRow>(
      `UPDATE silences SET ends_at = GREATEST(starts_at, $2::timestamptz), ended_by = $3, ended_at = $2 WHERE id = $1 AND ends_at > $2 RETURNING *`,
      [id, at, actor],
    );
    if (!rows[0]) return undefined;
    await recordAuditEvents(tx, [{ ts: now, actor, action: 'silence.end', target: id, remoteAddress }]);
    return fromRow(rows[0], now);
  });
}
