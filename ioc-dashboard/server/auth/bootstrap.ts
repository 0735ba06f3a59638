import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateToken, upsertUser, type Db, type Logger } from '@ioc/core';
import type { DashboardConfig } from '../config.ts';

export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD_FILE = 'admin-password';

/**
 * Ensures an administrator exists: IOC_ADMIN_PASSWORD (re)sets user `admin`; otherwise, when no admin exists yet,
 * a generated password is set and written to `<dataDir>/admin-password` (mode 0600). The password is never logged.
 */
export async function bootstrapAdmin(db: Db, config: Pick<DashboardConfig, 'adminPassword' | 'dataDir'>, logger: Logger): Promise<void> {
  if (config.adminPassword) {
    await upsertUser(db, ADMIN_USERNAME, config.adminPassword, 'admin');
    logger.info({ username: ADMIN_USERNAME }, 'admin password set from IOC_ADMIN_PASSWORD');
    return;
  }
  const { rows } = await db.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
  if (rows.length > 0) return;
  const password = generateToken(18);
  const file = join(config.dataDir, ADMIN_PASSWORD_FILE);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  await upsertUser(db, ADMIN_USERNAME, password, 'admin');
  logger.warn({ username: ADMIN_USERNAME, file }, 'generated the admin password; read it from this file');
}
