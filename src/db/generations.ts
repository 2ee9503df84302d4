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

/** Compiles the read once; each call is one primary-key read of each counter. */
export function generationsReader(db: Kysely<Database>): () => Promise<Generations> {
  const read = prepareQuery(db, [], () =>
    db
      .selectFrom(['catalogue_generation as c', 'access_generation as a'])
      .select(['c.value as catalogue', 'a.value as access'])
      .where('c.id', '=', 1)
      .where('a.id', '=', 1),
  );
  return async () => {
    const [row] = await read({});
    if (row === undefined) {
      throw CoreErrors.INTERNAL_ERROR('a generation row is missing from the database');
    }
    return row;
  };
}
