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
      letters.map((l) => storable(l.topic)),
      letters.map((l) => storable(l.payload.slice(0, DEAD_LETTER_PAYLOAD_LIMIT))),
      letters.map((l) => storable(l.reason)),
      letters.map((l) => new Date(l.ts).toISOString()),
    ],
  );
}

export interface DeadLetterFilter {
  deviceId?: string;
  limit?: number;
}

/** Newest first. */
export async function listDeadLetters(db: Queryable, filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
  const { rows } = await db.query<{ id: string | number; device_id: string | null; topic: string; payload: string; reason: string; ts: Date }>(
    `SELECT id, device_id, topic, payload, reason, ts FROM dead_letters
      WHERE ($1::text IS NULL OR device_id = $1) ORDER BY ts DESC, id DESC LIMIT $2`,
    [filter.deviceId ?? null, filter.limit ?? 100],
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
