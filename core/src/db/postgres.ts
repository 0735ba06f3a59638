import pg from 'pg';
import type { Db, QueryResult, Queryable } from './types.ts';

const OID = { int8: 20, numeric: 1700, int8Array: 1016, numericArray: 1231, int4Array: 1007, float8Array: 1022 } as const;

/** pg's own parsers, for any type id (its typings list only the scalar ones). */
const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => (value: string) => unknown;

/**
 * int8 and numeric as JS numbers (as the PGlite adapter returns them), for this pool only: pg's global
 * parsers are left alone.
 */
const numericTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === OID.int8 || oid === OID.numeric) return (value: string) => Number(value);
      if (oid === OID.int8Array) return builtinParser(OID.int4Array, 'text');
      if (oid === OID.numericArray) return builtinParser(OID.float8Array, 'text');
    }
    return builtinParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Where a connection string points, without its password (for error messages). */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

function scope(run: (sql: string, params?: readonly unknown[]) => Promise<pg.QueryResult>): Queryable {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => ({
      rows: (await run(sql, params)).rows as R[],
    }),
  };
}

/** PostgreSQL through a `pg` Pool. Fails with a clear message when the server cannot be reached. */
export async function createPostgresDb(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, types: numericTypes, max: 10 });
  // An idle client losing its connection emits 'error' on the pool; the pool drops that client and the next
  // query opens a new one, so the event must not become an uncaught exception.
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new Error(`PostgreSQL at ${describe(url)}: ${(error as Error).message}`, { cause: error });
  }
  const root = scope((sql, params) => pool.query(sql, params as unknown[] | undefined));
  return {
    kind: 'postgres',
    query: root.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(scope((sql, params) => client.query(sql, params as unknown[] | undefined)));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
