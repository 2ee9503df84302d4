/**
 * Test databases on both dialects: every db test runs once per entry of {@link testDialects}.
 * PostgreSQL tests each get a fresh database, dropped afterwards.
 * @module
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type HubDb, type DialectName } from './connection.js';

export const TEST_POSTGRES_URL =
  process.env['HDH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb extends HubDb {
  /** URL another process can open the same database with. */
  readonly url: string;
}

export interface TestDialect {
  readonly name: DialectName;
  readonly open: () => Promise<TestDb>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh, empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hdh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export const sqliteDialect: TestDialect = {
  name: 'sqlite',
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdh-db-'));
    const url = `sqlite:${join(dir, 'hub.db')}`;
    const hub = await openDb(url);
    return { ...hub, url };
  },
};

export const postgresDialect: TestDialect = {
  name: 'postgres',
  open: async () => {
    const { url, drop } = await createPostgresDatabase();
    const hub = await openDb(url, { poolSize: 4 });
    return {
      ...hub,
      url,
      close: async () => {
        await hub.close();
        await drop();
      },
    };
  },
};

/**
 * The dialects to run db tests on: SQLite always; PostgreSQL when it answers (required under
 * HDH_TEST_REQUIRE_SERVICES=1, else skipped with one line).
 */
export async function testDialects(): Promise<TestDialect[]> {
  const { serviceAvailable } = await import('../../test/support/services.js');
  const pgOk = await serviceAvailable(`PostgreSQL at ${TEST_POSTGRES_URL}`, postgresReachable);
  return pgOk ? [sqliteDialect, postgresDialect] : [sqliteDialect];
}
