/** Result of a query: rows as plain objects keyed by column name. */
export interface QueryResult<R> {
  rows: R[];
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/**
 * The relational storage port (docs/architecture.md, "Stores and who writes them"): PostgreSQL via `pg`, or embedded PGlite. One SQL dialect
 * (PostgreSQL's) for both; parameters as $1, $2…
 */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
