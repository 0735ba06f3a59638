import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Serialises concurrent migrators (several containers starting at once) on PostgreSQL. */
const MIGRATION_LOCK = 46_011_675;

export interface Migration {
  version: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{3}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: file.replace(/\.sql$/, ''), sql: readFileSync(dir + file, 'utf8') }));
}

/**
 * Applies the migrations not yet applied, in one transaction. Returns the versions applied. Refuses, applying
 * nothing, a database that holds a version this code does not know: a newer IOC migrated it, and this code would
 * read and write tables whose meaning has changed.
 */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const known = new Set(migrations.map((migration) => migration.version));
    const unknown = [...done].filter((version) => !known.has(version)).sort();
    if (unknown.length > 0) {
      throw new Error(
        `the database is newer than this code: it has migration${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which this ` +
          `version of the IOC does not know (its last is ${migrations.at(-1)?.version ?? 'none'}); run the IOC version that migrated it, ` +
          'or restore a backup taken before',
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/** Splits a migration file on `;` at line ends (migrations hold no functions with inner semicolons). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}
