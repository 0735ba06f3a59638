import { join } from 'node:path';
import type { CommonConfig } from '../config.ts';
import { migrate } from './migrate.ts';
import { loadAreaSet, seedAreas } from '../areas.ts';
import type { Db } from './types.ts';

/**
 * Opens the configured relational store (PostgreSQL with DATABASE_URL, else PGlite in IOC_DATA_DIR), migrated and
 * seeded with the area set's areas (IOC_AREAS_DIR; Huế's by default).
 */
export async function openDb(config: Pick<CommonConfig, 'databaseUrl' | 'dataDir'> & Partial<Pick<CommonConfig, 'areasDir'>>): Promise<Db> {
  let db: Db;
  if (config.databaseUrl) {
    const { createPostgresDb } = await import('./postgres.ts');
    db = await createPostgresDb(config.databaseUrl);
  } else {
    const { createPgliteDb } = await import('./pglite.ts');
    db = await createPgliteDb(join(config.dataDir, 'pglite'));
  }
  await migrate(db);
  await seedAreas(db, loadAreaSet(config.areasDir).areas);
  return db;
}
