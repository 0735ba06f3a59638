import type { Queryable } from './db/types.ts';
import { hashPassword, needsRehash, verifyPassword } from './secrets.ts';

/**
 * Permissions, not one ladder: operators work alerts and devices, radio staff broadcasts (a radio lead also
 * approves them), viewers read, admins do all.
 */
export type Role = 'admin' | 'operator' | 'radio_lead' | 'radio' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'radio_lead', 'radio', 'viewer'];

export interface User {
  id: number;
  username: string;
  role: Role;
}

/**
 * Creates the user, or sets the password and role of an existing one. A new password or role ends the user's
 * sessions (the dashboard closes their sockets within seconds); the same password and role keep them, so
 * IOC_ADMIN_PASSWORD applied at every start signs nobody out (and only brings the hash up to SCRYPT_PARAMS).
 */
export async function upsertUser(db: Queryable, username: string, password: string, role: Role): Promise<User> {
  const name = username.normalize('NFC');
  const existing = await findUser(db, name);
  if (existing && existing.role === role && (await verifyPassword(password, existing.passwordHash))) {
    if (needsRehash(existing.passwordHash)) await setPasswordHash(db, existing.id, await hashPassword(password));
    return { id: existing.id, username: existing.username, role: existing.role };
  }
  const { rows } = await db.query<{ id: string | number; username: string; role: Role }>(
    `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role
     RETURNING id, username, role`,
    [name, await hashPassword(password), role],
  );
  const row = rows[0] as { id: string | number; username: string; role: Role };
  await db.query('DELETE FROM sessions WHERE user_id = $1', [row.id]);
  return { id: Number(row.id), username: row.username, role: row.role };
}

/** Replaces a user's password hash with one of the same password (a login bringing it up to SCRYPT_PARAMS). */
export async function setPasswordHash(db: Queryable, userId: number, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
}

export async function findUser(db: Queryable, username: string): Promise<(User & { passwordHash: string }) | undefined> {
  const { rows } = await db.query<{ id: string | number; username: string; role: Role; password_hash: string }>(
    'SELECT id, username, role, password_hash FROM users WHERE username = $1',
    [username.normalize('NFC')],
  );
  const row = rows[0];
  return row && { id: Number(row.id), username: row.username, role: row.role, passwordHash: row.password_hash };
}
