/**
 * Queries built once and run many times. Building and compiling a Kysely query costs more than
 * running it on SQLite (about 80 µs against 10 µs for the per-request session lookup, which joins
 * three tables): hot paths compile once with placeholder values and swap in the real ones per call.
 * On SQLite, outside transactions, the compiled statement runs without Kysely's executor
 * (direct-read.ts).
 * @module
 */
import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';
import { CoreErrors } from '../core/index.js';
import { directStatement } from './direct-read.js';

const PLACEHOLDER = '\u0000hdh-prepared-';

/** Runs the compiled query with the values given for its parameter names. */
export interface PreparedQuery<Name extends string, Row> {
  (values: Readonly<Record<Name, unknown>>): Promise<Row[]>;
  /**
   * The same rows at once, where they can be read without waiting (SQLite outside a transaction:
   * direct-read.ts), else undefined and the caller awaits the query instead. A hot path that finds
   * everything else in memory can then answer without a promise.
   */
  now(values: Readonly<Record<Name, unknown>>): Row[] | undefined;
}

/**
 * `build` receives one placeholder per parameter name and returns the query; each call of the result
 * runs the compiled SQL with the values given for those names. Other values in the query (constants)
 * stay as compiled. Throws at build time if a placeholder does not reach the parameters, so a name
 * that is used as an identifier or concatenated into text is caught at once, not at the first call.
 */
export function prepareQuery<Name extends string, Row>(
  db: Pick<Kysely<unknown>, 'executeQuery'>,
  names: readonly Name[],
  build: (placeholders: Readonly<Record<Name, string>>) => Compilable<Row>,
): PreparedQuery<Name, Row> {
  const placeholders = Object.fromEntries(names.map((n) => [n, `${PLACEHOLDER}${n}`])) as Record<
    Name,
    string
  >;
  const compiled = build(placeholders).compile();
  const slots = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(PLACEHOLDER) ? (p.slice(PLACEHOLDER.length) as Name) : undefined,
  );
  for (const name of names) {
    if (!slots.includes(name)) {
      throw CoreErrors.INTERNAL_ERROR(
        `prepared query: the placeholder for ${name} is not a parameter of ${compiled.sql}`,
      );
    }
  }
  const direct = directStatement(db, compiled.sql);
  const bind = (values: Readonly<Record<Name, unknown>>): unknown[] =>
    compiled.parameters.map((p, i) => {
      const slot = slots[i];
      return slot === undefined ? p : values[slot];
    });
  const now = (values: Readonly<Record<Name, unknown>>): Row[] | undefined =>
    direct === undefined ? undefined : (direct(bind(values)) as Row[] | undefined);
  const run = (values: Readonly<Record<Name, unknown>>): Promise<Row[]> => {
    const parameters = bind(values);
    if (direct !== undefined) {
      try {
        const rows = direct(parameters);
        if (rows !== undefined) {
          return Promise.resolve(rows as Row[]);
        }
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const query: CompiledQuery<Row> = { ...compiled, parameters, queryId: createQueryId() };
    return db.executeQuery(query).then((result) => result.rows);
  };
  return Object.assign(run, { now });
}
