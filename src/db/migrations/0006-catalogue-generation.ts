import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../column-types.js';

/**
 * The catalogue's generation: a counter that every change to `datasets` or `dataset_versions` bumps
 * in the same transaction, by trigger, whoever makes it (the catalog, a migration cut-over, another
 * hub process sharing the database, a hand-written statement). A hub serving the catalogue from
 * memory reads it with one primary-key lookup per request and drops what it holds when it changed.
 * Readers never wait: the bump is an ordinary row update, visible when the writer commits. Writers
 * of the catalogue queue on that row until the one before commits; they are rare (ingestion, edits,
 * cut-overs) and short.
 */
const TABLES = ['datasets', 'dataset_versions'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalogue_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into catalogue_generation (id, value) values (1, 0)`.execute(db);
  const bump = sql.raw('update catalogue_generation set value = value + 1 where id = 1');
  if (!isPostgres(db)) {
    // SQLite triggers fire per row and per event.
    for (const table of TABLES) {
      for (const event of ['insert', 'update', 'delete'] as const) {
        await sql`create trigger ${sql.id(`${table}_${event}_catalogue_generation`)} after ${sql.raw(event)} on ${sql.id(table)} begin ${bump}; end`.execute(
          db,
        );
      }
    }
    return;
  }
  // PostgreSQL: once per statement, truncation included.
  await sql`create function catalogue_generation_bump() returns trigger language plpgsql as $$ begin ${bump}; return null; end $$`.execute(
    db,
  );
  for (const table of TABLES) {
    await sql`create trigger ${sql.id(`${table}_catalogue_generation`)} after insert or update or delete or truncate on ${sql.id(table)} for each statement execute function catalogue_generation_bump()`.execute(
      db,
    );
  }
}
