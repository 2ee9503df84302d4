/**
 * Questions asked of finished Parquet tables (after an ingest, before they are sealed): how many
 * distinct values a column holds across several parts. DuckDB is locked down as for the writer: no
 * extensions, file access limited to the folders of the files read, configuration locked.
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { IngestErrors } from './errors.js';

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Distinct non-null values of `column` over the union of `files` (0 when there are none).
 * `scratch` is a folder DuckDB may spill into (default: a temporary folder beside the first file).
 *
 * @example
 * ```ts
 * const persons = await countDistinct(['v1/person_ref.parquet', 'v2/person_ref.parquet'], 'person_id');
 * ```
 */
export async function countDistinct(files: readonly string[], column: string): Promise<number> {
  if (files.length === 0) {
    return 0;
  }
  const paths = files.map((f) => resolve(f));
  const scratch = await mkdtemp(join(dirname(paths[0]!), '.stats-'));
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    allow_community_extensions: 'false',
    extension_directory: scratch,
    temp_directory: scratch,
    memory_limit: '256MB',
    threads: '2',
  });
  const conn = await instance.connect();
  try {
    const dirs = [...new Set([scratch, ...paths.map((p) => dirname(p))])];
    await conn.run(`SET allowed_directories = [${dirs.map(sqlString).join(', ')}]`);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    const reader = await conn.runAndReadAll(
      `SELECT count(DISTINCT ${sqlIdent(column)}) AS n FROM read_parquet([${paths.map(sqlString).join(', ')}])`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } catch (err) {
    throw IngestErrors.INGEST_WRITE_FAILED(
      `counting ${column} in ${files.length} Parquet file(s) failed: ${(err as Error).message.split('\n')[0]}`,
      { cause: err },
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}
