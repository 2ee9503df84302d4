/**
 * Writes the analytic tables: rows are appended (DuckDB appender) into a staging database file in the
 * work directory — so rows never accumulate in Node's memory and DuckDB spills within its memory
 * limit — then each table is exported with `COPY … TO … (FORMAT parquet, COMPRESSION zstd)`.
 *
 * The DuckDB instance is locked down (research note test-servers §7): extensions neither installed
 * nor autoloaded, extension and temp directories inside the work directory, and — once the staging
 * tables exist — file access limited to the work directory and configuration locked.
 * @module
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { newId } from '../core/index.js';
import { IngestErrors } from './errors.js';
import type { Cell } from './omop-mapping.js';
import type { ColumnSpec, ColumnType, TableSpec } from './tables.js';

/** One table written by an ingest. */
export interface IngestTable {
  readonly name: string;
  /** Absolute path of the Parquet file. */
  readonly file: string;
  readonly rows: number;
  readonly columns: readonly ColumnSpec[];
  readonly description: string;
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * Rows per Parquet row group: DuckDB buffers a whole row group per column while writing, so tables
 * holding whole resources as JSON (which may weigh megabytes each) get small row groups.
 */
function rowGroup(spec: TableSpec): number {
  return spec.columns.some((c) => c.type === 'JSON') ? 256 : 122_880;
}

interface OpenTable {
  readonly spec: TableSpec;
  readonly appender: DuckDBAppender;
  readonly appendCell: ((a: DuckDBAppender, v: Cell) => void)[];
  rows: number;
  sinceFlush: number;
}

function cellWriter(type: ColumnType): (a: DuckDBAppender, v: Cell) => void {
  switch (type) {
    case 'INTEGER':
      return (a, v) => {
        if (typeof v === 'number') a.appendInteger(v);
        else a.appendNull();
      };
    case 'BIGINT':
      return (a, v) => {
        if (typeof v === 'number') a.appendBigInt(BigInt(Math.trunc(v)));
        else a.appendNull();
      };
    case 'DOUBLE':
      return (a, v) => {
        if (typeof v === 'number') a.appendDouble(v);
        else a.appendNull();
      };
    case 'BOOLEAN':
      return (a, v) => {
        if (typeof v === 'boolean') a.appendBoolean(v);
        else a.appendNull();
      };
    case 'VARCHAR':
    case 'JSON':
    case 'DATE':
    case 'TIMESTAMP':
      // DATE and TIMESTAMP are appended as ISO text; DuckDB casts them.
      return (a, v) => {
        if (v === null) a.appendNull();
        else a.appendVarchar(String(v));
      };
  }
}

export interface TableWriterOptions {
  /** DuckDB memory limit (default 256MB): above it the staging data spills to the work directory. */
  readonly memoryLimit?: string;
  /** Rows appended to a table between two appender flushes. */
  readonly flushEvery?: number;
  /** Files outside the work directory DuckDB may read (person_ref tables of earlier ingests). */
  readonly readFiles?: readonly string[];
}

export class TableWriter {
  private readonly tables = new Map<string, OpenTable>();
  private locked = false;

  private constructor(
    private readonly workDir: string,
    private readonly stageFile: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly options: TableWriterOptions,
  ) {}

  static async open(workDir: string, options: TableWriterOptions = {}): Promise<TableWriter> {
    const dir = resolve(workDir);
    const internal = join(dir, '.duckdb');
    const stageFile = join(internal, `stage-${newId()}.duckdb`);
    try {
      await mkdir(join(internal, 'extensions'), { recursive: true });
      await mkdir(join(internal, 'tmp'), { recursive: true });
      const instance = await DuckDBInstance.create(stageFile, {
        extension_directory: join(internal, 'extensions'),
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        allow_community_extensions: 'false',
        temp_directory: join(internal, 'tmp'),
        memory_limit: options.memoryLimit ?? '256MB',
        // Row order means nothing in these tables; not keeping it lets the export stream.
        preserve_insertion_order: 'false',
        threads: '2',
      });
      const conn = await instance.connect();
      return new TableWriter(dir, stageFile, instance, conn, options);
    } catch (err) {
      throw IngestErrors.INGEST_WRITE_FAILED(
        `cannot open the DuckDB staging database in ${internal}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** Creates a staging table and its appender. All tables must be created before the first append. */
  async createTable(spec: TableSpec): Promise<void> {
    if (this.tables.has(spec.name)) return;
    const cols = spec.columns.map((c) => `${sqlIdent(c.name)} ${c.type}`).join(', ');
    try {
      await this.conn.run(`CREATE TABLE ${sqlIdent(spec.name)} (${cols})`);
      const appender = await this.conn.createAppender(spec.name);
      this.tables.set(spec.name, {
        spec,
        appender,
        appendCell: spec.columns.map((c) => cellWriter(c.type)),
        rows: 0,
        sinceFlush: 0,
      });
    } catch (err) {
      throw IngestErrors.INGEST_WRITE_FAILED(
        `cannot create staging table ${spec.name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Reads rows of Parquet files (e.g. earlier person_ref tables) before the lock. */
  async readParquet(file: string, columns: readonly string[]): Promise<string[][]> {
    const reader = await this.conn.runAndReadAll(
      `SELECT ${columns.map(sqlIdent).join(', ')} FROM read_parquet(${sqlString(resolve(file))})`,
    );
    return reader.getRows().map((row) => row.map((v) => String(v)));
  }

  /** Limits DuckDB to the work directory and locks its configuration. */
  async lock(): Promise<void> {
    if (this.locked) return;
    const dirs = [this.workDir, ...(this.options.readFiles ?? []).map((f) => dirname(resolve(f)))];
    await this.conn.run(`SET allowed_directories = [${dirs.map(sqlString).join(', ')}]`);
    await this.conn.run('SET enable_external_access = false');
    await this.conn.run('SET lock_configuration = true');
    this.locked = true;
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  /** Appends one row (cells in the table's column order). */
  append(table: string, cells: readonly Cell[]): void {
    const t = this.tables.get(table);
    if (t === undefined) throw IngestErrors.INGEST_WRITE_FAILED(`no staging table ${table}`);
    const { appender, appendCell } = t;
    for (let i = 0; i < appendCell.length; i++) appendCell[i]!(appender, cells[i] ?? null);
    appender.endRow();
    t.rows++;
    if (++t.sinceFlush >= (this.options.flushEvery ?? 20_000)) {
      appender.flushSync();
      t.sinceFlush = 0;
    }
  }

  /** Flushes every table, exports each to `<workDir>/<name>.parquet`, and removes the staging database. */
  async finish(): Promise<IngestTable[]> {
    const out: IngestTable[] = [];
    try {
      for (const t of this.tables.values()) {
        t.appender.flushSync();
        t.appender.closeSync();
      }
      await this.lock();
      // Checkpointing moves the staged rows from memory to the staging file, so the export has the
      // whole memory limit for its own buffers.
      await this.conn.run('CHECKPOINT');
      for (const t of this.tables.values()) {
        const file = join(this.workDir, `${t.spec.name}.parquet`);
        await this.conn.run(
          `COPY ${sqlIdent(t.spec.name)} TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroup(t.spec)})`,
        );
        out.push({
          name: t.spec.name,
          file,
          rows: t.rows,
          columns: t.spec.columns,
          description: t.spec.description,
        });
      }
    } catch (err) {
      await this.close();
      throw IngestErrors.INGEST_WRITE_FAILED(
        `writing the Parquet tables in ${this.workDir} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    await this.close();
    return out;
  }

  /** Closes DuckDB and removes the staging files (also on failure). */
  async close(): Promise<void> {
    for (const t of this.tables.values()) {
      try {
        t.appender.closeSync();
      } catch {
        // already closed
      }
    }
    this.tables.clear();
    this.conn.closeSync();
    this.instance.closeSync();
    // Each ingest has its own work directory, so DuckDB's whole internal folder can go.
    await rm(dirname(this.stageFile), { recursive: true, force: true });
  }
}
