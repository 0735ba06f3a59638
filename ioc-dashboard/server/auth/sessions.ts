import { generateToken, hashToken, type Clock, type Db, type Role, type User } from '@ioc/core';

export const SESSION_COOKIE = 'ioc_session';
export const SESSION_TTL_MS = 12 * 3600_000;

export interface Session {
  token: string;
  expiresAt: number;
}

/** The user of a live session, and when that session expires (epoch ms). */
export type SessionUser = User & { expiresAt: number };

/** Browser sessions in the `sessions` table; only the SHA-256 of the cookie value (its id) is stored. */
export interface SessionStore {
  create(userId: number): Promise<Session>;
  /** The user of a live session, or undefined for an unknown or expired token. */
  find(token: string): Promise<SessionUser | undefined>;
  delete(token: string): Promise<void>;
  /** Which of these session ids (sessionId of a cookie) are still live: not signed out, expired or ended. */
  live(ids: readonly string[]): Promise<Set<string>>;
  /** Calls `listener` with the id of each session deleted (signed out). */
  onDeleted(listener: (sessionId: string) => void): void;
}

/** The stored id of a session: the hash of its cookie value. */
export const sessionId = hashToken;

export function createSessionStore(db: Db, clock: Clock): SessionStore {
  const deletedListeners: ((sessionId: string) => void)[] = [];
  return {
    async create(userId) {
      const now = clock.now();
      const token = generateToken();
      const expiresAt = now + SESSION_TTL_MS;
      await db.query('DELETE FROM sessions WHERE expires_at <= $1', [new Date(now).toISOString()]);
      await db.query('INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
        sessionId(token),
        userId,
        new Date(expiresAt).toISOString(),
      ]);
      return { token, expiresAt };
    },

    async find(token) {
      const { rows } = await db.query<{ id: string | number; username: string; role: Role; expires_at: Date }>(
        `SELECT u.id, u.username, u.role, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id_hash = $1 AND s.expires_at > $2`,
        [sessionId(token), new Date(clock.now()).toISOString()],
      );
      const row = rows[0];
      return row && { id: Number(row.id), username: row.username, role: row.role, expiresAt: row.expires_at.getTime() };
    },

    async delete(token) {
      const id = sessionId(token);
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [id]);
      for (const listener of deletedListeners) listener(id);
    },

    async live(ids) {
      const { rows } = await db.query<{ id_hash: string }>('SELECT id_hash FROM sessions WHERE id_hash = ANY($1::text[]) AND expires_at > $2', [
        ids,
        new Date(clock.now()).toISOString(),
      ]);
      return new Set(rows.map((row) => row.id_hash));
    },

    onDeleted(listener) {
      deletedListeners.push(listener);
    },
  };
}
