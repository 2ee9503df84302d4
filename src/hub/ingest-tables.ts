/**
 * The analytic tables of a dataset in the hub. Each ingest writes its own Parquet file per table (a
 * *part*), sealed into the dataset's store as `pseudonymised-health`; a dataset version lists, per
 * table, every part written up to it. So versions are cumulative without rewriting earlier parts, and
 * an input ingested once is never ingested again.
 * @module
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DatasetVersion, TableInfo, TablePart } from '../catalog/index.js';
import { FileBody } from '../core/index.js';
import { IngestErrors, type IngestTable } from '../ingest/index.js';
import type { Hub } from './hub.js';

export const PSEUDONYMISED_CLASS = 'pseudonymised-health';

/** Where an ingest's parts go in the store. */
export function partKey(dataset: string, ingestId: string, table: string): string {
  return `datasets/${dataset}/ingests/${ingestId}/${table}.parquet`;
}

/** A part sealed by this ingest, before it has a version number. */
export interface SealedPart {
  readonly table: IngestTable;
  readonly objectKey: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The parts of a table in a version (a version from before parts existed has one implicit part). */
export function partsOf(table: TableInfo, version: number): TablePart[] {
  if (table.parts !== undefined) {
    return [...table.parts];
  }
  return [
    { objectKey: table.objectKey, rows: table.rows, bytes: table.bytes, sha256: '', ingestId: '', version },
  ];
}

/**
 * Refuses tables whose columns differ from the same table in the dataset's current version: the
 * parts of a table must share one schema to be read as one.
 */
export function assertSameColumns(tables: readonly IngestTable[], current: DatasetVersion | undefined): void {
  for (const t of tables) {
    const before = current?.tables.find((p) => p.name === t.name);
    if (before === undefined || t.rows === 0) {
      continue;
    }
    const now = t.columns.map((c) => `${c.name}:${c.type}`).join(',');
    const then = before.columns.map((c) => `${c.name}:${c.type}`).join(',');
    if (now !== then) {
      throw IngestErrors.INGEST_SCHEMA_INVALID(
        `table ${t.name} of dataset ${current!.dataset} has the columns (${then}); this ingest produces (${now}): ` +
          'give the CSV schema another name, or ingest into another dataset',
      );
    }
  }
}

/** Seals every non-empty table of an ingest into the store; records each key in `written` as it goes. */
export async function sealTables(
  hub: Hub,
  tables: readonly IngestTable[],
  target: { dataset: string; store: string; ingestId: string; actor: string; signal?: AbortSignal },
  written: string[],
): Promise<SealedPart[]> {
  const out: SealedPart[] = [];
  for (const table of tables) {
    if (table.rows === 0) {
      continue;
    }
    const key = partKey(target.dataset, target.ingestId, table.name);
    const record = await hub.stores.put({
      store: target.store,
      key,
      body: new FileBody(table.file),
      size: (await stat(table.file)).size,
      dataset: target.dataset,
      dataClass: PSEUDONYMISED_CLASS,
      actor: target.actor,
      details: { ingest: target.ingestId, table: table.name, rows: table.rows },
      ...(target.signal ? { signal: target.signal } : {}),
    });
    written.push(key);
    out.push({ table, objectKey: key, bytes: record.plainSize, sha256: record.plainSha256 });
  }
  return out;
}

/** The tables of the next version: the current version's parts plus this ingest's. */
export function nextTables(
  current: DatasetVersion | undefined,
  parts: readonly SealedPart[],
  store: string,
  ingestId: string,
  version: number,
): TableInfo[] {
  const byName = new Map<string, TableInfo>();
  for (const t of current?.tables ?? []) {
    byName.set(t.name, { ...t, parts: partsOf(t, current!.version) });
  }
  for (const p of parts) {
    const part: TablePart = {
      objectKey: p.objectKey,
      rows: p.table.rows,
      bytes: p.bytes,
      sha256: p.sha256,
      ingestId,
      version,
    };
    const before = byName.get(p.table.name);
    const all = [...(before?.parts ?? []), part];
    byName.set(p.table.name, {
      name: p.table.name,
      description: p.table.description,
      columns: p.table.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
      store,
      objectKey: p.objectKey,
      rows: all.reduce((n, x) => n + x.rows, 0),
      bytes: all.reduce((n, x) => n + x.bytes, 0),
      parts: all,
    });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Opens the parts of one table of a version into plaintext Parquet files in `dir` (for the person
 * references of earlier ingests). Returns their paths.
 */
export async function openParts(
  hub: Hub,
  store: string,
  version: DatasetVersion | undefined,
  table: string,
  dir: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const info = version?.tables.find((t) => t.name === table);
  if (info === undefined) {
    return [];
  }
  const files: string[] = [];
  for (const [i, part] of partsOf(info, version!.version).entries()) {
    const file = join(dir, `${table}-${i}.parquet`);
    const body = await hub.stores.get(store, part.objectKey, signal ? { signal } : {});
    await pipeline(body, createWriteStream(file, { mode: 0o600 }));
    files.push(file);
  }
  return files;
}
