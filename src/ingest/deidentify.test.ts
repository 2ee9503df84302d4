import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FhirDeidentifier, type DeidContext } from './deidentify.js';
import { PseudonymKeys } from './keys.js';
import { defaultProfile, parseProfile, type ProfileRule } from './profile.js';
import { compileSelector } from './selectors.js';
import { localHmac } from './testing/harness.js';

let keys: PseudonymKeys;
beforeAll(async () => {
  keys = await PseudonymKeys.create(localHmac('deid-test'), 'pseudonym');
});

function deid(rules: Partial<ProfileRule>[], dateShiftMaxDays = 30): FhirDeidentifier {
  return new FhirDeidentifier(
    parseProfile({ name: 't', version: '1', parameters: { dateShiftMaxDays }, rules }, 'test'),
  );
}

function ctx(person = 'person-a'): DeidContext {
  return { keys, person, outputId: 'OUT', rewriteReference: (r) => `R(${r})` };
}

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  text: { status: 'generated', div: '<div>Jeanne Martin</div>' },
  identifier: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: '260058815400233' }],
  name: [{ family: 'Martin', given: ['Jeanne'], text: 'Jeanne Martin' }],
  gender: 'female',
  birthDate: '1960-05-14',
  address: [{ line: ['1 rue X'], city: 'Lyon', postalCode: '69003' }],
  maritalStatus: { text: 'married' },
  managingOrganization: { reference: 'Organization/o1', display: 'CHU' },
};

describe('applying a profile to a resource', () => {
  it('leaves out whatever no rule names (allow-list)', () => {
    const out = deid([{ path: 'Patient.gender', method: 'keep' }]).apply(patient, ctx());
    expect(out).toEqual({ resourceType: 'Patient', gender: 'female' });
  });

  it('lets the first rule reaching a node win, over its whole subtree', () => {
    const keepThenRedact = deid([
      { path: 'Patient.name.family', method: 'keep' },
      { path: 'Patient.name', method: 'redact' },
    ]).apply(patient, ctx());
    expect(keepThenRedact).toEqual({ resourceType: 'Patient', name: [{ family: 'Martin' }] });
    const redactThenKeep = deid([
      { path: 'Patient.name.text', method: 'redact' },
      { path: 'Patient.name', method: 'keep' },
      { path: 'Patient.name.family', method: 'substitute', params: { value: 'X' } },
    ]).apply(patient, ctx());
    expect(redactThenKeep).toEqual({
      resourceType: 'Patient',
      name: [{ family: 'Martin', given: ['Jeanne'] }],
    });
  });

  it('never keeps a resource id or a reference verbatim', () => {
    const out = deid([{ path: 'Patient', method: 'keep' }]).apply(patient, ctx());
    expect(out['id']).toBe('OUT');
    expect(out['managingOrganization']).toEqual({ reference: 'R(Organization/o1)', display: 'CHU' });
    expect(out['name']).toBe(patient.name);
  });

  it('replaces the NIR by the person pseudonym and coarsens what it is told to', () => {
    const out = deid([
      { path: 'Resource.id', method: 'pseudonym' },
      {
        path: "Patient.identifier.where(system='urn:oid:1.2.250.1.213.1.4.8').value",
        method: 'pseudonym',
        params: { of: 'person' },
      },
      { path: 'Patient.birthDate', method: 'generalize', params: { to: 'year-month' } },
      { path: 'Patient.address.postalCode', method: 'generalize', params: { to: 'departement' } },
    ]).apply(patient, ctx('PERSON'));
    expect(out).toEqual({
      resourceType: 'Patient',
      id: 'OUT',
      identifier: [{ value: 'PERSON' }],
      birthDate: '1960-05',
      address: [{ postalCode: '69' }],
    });
  });

  it('shifts all dates of a person by one offset, and another person by another', () => {
    const d = deid([{ path: 'effective | issued', method: 'dateShift' }], 60);
    const obs = {
      resourceType: 'Observation',
      effectiveDateTime: '2020-01-10T08:00:00Z',
      issued: '2020-01-12T08:00:00Z',
    };
    const a = d.apply(obs, ctx('a'));
    const offset =
      (Date.parse(a['effectiveDateTime'] as string) - Date.parse(obs.effectiveDateTime)) / 86_400_000;
    expect(offset).not.toBe(0);
    expect(Math.abs(offset)).toBeLessThanOrEqual(60);
    expect(
      (Date.parse(a['issued'] as string) - Date.parse(a['effectiveDateTime'] as string)) / 86_400_000,
    ).toBe(2);
    const offsets = new Set(
      ['a', 'b', 'c', 'd', 'e', 'f'].map(
        (p) =>
          (Date.parse(d.apply(obs, ctx(p))['effectiveDateTime'] as string) -
            Date.parse(obs.effectiveDateTime)) /
          86_400_000,
      ),
    );
    expect(offsets.size).toBeGreaterThan(1);
  });

  it('perturbs numbers deterministically per person and path, within the span', () => {
    const d = deid([
      { path: 'Observation.valueQuantity.value', method: 'perturb', params: { span: 0.2, roundTo: 1 } },
    ]);
    const obs = { resourceType: 'Observation', valueQuantity: { value: 80.0, unit: 'kg' } };
    const value = (p: string): number => (d.apply(obs, ctx(p))['valueQuantity'] as { value: number }).value;
    expect(value('a')).toBe(value('a'));
    const values = ['a', 'b', 'c', 'd', 'e'].map(value);
    for (const v of values) {
      expect(Math.abs(v - 80)).toBeLessThanOrEqual(8);
    }
    expect(new Set(values).size).toBeGreaterThan(1);
  });

  it('gives the same result through compiled accessors and through the fhirpath engine', () => {
    const obs = {
      resourceType: 'Observation',
      code: {
        coding: [
          { system: 'http://loinc.org', code: '8480-6', display: 'SBP' },
          { system: 'http://snomed.info/sct', code: '271649006' },
        ],
      },
      component: [{ valueQuantity: { value: 1 } }, { valueString: 'x' }],
    };
    const compiled =
      "Observation.code.coding.where(system='http://loinc.org').code | Observation.component.value";
    const engine =
      "Observation.code.coding.where(system = 'http://loinc.org' and code.exists()).code | Observation.component.value.where(true)";
    expect(compileSelector(compiled).compiled).toBe(true);
    expect(compileSelector(engine).compiled).toBe(false);
    const a = deid([{ path: compiled, method: 'keep' }]).apply(obs, ctx());
    const b = deid([{ path: engine, method: 'keep' }]).apply(obs, ctx());
    expect(a).toEqual(b);
    expect(a).toEqual({
      resourceType: 'Observation',
      code: { coding: [{ code: '8480-6' }] },
      component: [{ valueQuantity: { value: 1 } }, { valueString: 'x' }],
    });
  });

  it('does not modify the resource it reads', () => {
    const copy = structuredClone(patient);
    deid([
      { path: 'Patient', method: 'keep' },
      { path: 'Patient.name', method: 'substitute', params: { value: [] } },
    ]).apply(patient, ctx());
    expect(patient).toEqual(copy);
  });
});

describe('the fast path (one walk over the merged rule tree)', () => {
  it('gives exactly what the claim-by-claim reference gives, on every official HL7 example', async () => {
    const d = new FhirDeidentifier(await defaultProfile());
    const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
    let compared = 0;
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.json') || file === 'package.json') {
        continue;
      }
      const doc = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
      const resources =
        doc['resourceType'] === 'Bundle'
          ? ((doc['entry'] as { resource?: Record<string, unknown> }[] | undefined) ?? []).flatMap((e) =>
              e.resource ? [e.resource] : [],
            )
          : [doc];
      for (const r of resources) {
        if (typeof r['resourceType'] !== 'string') {
          continue;
        }
        expect(d.apply(r, ctx()), file).toEqual(d.applyWithClaims(r, r['resourceType'], ctx()));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(18_000);
  }, 120_000);

  it('agrees with the reference on overlapping rules, where branches and redactions', () => {
    const d = deid([
      {
        path: "Patient.identifier.where(system='urn:oid:1.2.250.1.213.1.4.8').value",
        method: 'pseudonym',
        params: { of: 'person' },
      },
      { path: "Patient.identifier.where(value='260058815400233')", method: 'keep' },
      { path: 'Patient.name.text | Patient.address.city', method: 'redact' },
      { path: 'Patient.name | Patient.address', method: 'keep' },
      { path: 'Patient.name.family', method: 'substitute', params: { value: 'X' } },
      { path: 'Patient', method: 'generalize', params: { to: 'year' } },
    ]);
    expect(d.apply(patient, ctx())).toEqual(d.applyWithClaims(patient, 'Patient', ctx()));
    expect(d.apply(patient, ctx())).toMatchObject({
      identifier: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: 'person-a' }],
      name: [{ family: 'Martin', given: ['Jeanne'] }],
      address: [{ line: ['1 rue X'], postalCode: '69003' }],
      birthDate: '1960',
    });
  });
});
