/**
 * The hub database: Kysely over SQLite (embedded default) or PostgreSQL, one set of migrations.
 * @module
 */
export {
  openDb,
  migrateToLatest,
  serializedTransaction,
  nowIso,
  redactUrl,
  type HubDb,
  type DialectName,
  type OpenDbOptions,
} from './connection.js';
export { DbErrors } from './errors.js';
export { prepareQuery, type PreparedQuery } from './prepared.js';
export { generationsReader, type Generations, type GenerationsReader } from './generations.js';
export { isPostgres } from './column-types.js';
export type * from './schema.js';
