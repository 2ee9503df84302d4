import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { expandInputs } from './input-files.js';

let work: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  work = await tempDir('inputs');
});

afterAll(async () => {
  await work.remove();
});

const manifest = (output: { type: string; url: string }[]): string =>
  JSON.stringify({ transactionTime: '2025-01-01T00:00:00Z', request: 'x/$export', output, error: [] });

describe('expandInputs', () => {
  it('reads every file of a known kind in a folder, sidecars and other kinds left out', async () => {
    const dir = join(work.dir, 'plain');
    await mkdir(join(dir, 'sub'), { recursive: true });
    for (const name of ['b.ndjson', 'a.json', 'sub/c.csv', 'c.schema.yaml', 'notes.txt']) {
      await writeFile(join(dir, name), '');
    }
    const files = await expandInputs([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['a.json', 'b.ndjson', 'sub/c.csv']);
  });

  it('reads exactly the output files of a Bulk Data manifest, in its order', async () => {
    const dir = join(work.dir, 'bulk');
    await mkdir(dir, { recursive: true });
    for (const name of ['Patient.ndjson', 'Observation.ndjson', 'faults.json', 'identities.ndjson']) {
      await writeFile(join(dir, name), '');
    }
    await writeFile(
      join(dir, 'manifest.json'),
      manifest([
        { type: 'Patient', url: 'https://fhir.example.org/bulk/Patient.ndjson' },
        { type: 'Observation', url: 'Observation.ndjson' },
      ]),
    );
    const files = await expandInputs([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['Patient.ndjson', 'Observation.ndjson']);
  });

  it('names a listed file that is missing', async () => {
    const dir = join(work.dir, 'partial');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), manifest([{ type: 'Patient', url: 'Patient.ndjson' }]));
    await expect(expandInputs([dir])).rejects.toMatchObject({
      code: 'INGEST_INPUT_NOT_FOUND',
      message: expect.stringContaining('Patient.ndjson') as string,
    });
  });

  it('treats a manifest.json that is not a Bulk Data manifest as data', async () => {
    const dir = join(work.dir, 'other');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), '{"resourceType":"Basic"}');
    const files = await expandInputs([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['manifest.json']);
  });
});
