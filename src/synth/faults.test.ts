import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, FAULT_TARGETS, type FaultEntry, type FaultKind } from './faults.js';
import { generatePopulation, type SynthSummary } from './generate.js';
import { populationPatients, populationResources } from './population.js';
import { cleanProblem, faultMismatch, r4ResourceTypes } from './testing.js';

const r4 = r4ResourceTypes();

describe('faults written as NDJSON', () => {
  let dir: string;
  let summary: SynthSummary;
  let manifest: { rate: number; kinds: FaultKind[]; faults: FaultEntry[] };
  const files = new Map<string, string[]>();
  const ids = new Set<string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hdh-synth-faults-'));
    summary = await generatePopulation({ patients: 500, seed: 'faulty', outDir: dir, faults: 0.02 });
    manifest = JSON.parse(await readFile(join(dir, 'faults.json'), 'utf8')) as typeof manifest;
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.ndjson')) {
        continue;
      }
      const lines = (await readFile(join(dir, name), 'utf8')).split('\n');
      expect(lines.pop()).toBe('');
      files.set(name, lines);
    }
    // Ids of the well-formed records: what a reference may point to.
    const listed = new Set(manifest.faults.map((f) => `${f.file}:${f.line}`));
    for (const [name, lines] of files) {
      lines.forEach((line, i) => {
        if (listed.has(`${name}:${i + 1}`)) {
          return;
        }
        const r = JSON.parse(line) as { resourceType: string; id: string };
        ids.add(`${r.resourceType}/${r.id}`);
      });
    }
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every injected fault, each kind about as often as asked', () => {
    expect(manifest.faults).toHaveLength(summary.faults.total);
    expect(manifest.kinds).toEqual([...FAULT_KINDS]);
    for (const kind of FAULT_KINDS) {
      const n = manifest.faults.filter((f) => f.kind === kind).length;
      expect(n, kind).toBe(summary.faults.byKind[kind]);
      expect(n, kind).toBeGreaterThan(0);
      // About `rate` of the records the kind applies to (broad band: small populations vary).
      const eligible = FAULT_TARGETS[kind].reduce((sum, t) => sum + summary.resources[t], 0);
      expect(n / eligible, kind).toBeGreaterThan(0.02 / 3);
      expect(n / eligible, kind).toBeLessThan(0.02 * 3);
    }
  });

  it('breaks each listed record exactly as its entry says', () => {
    const mismatches: string[] = [];
    for (const entry of manifest.faults) {
      const text = files.get(entry.file)?.[entry.line - 1];
      const why = text === undefined ? 'no such line' : faultMismatch(text, entry, ids, r4);
      if (why !== undefined) {
        mismatches.push(`${entry.file}:${entry.line} ${entry.kind}: ${why}`);
      }
      expect(FAULT_TARGETS[entry.kind]).toContain(entry.resourceType);
      expect(entry.file).toBe(`${entry.resourceType}.ndjson`);
    }
    expect(mismatches).toEqual([]);
  });

  it('leaves every other record well-formed, with resolvable references', () => {
    const listed = new Set(manifest.faults.map((f) => `${f.file}:${f.line}`));
    const problems: string[] = [];
    let clean = 0;
    for (const [name, lines] of files) {
      const type = name.replace('.ndjson', '');
      lines.forEach((line, i) => {
        if (listed.has(`${name}:${i + 1}`)) {
          return;
        }
        clean++;
        const why = cleanProblem(line, type, ids);
        if (why !== undefined) {
          problems.push(`${name}:${i + 1} ${why}`);
        }
      });
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(clean).toBe(Object.values(summary.resources).reduce((a, b) => a + b, 0));
  });

  it('does not change the well-formed records: they are the output of a run without faults', async () => {
    const clean: string[] = [];
    for await (const r of populationResources({ patients: 500, seed: 'faulty' })) {
      clean.push(JSON.stringify(r.resource));
    }
    const withFaults: string[] = [];
    for await (const r of populationResources({ patients: 500, seed: 'faulty', faults: 0.02 })) {
      if (r.fault === undefined) {
        withFaults.push(JSON.stringify(r.resource));
      } else {
        expect(r.fault.text.length).toBeGreaterThan(0);
      }
    }
    expect(withFaults).toEqual(clean);
  });
});

describe('fault selection', () => {
  it('injects only the kinds asked for', async () => {
    const kinds = new Set<string>();
    for await (const r of populationResources({
      patients: 200,
      seed: 'k',
      faults: 0.1,
      faultKinds: ['invalid-nir-key', 'invalid-loinc'],
    })) {
      if (r.fault !== undefined) {
        kinds.add(r.fault.kind);
      }
    }
    expect([...kinds].sort()).toEqual(['invalid-loinc', 'invalid-nir-key']);
  });

  it('records the identity of injected Patients with the broken NIR', async () => {
    let seen = 0;
    for await (const p of populationPatients({
      patients: 100,
      seed: 'ids',
      faults: 0.2,
      faultKinds: ['invalid-nir-key', 'invalid-ins'],
    })) {
      for (const f of p.faultIdentities) {
        seen++;
        const injected = p.records.find((r) => r.fault?.id === f.patientId);
        expect(injected?.fault?.kind).toBe(f.fault);
        expect(f.nir).not.toBe(p.identity.nir);
        // Derived from the patient's own NIR: only the sex digit, an order digit or the key differ.
        expect(f.nir.slice(1, 10)).toBe(p.identity.nir.slice(1, 10));
      }
    }
    expect(seen).toBeGreaterThan(10);
  });
});
