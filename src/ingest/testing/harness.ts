/**
 * Helpers for ingestion tests and the bench: a keyed HMAC standing in for the KeyProvider's (same
 * algorithm, HMAC-SHA256, key material in memory), temporary directories, and reading Parquet back
 * with DuckDB.
 * @module
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { HmacFunction } from '../keys.js';

/**
 * HMAC-SHA256 under a key derived from `secret` and the key name — what a local keyring provider
 * computes. Counts its calls.
 */
export function localHmac(secret: string): HmacFunction & { calls: number } {
  const fn = Object.assign(
    async (keyName: string, data: Uint8Array): Promise<Uint8Array> => {
      fn.calls++;
      const key = createHmac('sha256', secret).update(keyName).digest();
      return Promise.resolve(createHmac('sha256', key).update(data).digest());
    },
    { calls: 0 },
  );
  return fn;
}

/** A fresh temporary directory and its remover. */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `hdh-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Rows of a Parquet file as JSON-friendly objects (BIGINT as text), read with DuckDB. */
export async function readParquetRows(
  file: string,
  sql = 'SELECT * FROM t',
): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJson();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Every text cell (VARCHAR or JSON column) of a Parquet file, with its column name. */
export async function textCells(file: string): Promise<{ column: string; value: string }[]> {
  const schema = await readParquetRows(file, 'DESCRIBE t');
  const textColumns = schema
    .filter((c) => c['column_type'] === 'VARCHAR' || c['column_type'] === 'JSON')
    .map((c) => c['column_name'] as string);
  const out: { column: string; value: string }[] = [];
  if (textColumns.length === 0) {
    return out;
  }
  const rows = await readParquetRows(file, `SELECT ${textColumns.map((c) => `"${c}"`).join(', ')} FROM t`);
  for (const row of rows) {
    for (const column of textColumns) {
      const v = row[column];
      if (typeof v === 'string') {
        out.push({ column, value: v });
      }
    }
  }
  return out;
}
