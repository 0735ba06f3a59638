import { generateToken, hashToken, type Clock, type Db, type Role, type User } from '@ioc/core';

export const SESSION_COOKIE = 'ioc_session';
export const SESSION_TTL_MS = 12 * 3600_000;

export interface Session {
  token: string;
  expiresAt: number;
}

/** Browser sessions in the `sessions` table; only the SHA-256 of the cookie value is stored. */
export interface SessionStore {
  create(userId: number): Promise<Session>;
  /** The user of a live session, or undefined for an unknown or expired token. */
  find(token: string): Promise<User | undefined>;
  delete(token: string): Promise<void>;
}

export function createSessionStore(db: Db, clock: Clock): SessionStore {
  return {
    async create(userId) {
      const now = clock.now();
      const token = generateToken();
      const expiresAt = now + SESSION_TTL_MS;
      await db.query('DELETE FROM sessions WHERE expires_at <= $1', [new Date(now).toISOString()]);
      await db.query('INSERT INTO sessions (id_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
        hashToken(token),
        userId,
        new Date(expiresAt).toISOString(),
      ]);
      return { token, expiresAt };
    },

    async find(token) {
      const { rows } = await db.query<{ id: string | number; username: string; role: Role }>(
        `SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id_hash = $1 AND s.expires_at > $2`,
        [hashToken(token), new Date(clock.now()).toISOString()],
      );
      const row = rows[0];
      return row && { id: Number(row.id), username: row.username, role: row.role };
    },

    async delete(token) {
      await db.query('DELETE FROM sessions WHERE id_hash = $1', [hashToken(token)]);
    },
  };
}
