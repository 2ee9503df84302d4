/**
 * Opens the hub database from its URL (`sqlite:FILE` or `postgres://…`) and brings its schema to the
 * latest version. The same Kysely code runs on both dialects.
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type MigrationProvider,
  type SqliteDatabase,
} from 'kysely';
import { registerDirectReader } from './direct-read.js';
import { DbErrors } from './errors.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface HubDb {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The URL with any password removed, for logs and reports. */
  readonly displayUrl: string;
  readonly close: () => Promise<void>;
}

export interface OpenDbOptions {
  /** Folder that relative `sqlite:` paths are resolved against. */
  readonly home?: string;
  /** Apply pending migrations (default true). */
  readonly migrate?: boolean;
  /** Largest PostgreSQL pool (default 10). */
  readonly poolSize?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export async function openDb(url: string, options: OpenDbOptions = {}): Promise<HubDb> {
  const hub = url.startsWith('sqlite:') ? openSqlite(url, options) : await openPostgres(url, options);
  if (options.migrate ?? true) {
    try {
      await migrateToLatest(hub.db);
    } catch (err) {
      await hub.close();
      throw err;
    }
  }
  return hub;
}

function openSqlite(url: string, options: OpenDbOptions): HubDb {
  const path = url.slice('sqlite:'.length);
  const file = path === ':memory:' || isAbsolute(path) ? path : resolve(options.home ?? '.', path);
  let database: SQLite.Database;
  try {
    // The hub database holds wrapped keys and the audit log: readable by its owner only.
    if (file !== ':memory:') {
      closeSync(openSync(file, 'a', 0o600));
    }
    database = new SQLite(file);
  } catch (err) {
    throw DbErrors.DB_UNAVAILABLE(`cannot open SQLite database ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  registerDirectReader(db, {
    get inTransaction() {
      return database.inTransaction;
    },
    prepare: (text) => database.prepare(text),
  });
  return { db, dialect: 'sqlite', displayUrl: `sqlite:${file}`, close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, which costs more than running it (about 3× for a primary-key
 * lookup). Queries come from a fixed set of builders, so their SQL text repeats: keep the prepared
 * statements. A statement still iterating (a streamed select) is busy and is not handed out again.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached !== undefined && !cached.busy) {
        return cached;
      }
      const statement = database.prepare(text);
      if (cache.size >= STATEMENT_CACHE_SIZE) {
        cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

async function openPostgres(url: string, options: OpenDbOptions): Promise<HubDb> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser: pgTypeParser as typeof pg.types.getTypeParser },
  });
  pool.on('error', () => {
    // An idle client lost its server; the next query reconnects or reports DB_UNAVAILABLE.
  });
  const displayUrl = redactUrl(url);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw DbErrors.DB_UNAVAILABLE(`cannot connect to ${displayUrl}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', displayUrl, close: () => db.destroy() };
}

// Sizes and counts are bigint in the schema; they fit a double (< 2^53) for any real hub.
function pgTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === INT8_OID || oid === NUMERIC_OID) {
    return (v: string) => Number(v);
  }
  const builtin = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
  return builtin(oid, format);
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) {
      u.password = '***';
    }
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };

export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'hdh_schema_migrations',
    migrationLockTableName: 'hdh_schema_migrations_lock',
    // Concepts add their migrations independently; each touches only its own tables, so one that
    // sorts before an already-applied one may still run.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw DbErrors.DB_MIGRATION_FAILED(
      `schema migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Runs `fn` in a transaction that no other writer of the same `lock` runs beside, across processes:
 * `BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL. Used where a row
 * depends on the row written before it (the audit chain).
 */
export async function serializedTransaction<T>(
  hub: Pick<HubDb, 'db' | 'dialect'>,
  lock: string,
  fn: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (hub.dialect === 'postgres') {
    return hub.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(trx);
      return fn(trx);
    });
  }
  // better-sqlite3 runs one statement at a time per connection; BEGIN IMMEDIATE takes the write lock
  // up front so a second process waits (busy_timeout) instead of failing on upgrade.
  return hub.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
  });
}

/** Current time as the ISO 8601 text both dialects store. */
export function nowIso(): string {
  return new Date().toISOString();
}
