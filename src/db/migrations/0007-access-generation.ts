import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../column-types.js';

/**
 * The access generation: a counter that every change to what authenticating a session reads (the
 * session, its user, their second factor, the MFA policy in `hub_meta`) bumps in the same
 * transaction, by trigger, whoever makes it. A hub process keeps the sessions it has looked up while
 * the counter is unchanged, reading it with the catalogue's in one statement per request, so a
 * revocation, a disabled account or a policy change made anywhere stops the next request. Sign-ins and
 * lockout counts bump it too: the next request of each session then looks its row up again.
 */
const TABLES = ['auth_sessions', 'users', 'user_mfa', 'hub_meta'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into access_generation (id, value) values (1, 0)`.execute(db);
  const bump = sql.raw('update access_generation set value = value + 1 where id = 1');
  if (!isPostgres(db)) {
    // SQLite triggers fire per row and per event.
    for (const table of TABLES) {
      for (const event of ['insert', 'update', 'delete'] as const) {
        await sql`create trigger ${sql.id(`${table}_${event}_access_generation`)} after ${sql.raw(event)} on ${sql.id(table)} begin ${bump}; end`.execute(
          db,
        );
      }
    }
    return;
  }
  // PostgreSQL: once per statement, truncation included.
  await sql`create function access_generation_bump() returns trigger language plpgsql as $$ begin ${bump}; return null; end $$`.execute(
    db,
  );
  for (const table of TABLES) {
    await sql`create trigger ${sql.id(`${table}_access_generation`)} after insert or update or delete or truncate on ${sql.id(table)} for each statement execute function access_generation_bump()`.execute(
      db,
    );
  }
}
