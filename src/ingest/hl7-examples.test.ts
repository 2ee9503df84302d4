import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest, type IngestResult, type QuarantineRecord } from './pipeline.js';
import { defaultProfile } from './profile.js';
import { localHmac, readParquetRows, tempDir } from './testing/harness.js';
import { IN_DEPTH_TYPES } from './validate.js';

// The official HL7 FHIR R4 example set: ~5,300 files, single resources and Bundles of up to 35 MB.
const examples = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));

let work: { dir: string; remove: () => Promise<void> };
let result: IngestResult;
const quarantined: QuarantineRecord[] = [];

beforeAll(async () => {
  work = await tempDir('hl7');
  result = await runIngest({
    inputs: [examples],
    workDir: join(work.dir, 'out'),
    profile: await defaultProfile(),
    hmac: localHmac('hl7'),
    keyId: 'k',
    onQuarantine: async (r) => {
      quarantined.push({ ...r, content: new Uint8Array(0) });
      return Promise.resolve();
    },
  });
}, 600_000);

afterAll(async () => {
  await work.remove();
});

describe('the official HL7 FHIR R4 examples', () => {
  it('go through, and the counts add up per resource type', () => {
    const { summary } = result;
    expect(summary.read).toBeGreaterThan(18_000);
    expect(summary.read).toBe(summary.accepted + summary.quarantined);
    let read = 0;
    for (const [type, c] of Object.entries(summary.byType)) {
      expect(c.read, type).toBe(c.accepted + c.quarantined);
      read += c.read;
    }
    expect(read).toBe(summary.read);
    expect(quarantined).toHaveLength(summary.quarantined);
  });

  it('are mostly accepted, each quarantined one with a reason', () => {
    const { summary } = result;
    expect(summary.accepted / summary.read).toBeGreaterThan(0.99);
    for (const type of IN_DEPTH_TYPES) {
      expect(summary.byType[type]?.accepted ?? 0, type).toBeGreaterThan(0);
    }
    for (const r of quarantined) {
      expect(r.message.length, r.code).toBeGreaterThan(10);
    }
  });

  it('fill the analytic tables and keep every other accepted resource in fhir_other', async () => {
    const rows = (name: string): number => result.tables.find((t) => t.name === name)!.rows;
    const { byType } = result.summary;
    expect(rows('person')).toBeGreaterThan(0);
    expect(rows('measurement')).toBeGreaterThan(0);
    expect(rows('condition_occurrence')).toBe(byType['Condition']!.accepted);
    const other = Object.entries(byType)
      .filter(([type]) => !IN_DEPTH_TYPES.has(type))
      .reduce((sum, [, c]) => sum + c.accepted, 0);
    const [{ n }] = (await readParquetRows(
      result.tables.find((t) => t.name === 'fhir_other')!.file,
      `SELECT count(*) AS n FROM t WHERE resource_type NOT IN (${[...IN_DEPTH_TYPES].map((t) => `'${t}'`).join(', ')})`,
    )) as [{ n: string }];
    expect(Number(n)).toBe(other);
  });
});
