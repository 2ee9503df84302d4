import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { readInventory } from './inventory.js';
import type { SourceEntry } from './source-entry.js';

const HEADER =
  'Name,Creation-Time,Last-Modified,Etag,Content-Length,Content-MD5,BlobType,AccessTier,Deleted,IsCurrentVersion';
const ROWS = [
  'cohort/a.csv,2024-01-01T00:00:00.0000000Z,2024-01-02T03:04:05.0000000Z,0x8DC1,11,XrY7u+Ae7tCTyyK7j1rNww==,BlockBlob,Hot,false,true',
  '"cohort/b, with comma.csv",2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,"0x8DC2",0,,BlockBlob,Cool,false,true',
  'cohort/old.csv,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,0x8DC3,5,,BlockBlob,Archive,false,true',
  'cohort/gone.csv,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,0x8DC4,5,,BlockBlob,Hot,true,true',
  'cohort/v1.csv,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,0x8DC5,5,,BlockBlob,Hot,false,false',
  'other/c.csv,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z,0x8DC6,7,,BlockBlob,Hot,false,true',
];

async function collect(file: string, prefix = ''): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  for await (const e of readInventory(file, { prefix })) {
    out.push(e);
  }
  return out;
}

function expectEntries(entries: SourceEntry[]): void {
  expect(entries.map((e) => e.key)).toEqual(['cohort/a.csv', 'cohort/b, with comma.csv', 'cohort/old.csv']);
  expect(entries[0]).toMatchObject({
    size: 11,
    etag: '0x8dc1',
    md5: '5eb63bbbe01eeed093cb22bb8f5acdc3',
    archived: false,
  });
  expect(entries[0]!.lastModified.toISOString()).toBe('2024-01-02T03:04:05.000Z');
  expect(entries[1]).toMatchObject({ size: 0, md5: null, etag: '0x8dc2' });
  expect(entries[2]!.archived).toBe(true);
}

describe('Azure Blob Inventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hdh-inv-'));

  it('reads a CSV export: current blobs under the prefix, MD5 as hex, archive tier flagged', async () => {
    const file = join(dir, 'inv.csv');
    writeFileSync(file, [HEADER, ...ROWS].join('\n') + '\n');
    expectEntries(await collect(file, 'cohort/'));
  });

  it('reads the same export as Parquet', async () => {
    const csv = join(dir, 'src.csv');
    writeFileSync(csv, [HEADER, ...ROWS].join('\n') + '\n');
    const parquet = join(dir, 'inv.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    await conn.run(
      `copy (select * from read_csv('${csv}', header = true, all_varchar = true)) to '${parquet}' (format parquet)`,
    );
    conn.closeSync();
    inst.closeSync();
    expectEntries(await collect(parquet, 'cohort/'));
  });

  it('names the file and line of a bad row', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, `${HEADER}\n${ROWS[0]}\ncohort/x,,,,-3,,,,,\n`);
    const err: unknown = await collect(file).catch((e: unknown) => e);
    expect(isHdhError(err, 'MIGRATION_INVENTORY_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/bad\.csv, line 3/);
  });

  it('refuses a file without the required columns', async () => {
    const file = join(dir, 'cols.csv');
    writeFileSync(file, 'Key,Size\na,1\n');
    const err: unknown = await collect(file).catch((e: unknown) => e);
    expect(isHdhError(err, 'MIGRATION_INVENTORY_INVALID')).toBe(true);
  });
});
