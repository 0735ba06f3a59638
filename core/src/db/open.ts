import { join } from 'node:path';
import type { IocConfig } from '../config.ts';
import { migrate } from './migrate.ts';
import { seedAreas } from '../areas.ts';
import type { Db } from './types.ts';

/** Opens the configured relational store (PostgreSQL with DATABASE_URL, else PGlite in IOC_DATA_DIR), migrated and seeded. */
export async function openDb(config: Pick<IocConfig, 'databaseUrl' | 'dataDir'>): Promise<Db> {
  let db: Db;
  if (config.databaseUrl) {
    const { createPostgresDb } = await import('./postgres.ts');
    db = await createPostgresDb(config.databaseUrl);
  } else {
    const { createPgliteDb } = await import('./pglite.ts');
    db = await createPgliteDb(join(config.dataDir, 'pglite'));
  }
  await migrate(db);
  await seedAreas(db);
  return db;
}
