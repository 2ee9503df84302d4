import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/** A byte-string column: `bytea` on PostgreSQL, `blob` on SQLite. */
export function bytes(db: Kysely<unknown>): RawBuilder<unknown> {
  return isPostgres(db) ? sql`bytea` : sql`blob`;
}

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
