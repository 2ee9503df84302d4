import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { populationResources } from '../synth/index.js';
import { codeSystemRules } from './code-systems.js';
import { FhirDeidentifier, type DeidContext } from './deidentify.js';
import { PseudonymKeys } from './keys.js';
import { OmopMapper } from './omop-mapping.js';
import { defaultProfile, parseProfile } from './profile.js';
import { localHmac } from './testing/harness.js';
import { IN_DEPTH_TYPES } from './validate.js';

const mapper = new OmopMapper(codeSystemRules());
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const SNOMED = 'http://snomed.info/sct';

/** The code and vocabulary columns of a Condition's row. */
function conditionCode(coding: unknown): unknown[] {
  const rows = mapper.rows({ resourceType: 'Condition', id: 'c', code: { coding } }, 'p');
  return rows![0]!.cells.slice(3, 5);
}

describe('OMOP rows: the preferred coding of a CodeableConcept', () => {
  it('takes the coding of the most preferred vocabulary, wherever it stands', () => {
    expect(
      conditionCode([
        { system: SNOMED, code: '22298006' },
        { system: ICD10, code: 'I21.9' },
      ]),
    ).toEqual(['I21.9', 'ICD10']);
  });

  it('takes the first coding with a code when no vocabulary is preferred', () => {
    expect(
      conditionCode([{ system: 'urn:x', display: 'no code' }, { system: 'urn:y', code: 'b' }, { code: 'c' }]),
    ).toEqual(['b', 'urn:y']);
  });

  it('skips codings that are not objects or have no code', () => {
    expect(conditionCode([null, 'x', { system: ICD10 }, { code: 'z' }])).toEqual(['z', null]);
    expect(conditionCode([{ system: SNOMED }])).toEqual([null, null]);
    expect(conditionCode('not an array')).toEqual([null, null]);
  });
});

let loaded: Promise<Record<string, unknown>[]> | undefined;
const corpus = (): Promise<Record<string, unknown>[]> => (loaded ??= load());

/** Every resource of the official HL7 R4 examples (Bundles unpacked), and a synthetic population. */
async function load(): Promise<Record<string, unknown>[]> {
  const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
  const out: Record<string, unknown>[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json') || file === 'package.json') {
      continue;
    }
    const doc = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
    const entries =
      doc['resourceType'] === 'Bundle'
        ? ((doc['entry'] as unknown[] | undefined) ?? [])
        : [{ resource: doc }];
    for (const e of entries) {
      const r = (e as { resource?: unknown }).resource;
      if (
        typeof r === 'object' &&
        r !== null &&
        typeof (r as Record<string, unknown>)['resourceType'] === 'string'
      ) {
        out.push(r as Record<string, unknown>);
      }
    }
  }
  for await (const rec of populationResources({ patients: 40, seed: 'omop-reads', faults: 0.05 })) {
    if (rec.resource !== undefined) {
      out.push(rec.resource as Record<string, unknown>);
    }
  }
  return out;
}

describe('OMOP rows: the keys they are read from', () => {
  it('reads no top-level key of a resource beyond those reads() names', async () => {
    let mapped = 0;
    for (const r of await corpus()) {
      const type = r['resourceType'] as string;
      const reads = mapper.reads(type);
      if (!IN_DEPTH_TYPES.has(type)) {
        expect(reads, type).toBeUndefined();
        continue;
      }
      expect(reads, type).toBeDefined();
      const seen = new Set<string>();
      let enumerated = false;
      const watched = new Proxy(r, {
        get(target, key, receiver) {
          if (typeof key === 'string') {
            seen.add(key);
          }
          return Reflect.get(target, key, receiver) as unknown;
        },
        ownKeys(target) {
          enumerated = true;
          return Reflect.ownKeys(target);
        },
      });
      mapper.rows(watched, 'p');
      for (const key of seen) {
        if (key !== 'resourceType') {
          expect(reads!.has(key), `${type} reads ${key}`).toBe(true);
        }
      }
      // The one enumeration (Observation) looks for choice elements value[x]: all of them must be in.
      if (enumerated) {
        expect(
          reads!.has('valueQuantity') && reads!.has('valueAnythingElse'),
          `${type} enumerates its keys`,
        ).toBe(true);
      }
      mapped++;
    }
    expect(mapped).toBeGreaterThan(1_000);
  }, 120_000);

  it('gives the same rows from the pseudonymised resource built with only those keys', async () => {
    const keys = await PseudonymKeys.create(localHmac('omop-reads'), 'pseudonym');
    // The default profile, and one whose rules keep whole resources (the walk's other branches).
    const whole = parseProfile(
      {
        name: 'whole',
        version: '1',
        parameters: { dateShiftMaxDays: 30 },
        rules: [
          { path: 'Observation.effective', method: 'dateShift' },
          { path: 'Observation | Condition', method: 'keep' },
          { path: 'Encounter | Patient | Procedure', method: 'keep' },
        ],
      },
      'whole.yaml',
    );
    const deids = [new FhirDeidentifier(await defaultProfile()), new FhirDeidentifier(whole)];
    const ctx = (r: Record<string, unknown>): DeidContext => ({
      keys,
      person: 'person-a',
      outputId: `out-${String(r['id'])}`,
      rewriteReference: (ref) => keys.token('ref', ref),
    });
    let compared = 0;
    for (const r of await corpus()) {
      const type = r['resourceType'] as string;
      const reads = mapper.reads(type);
      if (reads === undefined) {
        continue;
      }
      for (const deid of deids) {
        const full = deid.apply(r, ctx(r));
        const projected = deid.apply(r, ctx(r), reads);
        expect(Object.keys(projected).every((k) => k === 'resourceType' || reads.has(k))).toBe(true);
        expect(mapper.rows(projected, 'person-a'), type).toEqual(mapper.rows(full, 'person-a'));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2_000);
  }, 120_000);
});
