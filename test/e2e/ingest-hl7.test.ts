/**
 * The official HL7 FHIR R4 example set (npm package hl7.fhir.r4.examples, CC0: ~5,300 files, single
 * resources and Bundles of up to 35 MB) through `hdh ingest`, as an operator would feed it.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readParquetRows } from '../../src/ingest/testing/harness.js';
import { IN_DEPTH_TYPES } from '../../src/ingest/index.js';
import { hdh } from './cli-harness.js';

const examples = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const dir = mkdtempSync(join(tmpdir(), 'hdh-e2e-hl7-'));
const home = join(dir, 'hub');
const run = (...args: string[]): ReturnType<typeof hdh> => hdh(['--home', home, ...args]);

interface Counts {
  read: number;
  accepted: number;
  quarantined: number;
}
interface Summary extends Counts {
  version: number;
  byType: Record<string, Counts>;
  tables: { name: string; rows: number; objectKey: string }[];
}

let summary: Summary;

beforeAll(async () => {
  expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
  const r = await run('ingest', 'hl7-examples', examples, '--json');
  expect(r.code, r.stderr).toBe(0);
  summary = r.json<Summary>();
}, 900_000);

describe('the official HL7 FHIR R4 examples through hdh ingest', () => {
  it('go through, and the counts add up per resource type', () => {
    expect(summary.version).toBe(1);
    expect(summary.read).toBeGreaterThan(18_000);
    expect(summary.read).toBe(summary.accepted + summary.quarantined);
    let read = 0;
    for (const [type, c] of Object.entries(summary.byType)) {
      expect(c.read, type).toBe(c.accepted + c.quarantined);
      read += c.read;
    }
    expect(read).toBe(summary.read);
  });

  it('are mostly accepted, each record set aside registered with a reason', async () => {
    expect(summary.accepted / summary.read).toBeGreaterThan(0.99);
    for (const type of IN_DEPTH_TYPES) {
      expect(summary.byType[type]?.accepted ?? 0, type).toBeGreaterThan(0);
    }
    const ls = await run('quarantine', 'ls', 'hl7-examples', '--limit', '1000', '--json');
    expect(ls.code, ls.stderr).toBe(0);
    const items = ls.json<{ items: { code: string; message: string }[]; more: boolean }>();
    expect(items.more).toBe(false);
    expect(items.items).toHaveLength(summary.quarantined);
    for (const q of items.items) {
      expect(q.message.length, q.code).toBeGreaterThan(10);
    }
  });

  it('fill the analytic tables, and keep every other accepted resource in fhir_other', async () => {
    const rows = (name: string): number => summary.tables.find((t) => t.name === name)?.rows ?? 0;
    expect(rows('person')).toBeGreaterThan(0);
    expect(rows('measurement')).toBeGreaterThan(0);
    expect(rows('condition_occurrence')).toBe(summary.byType['Condition']!.accepted);
    const other = Object.entries(summary.byType)
      .filter(([type]) => !IN_DEPTH_TYPES.has(type))
      .reduce((sum, [, c]) => sum + c.accepted, 0);
    const key = summary.tables.find((t) => t.name === 'fhir_other')!.objectKey;
    mkdirSync(join(dir, 'opened'));
    const file = join(dir, 'opened', 'fhir_other.parquet');
    const get = await run('store', 'get', `local:${key}`, file);
    expect(get.code, get.stderr).toBe(0);
    const [{ n }] = (await readParquetRows(
      file,
      `SELECT count(*) AS n FROM t WHERE resource_type NOT IN (${[...IN_DEPTH_TYPES].map((t) => `'${t}'`).join(', ')})`,
    )) as [{ n: string }];
    expect(Number(n)).toBe(other);
  });
});
