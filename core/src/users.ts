import type { Queryable } from './db/types.ts';
import { hashPassword } from './secrets.ts';

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

/** Creates the user, or sets the password and role of an existing one. */
export async function upsertUser(db: Queryable, username: string, password: string, role: Role): Promise<User> {
  const { rows } = await db.query<{ id: string | number; username: string; role: Role }>(
    `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role
     RETURNING id, username, role`,
    [username.normalize('NFC'), await hashPassword(password), role],
  );
  const row = rows[0] as { id: string | number; username: string; role: Role };
  return { id: Number(row.id), username: row.username, role: row.role };
}

export async function findUser(db: Queryable, username: string): Promise<(User & { passwordHash: string }) | undefined> {
  const { rows } = await db.query<{ id: string | number; username: string; role: Role; password_hash: string }>(
    'SELECT id, username, role, password_hash FROM users WHERE username = $1',
    [username.normalize('NFC')],
  );
  const row = rows[0];
  return row && { id: Number(row.id), username: row.username, role: row.role, passwordHash: row.password_hash };
}
