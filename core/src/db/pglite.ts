import { chmodSync, mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './types.ts';

/**
 * Embedded PostgreSQL (PGlite) in `dataDir`, or in memory when `dataDir` is undefined. The directory is the
 * database's own: it is made (or narrowed to) mode 0700, so no other user of the machine reads it.
 */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
  // int8 and numeric as JS numbers, as the PostgreSQL adapter returns them.
  const pg = await PGlite.create(dataDir, { parsers: { [types.INT8]: Number, [types.NUMERIC]: Number } });
  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await pg.query<R>(sql, params as unknown[] | undefined);
    return { rows: result.rows };
  };
  return {
    kind: 'pglite',
    query,
    transaction: (fn) =>
      pg.transaction((tx) => {
        const scoped: Queryable = {
          query: async <R>(sql: string, params?: readonly unknown[]) => ({
            rows: (await tx.query<R>(sql, params as unknown[] | undefined)).rows,
          }),
        };
        return fn(scoped);
      }),
    close: () => pg.close(),
  };
}
