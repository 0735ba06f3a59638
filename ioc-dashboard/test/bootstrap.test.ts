import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findUser, verifyPassword, type Db } from '@ioc/core';
import { tempDir } from '@ioc/core/testing';
import { ADMIN_PASSWORD_FILE, bootstrapAdmin } from '../server/index.ts';
import { logger, openStores } from './helpers.ts';

describe('admin bootstrap', () => {
  let db: Db;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    ({ db } = await openStores());
    dir = tempDir('ioc-dash-data-');
  });
  afterEach(async () => {
    await db.close();
    dir.remove();
  });

  it('generates a password into <dataDir>/admin-password with mode 0600 when no admin exists', async () => {
    const dataDir = join(dir.path, 'nested');
    await bootstrapAdmin(db, { dataDir }, logger);
    const file = join(dataDir, ADMIN_PASSWORD_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const password = readFileSync(file, 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(16);
    const admin = await findUser(db, 'admin');
    expect(admin?.role).toBe('admin');
    expect(await verifyPassword(password, admin!.passwordHash)).toBe(true);

    await bootstrapAdmin(db, { dataDir }, logger);
    expect(readFileSync(file, 'utf8').trim()).toBe(password);
  });

  it('sets the admin password from IOC_ADMIN_PASSWORD and writes no file', async () => {
    await bootstrapAdmin(db, { dataDir: dir.path }, logger);
    await bootstrapAdmin(db, { dataDir: dir.path, adminPassword: 'from-the-environment' }, logger);
    const admin = await findUser(db, 'admin');
    expect(await verifyPassword('from-the-environment', admin!.passwordHash)).toBe(true);

    const other = tempDir('ioc-dash-data-');
    await bootstrapAdmin(db, { dataDir: other.path, adminPassword: 'from-the-environment' }, logger);
    expect(existsSync(join(other.path, ADMIN_PASSWORD_FILE))).toBe(false);
    other.remove();
  });
});
