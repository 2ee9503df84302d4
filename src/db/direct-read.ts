/**
 * Reads that skip Kysely's executor on SQLite. better-sqlite3 runs a statement synchronously, but a
 * query through Kysely still waits its turn on the connection's mutex and goes through several
 * promises: on a one-row primary-key read, about as much CPU as the read itself. Hot prepared queries
 * (prepared.ts) run here instead, when it sees exactly what Kysely would: only while no transaction is
 * open on the connection, since the single connection is shared and a read inside someone else's open
 * transaction would see their uncommitted writes. Otherwise the caller goes through Kysely as before.
 * @module
 */

/** Rows of the statement for these parameters, or undefined when it must go through Kysely instead. */
export type DirectStatement = (parameters: readonly unknown[]) => unknown[] | undefined;

interface Connection {
  readonly inTransaction: boolean;
  prepare(sql: string): { readonly reader: boolean; all(parameters: readonly unknown[]): unknown[] };
}

const connections = new WeakMap<object, Connection>();

/** Registers the SQLite connection under the Kysely instance built over it (not its transactions). */
export function registerDirectReader(db: object, connection: Connection): void {
  connections.set(db, connection);
}

/**
 * A direct runner of `sql` if `db` is the root of a SQLite database and `sql` only reads. The
 * statement is prepared on first use and kept by the caller: it is its own, never iterated, so never
 * busy, and SQLite prepares it again by itself if the schema changes.
 */
export function directStatement(db: object, sql: string): DirectStatement | undefined {
  const connection = connections.get(db);
  if (connection === undefined) {
    return undefined;
  }
  let statement: ReturnType<Connection['prepare']> | undefined;
  let reader = true;
  return (parameters) => {
    if (!reader || connection.inTransaction) {
      return undefined;
    }
    if (statement === undefined) {
      statement = connection.prepare(sql);
      reader = statement.reader;
    }
    return reader ? statement.all(parameters) : undefined;
  };
}
