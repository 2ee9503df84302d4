/**
 * The database's generation counters, read together: one statement per request gives both what the
 * catalogue and what authentication keep in memory are valid for (migrations 0006 and 0007). A value
 * computed from what was read after a generation was read is still true while that generation is.
 * @module
 */
import type { Kysely } from 'kysely';
import { CoreErrors } from '../core/index.js';
import { prepareQuery } from './prepared.js';
import type { Database } from './schema.js';

export interface Generations {
  readonly catalogue: number;
  readonly access: number;
}

/** Reads both counters; compiled once, each call is one primary-key read of each. */
export interface GenerationsReader {
  (): Promise<Generations>;
  /**
   * The same read, done at once where the database allows it (SQLite outside a transaction), else
   * undefined: then call the reader and await it.
   */
  now(): Generations | undefined;
}

export function generationsReader(db: Kysely<Database>): GenerationsReader {
  const read = prepareQuery(db, [], () =>
    db
      .selectFrom(['catalogue_generation as c', 'access_generation as a'])
      .select(['c.value as catalogue', 'a.value as access'])
      .where('c.id', '=', 1)
      .where('a.id', '=', 1),
  );
  const one = (rows: readonly Generations[]): Generations => {
    const [row] = rows;
    if (row === undefined) {
      throw CoreErrors.INTERNAL_ERROR('a generation row is missing from the database');
    }
    return row;
  };
  const none = {};
  return Object.assign(async () => one(await read(none)), {
    now: (): Generations | undefined => {
      const rows = read.now(none);
      return rows === undefined ? undefined : one(rows);
    },
  });
}
