import type { Queryable } from './db/types.ts';

/** A refused message, kept with the reason it was refused. */
export interface DeadLetter {
  id: number;
  deviceId: string | null;
  topic: string;
  payload: string;
  reason: string;
  ts: number;
}

/** Stored payloads are cut to this many characters. */
export const DEAD_LETTER_PAYLOAD_LIMIT = 2048;
/** Stored topics and reasons are cut to this many characters (a reason may quote a topic or a name a device sent). */
export const DEAD_LETTER_TEXT_LIMIT = 1024;

export type NewDeadLetter = Omit<DeadLetter, 'id'>;

/** PostgreSQL text cannot hold NUL characters: they are stored as U+FFFD so a binary payload is still recorded. */
function storable(text: string): string {
  return text.replace(/\u0000/g, '\uFFFD');
}

export async function recordDeadLetters(db: Queryable, letters: readonly NewDeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await db.query(
    `INSERT INTO dead_letters (device_id, topic, payload, reason, ts)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
    [
      letters.map((l) => l.deviceId),
      letters.map((l) => storable(l.topic.slice(0, DEAD_LETTER_TEXT_LIMIT))),
      letters.map((l) => storable(l.payload.slice(0, DEAD_LETTER_PAYLOAD_LIMIT))),
      letters.map((l) => storable(l.reason.slice(0, DEAD_LETTER_TEXT_LIMIT))),
      letters.map((l) => new Date(l.ts).toISOString()),
    ],
  );
}

export interface DeadLetterFilter {
  deviceId?: string;
  /** Exact topic. */
  topic?: string;
  /** Text the reason contains (case-insensitive). */
  reason?: string;
  /** Refused at or after, epoch ms. */
  from?: number;
  /** Refused before, epoch ms. */
  to?: number;
}

export interface DeadLetterPage extends DeadLetterFilter {
  /** Only letters listed after the one with this id: the next page after a page ending at `before`. */
  before?: number;
  limit?: number;
}

/** The WHERE clause of a filter, with its parameters from $1 on. */
function where(filter: DeadLetterFilter): { sql: string; params: unknown[] } {
  const params = [
    filter.deviceId ?? null,
    filter.topic ?? null,
    filter.reason === undefined ? null : `%${filter.reason.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    filter.from === undefined ? null : new Date(filter.from).toISOString(),
    filter.to === undefined ? null : new Date(filter.to).toISOString(),
  ];
  return {
    sql: `($1::text IS NULL OR device_id = $1) AND ($2::text IS NULL OR topic = $2) AND ($3::text IS NULL OR reason ILIKE $3)
      AND ($4::timestamptz IS NULL OR ts >= $4) AND ($5::timestamptz IS NULL OR ts < $5)`,
    params,
  };
}

/** Newest first. */
export async function listDeadLetters(db: Queryable, page: DeadLetterPage = {}): Promise<DeadLetter[]> {
  const filter = where(page);
  const { rows } = await db.query<{ id: string | number; device_id: string | null; topic: string; payload: string; reason: string; ts: Date }>(
    `SELECT id, device_id, topic, payload, reason, ts FROM dead_letters
      WHERE ${filter.sql} AND ($6::bigint IS NULL OR (ts, id) < (SELECT ts, id FROM dead_letters WHERE id = $6)) ORDER BY ts DESC, id DESC LIMIT $7`,
    [...filter.params, page.before ?? null, page.limit ?? 100],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    deviceId: r.device_id,
    topic: r.topic,
    payload: r.payload,
    reason: r.reason,
    ts: r.ts.getTime(),
  }));
}

/** How many dead letters match the filter. */
export async function countDeadLetters(db: Queryable, filter: DeadLetterFilter = {}): Promise<number> {
  const { sql, params } = where(filter);
  const { rows } = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM dead_letters WHERE ${sql}`, params);
  return Number(rows[0]?.count ?? 0);
}

/**
 * Deletes dead letters refused before `before` (epoch ms; undefined: kept by age), then all but the newest `keep`
 * (0: no cap); returns how many were deleted. Ingest runs it hourly (IOC_DEAD_LETTER_RETENTION, IOC_DEAD_LETTERS_MAX).
 */
export async function pruneDeadLetters(db: Queryable, limits: { before?: number; keep: number }): Promise<number> {
  const { rows } = await db.query<{ n: string | number }>(
    `WITH oldest_kept AS (SELECT ts, id FROM dead_letters ORDER BY ts DESC, id DESC OFFSET $2 LIMIT 1),
     gone AS (DELETE FROM dead_letters WHERE ($1::timestamptz IS NOT NULL AND ts < $1)
       OR ($2 > 0 AND (ts, id) <= (SELECT ts, id FROM oldest_kept)) RETURNING 1)
     SELECT count(*) AS n FROM gone`,
    [limits.before === undefined ? null : new Date(limits.before).toISOString(), limits.keep],
  );
  return Number(rows[0]?.n ?? 0);
}
