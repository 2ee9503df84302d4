/**
 * Reads that skip Kysely's executor on SQLite. better-sqlite3 runs a statement synchronously, but a
 * query through Kysely still waits its turn on the connection's mutex and goes through several
 * promises: on a one-row primary-key read, about as much CPU as the read itself. Hot prepared queries
 * (prepared.ts) run here instead, when it sees exactly what Kysely would: only while no transaction is
 * open on the connection, since the single connection is shared and a read inside someone else's open
 * transaction would see their uncommitted writes. Otherwise the caller goes through Kysely as before.
 * @module
 */

/** Rows of a read-only statement, or undefined when it must go through Kysely instead. */
export type DirectReader = (sql: string, parameters: readonly unknown[]) => unknown[] | undefined;

interface Connection {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly reader: boolean; all(parameters: readonly unknown[]): unknown[] };
}

const readers = new WeakMap<object, DirectReader>();

/** Registers the SQLite connection under the Kysely instance built over it (not its transactions). */
export function registerDirectReader(db: object, connection: Connection): void {
  readers.set(db, (sql, parameters) => {
    if (connection.inTransaction) {
      return undefined;
    }
    const statement = connection.prepare(sql);
    return statement.reader ? statement.all(parameters) : undefined;
  });
}

/** The direct reader of a Kysely instance, if it is the root of a SQLite database. */
export function directReader(db: object): DirectReader | undefined {
  return readers.get(db);
}
