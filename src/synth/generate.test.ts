import type { Bundle, FhirResource, Patient } from 'fhir/r4.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import type { FaultEntry } from './faults.js';
import { BUNDLE_BASE_URL, generatePopulation, type GenerateOptions } from './generate.js';
import { identifyingStrings, type SynthIdentity } from './identity.js';
import { cleanProblem, faultMismatch, r4ResourceTypes, referencesOf } from './testing.js';

let root: string;
let n = 0;
const fresh = (): string => join(root, `run-${++n}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hdh-synth-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

const lines = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(isHdhError(err, code), String(err)).toBe(true);
    return err as Error;
  }
  throw new Error(`expected ${code}`);
}

describe('NDJSON output', () => {
  it('writes one file per resource type and a Bulk Data manifest that match the summary', async () => {
    const dir = fresh();
    const summary = await generatePopulation({ patients: 120, seed: 'layout', outDir: dir });
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([...summary.files.map((f) => f.name), 'manifest.json'].sort());
    for (const f of summary.files) {
      expect(f.name).toBe(`${f.type}.ndjson`);
      const content = await lines(join(dir, f.name));
      expect(content).toHaveLength(f.records);
      expect(f.records).toBe(summary.resources[f.type as keyof typeof summary.resources]);
      expect((await stat(join(dir, f.name))).size).toBe(f.bytes);
      for (const line of content) {
        expect((JSON.parse(line) as FhirResource).resourceType).toBe(f.type);
      }
    }
    expect(summary.resources.Patient).toBe(120);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      output: { type: string; url: string; count: number }[];
    };
    expect(manifest.output).toEqual(
      summary.files.map((f) => ({ type: f.type, url: f.name, count: f.records })),
    );
  });

  it('writes byte-identical files for the same seed, different ones for another', async () => {
    const options = { patients: 150, faults: 0.01, identities: true } as const;
    const a = fresh();
    const b = fresh();
    const c = fresh();
    await generatePopulation({ ...options, seed: 'bytes', outDir: a });
    await generatePopulation({ ...options, seed: 'bytes', outDir: b });
    await generatePopulation({ ...options, seed: 'other bytes', outDir: c });
    const da = await digests(a);
    expect(Object.keys(da)).toContain('faults.json');
    expect(Object.keys(da)).toContain('identities.ndjson');
    expect(await digests(b)).toEqual(da);
    const dc = await digests(c);
    expect(dc['Patient.ndjson']).not.toBe(da['Patient.ndjson']);
  });

  it('writes the identities of every patient, as they appear in the Patient resources', async () => {
    const dir = fresh();
    await generatePopulation({ patients: 80, seed: 'who', outDir: dir, identities: true });
    const patients = (await lines(join(dir, 'Patient.ndjson'))).map((l) => JSON.parse(l) as Patient);
    const identities = (await lines(join(dir, 'identities.ndjson'))).map(
      (l) => JSON.parse(l) as SynthIdentity,
    );
    expect(identities.map((i) => i.patientId)).toEqual(patients.map((p) => p.id));
    identities.forEach((identity, i) => {
      const text = JSON.stringify(patients[i]);
      const strings = identifyingStrings(identity);
      expect(strings).toContain(identity.nir);
      for (const s of strings) {
        expect(text, s).toContain(JSON.stringify(s).slice(1, -1));
      }
      expect(identity.phones).toEqual(
        (patients[i]!.telecom ?? []).filter((t) => t.system === 'phone').map((t) => t.value),
      );
    });
  });
});

describe('Bundle output', () => {
  it('holds the same resources as NDJSON, grouped per patients, with resolvable relative references', async () => {
    const nd = fresh();
    const bu = fresh();
    await generatePopulation({ patients: 130, seed: 'bundles', outDir: nd });
    const summary = await generatePopulation({
      patients: 130,
      seed: 'bundles',
      outDir: bu,
      format: 'bundle',
      patientsPerBundle: 50,
    });
    expect(summary.files.map((f) => f.name)).toEqual([
      'bundle-000001.json',
      'bundle-000002.json',
      'bundle-000003.json',
    ]);
    const fromBundles: string[] = [];
    for (const f of summary.files) {
      const bundle = JSON.parse(await readFile(join(bu, f.name), 'utf8')) as Bundle;
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('collection');
      expect(bundle.entry).toHaveLength(f.records);
      const fullUrls = new Set(bundle.entry!.map((e) => e.fullUrl));
      for (const e of bundle.entry!) {
        expect(e.fullUrl).toBe(`${BUNDLE_BASE_URL}${e.resource!.resourceType}/${e.resource!.id!}`);
        for (const ref of referencesOf(e.resource)) {
          expect(fullUrls.has(BUNDLE_BASE_URL + ref), ref).toBe(true);
        }
        fromBundles.push(JSON.stringify(e.resource));
      }
    }
    const fromNdjson: string[] = [];
    for (const name of await readdir(nd)) {
      if (name.endsWith('.ndjson')) {
        fromNdjson.push(...(await lines(join(nd, name))));
      }
    }
    expect(fromBundles.sort()).toEqual(fromNdjson.sort());
  });

  it('writes transaction Bundles with PUT requests', async () => {
    const dir = fresh();
    const summary = await generatePopulation({
      patients: 5,
      seed: 'tx',
      outDir: dir,
      format: 'bundle',
      bundleType: 'transaction',
    });
    const bundle = JSON.parse(await readFile(join(dir, summary.files[0]!.name), 'utf8')) as Bundle;
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry!) {
      expect(e.request).toEqual({ method: 'PUT', url: `${e.resource!.resourceType}/${e.resource!.id!}` });
    }
  });

  it('lists faults by file, line and entry, never as broken JSON inside a Bundle', async () => {
    const dir = fresh();
    const summary = await generatePopulation({
      patients: 300,
      seed: 'bundle faults',
      outDir: dir,
      format: 'bundle',
      faults: 0.02,
    });
    expect(summary.faults.byKind['invalid-json']).toBe(0);
    const { faults } = JSON.parse(await readFile(join(dir, 'faults.json'), 'utf8')) as {
      faults: FaultEntry[];
    };
    expect(faults).toHaveLength(summary.faults.total);
    const bundles = new Map<string, { text: string[]; bundle: Bundle }>();
    for (const f of summary.files) {
      const text = await readFile(join(dir, f.name), 'utf8');
      bundles.set(f.name, { text: text.split('\n'), bundle: JSON.parse(text) as Bundle });
    }
    const ids = new Set<string>();
    const listed = new Set(faults.map((f) => `${f.file}#${f.entry!}`));
    for (const [name, { bundle }] of bundles) {
      bundle.entry!.forEach((e, i) => {
        if (!listed.has(`${name}#${i}`)) {
          ids.add(`${e.resource!.resourceType}/${e.resource!.id!}`);
        }
      });
    }
    const r4 = r4ResourceTypes();
    const mismatches: string[] = [];
    for (const f of faults) {
      const { text, bundle } = bundles.get(f.file)!;
      expect(f.line).toBe(f.entry! + 2);
      const entry = bundle.entry![f.entry!]!;
      expect(text[f.line - 1]).toContain(`"fullUrl":"${entry.fullUrl!}"`);
      const why = faultMismatch(JSON.stringify(entry.resource), f, ids, r4);
      if (why !== undefined) {
        mismatches.push(`${f.file}#${f.entry!} ${f.kind}: ${why}`);
      }
    }
    expect(mismatches).toEqual([]);
    const problems: string[] = [];
    for (const [name, { bundle }] of bundles) {
      bundle.entry!.forEach((e, i) => {
        if (listed.has(`${name}#${i}`)) {
          return;
        }
        const why = cleanProblem(JSON.stringify(e.resource), 'Bundle', ids);
        if (why !== undefined) {
          problems.push(`${name}#${i} ${why}`);
        }
      });
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe('output directory and options', () => {
  it('refuses a non-empty directory unless asked to overwrite, and then replaces only its own files', async () => {
    const dir = fresh();
    await generatePopulation({
      patients: 20,
      seed: 'o',
      outDir: dir,
      format: 'bundle',
      patientsPerBundle: 5,
    });
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await rejectsWith(generatePopulation({ patients: 5, seed: 'o', outDir: dir }), 'SYNTH_OUTPUT_NOT_EMPTY');
    await generatePopulation({ patients: 5, seed: 'o', outDir: dir, overwrite: true });
    const names = await readdir(dir);
    expect(names).toContain('notes.txt');
    expect(names.some((name) => name.startsWith('bundle-'))).toBe(false);
    expect(names).toContain('Patient.ndjson');
  });

  it('names every bad option', async () => {
    const err = await rejectsWith(
      generatePopulation({
        patients: 10,
        seed: 's',
        outDir: '',
        format: 'xml' as GenerateOptions['format'],
        patientsPerBundle: 0,
        faultKinds: ['no-such-kind' as never],
      }),
      'SYNTH_INVALID_OPTIONS',
    );
    for (const word of ['format', 'outDir', 'patientsPerBundle', 'faultKinds']) {
      expect(err.message).toContain(word);
    }
  });

  it('reports a directory that cannot be created', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await rejectsWith(
      generatePopulation({ patients: 1, seed: 's', outDir: join(file, 'below') }),
      'SYNTH_OUTPUT_FAILED',
    );
  });

  it('stops when the signal fires and reports progress until then', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await rejectsWith(
      generatePopulation({
        patients: 50_000,
        seed: 's',
        outDir: fresh(),
        signal: controller.signal,
        onProgress: ({ done }) => {
          seen.push(done);
          if (done === 2000) {
            controller.abort();
          }
        },
      }),
      'OPERATION_ABORTED',
    );
    expect(seen).toEqual([1000, 2000]);
  });
});
