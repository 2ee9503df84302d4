import { describe, expect, it } from 'vitest';
import { codeSystemRules } from './code-systems.js';
import { validateResource } from './validate.js';

const codes = codeSystemRules();
const subject = { reference: 'Patient/1' };
const obs = (extra: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
  subject,
  ...extra,
});
const first = (value: unknown): [string, string] | undefined => {
  const issue = validateResource(value, codes)[0];
  return issue && [issue.code, issue.path];
};

describe('resource validation', () => {
  it('accepts a well-formed resource of each in-depth type', () => {
    const valid = [
      { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: '1980-02-29' },
      { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject },
      { resourceType: 'Condition', subject, onsetDateTime: '2020-01-01T10:00:00+01:00' },
      obs({ valueQuantity: { value: 120, unit: 'mmHg' } }),
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject,
        medicationReference: { reference: 'Medication/m' },
      },
      {
        resourceType: 'MedicationStatement',
        status: 'active',
        subject,
        medicationCodeableConcept: { text: 'x' },
      },
      { resourceType: 'Procedure', status: 'completed', subject },
      {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { text: 'x' },
        patient: subject,
        occurrenceString: 'last spring',
      },
      {
        resourceType: 'AllergyIntolerance',
        patient: subject,
        reaction: [{ manifestation: [{ text: 'rash' }] }],
      },
      { resourceType: 'DiagnosticReport', status: 'final', code: { text: 'x' } },
    ];
    for (const r of valid) {
      expect(validateResource(r, codes), String(r.resourceType)).toEqual([]);
    }
  });

  it('checks the envelope of every resource, in-depth or not', () => {
    expect(first([])).toEqual(['INGEST_NOT_A_RESOURCE', '(record)']);
    expect(first({ id: 'x' })).toEqual(['INGEST_NOT_A_RESOURCE', '(record)']);
    expect(first({ resourceType: 'Patientt' })).toEqual([
      'INGEST_UNKNOWN_RESOURCE_TYPE',
      'Patientt.resourceType',
    ]);
    expect(first({ resourceType: 'Organization', id: 'a b' })).toEqual(['INGEST_BAD_ID', 'Organization.id']);
    expect(first({ resourceType: 'Organization', id: 'x'.repeat(65) })).toEqual([
      'INGEST_BAD_ID',
      'Organization.id',
    ]);
    // Other types are validated generically only: their elements are not type-checked.
    expect(first({ resourceType: 'Organization', id: 'ok', name: 12 })).toBeUndefined();
  });

  it('names the missing required element, choice elements included', () => {
    expect(first({ resourceType: 'Observation', status: 'final', subject })).toEqual([
      'INGEST_MISSING_ELEMENT',
      'Observation.code',
    ]);
    expect(first({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject })).toEqual([
      'INGEST_MISSING_ELEMENT',
      'MedicationRequest.medication[x]',
    ]);
    expect(first(obs({ component: [{ valueQuantity: { value: 1 } }] }))).toEqual([
      'INGEST_MISSING_ELEMENT',
      'Observation.component[0].code',
    ]);
    expect(first(obs({ extension: [{ valueString: 'x' }] }))).toEqual([
      'INGEST_MISSING_ELEMENT',
      'Observation.extension[0].url',
    ]);
  });

  it('accepts a required primitive that only carries an extension', () => {
    expect(
      first({
        resourceType: 'Observation',
        _status: { extension: [{ url: 'u', valueCode: 'unknown' }] },
        code: { text: 'x' },
      }),
    ).toBeUndefined();
  });

  it('names wrong JSON types, formats and array-ness', () => {
    expect(first(obs({ effectiveDateTime: '2020-02-30' }))).toEqual([
      'INGEST_BAD_TYPE',
      'Observation.effectiveDateTime',
    ]);
    expect(first(obs({ issued: '2020-02-03' }))).toEqual(['INGEST_BAD_TYPE', 'Observation.issued']);
    expect(first(obs({ valueQuantity: { value: '12' } }))).toEqual([
      'INGEST_BAD_TYPE',
      'Observation.valueQuantity.value',
    ]);
    expect(first(obs({ category: { text: 'x' } }))).toEqual(['INGEST_BAD_TYPE', 'Observation.category']);
    expect(first(obs({ subject: [subject] }))).toEqual(['INGEST_BAD_TYPE', 'Observation.subject']);
    expect(first(obs({ category: [] }))).toEqual(['INGEST_BAD_TYPE', 'Observation.category']);
    expect(first({ resourceType: 'Patient', active: 'yes' })).toEqual(['INGEST_BAD_TYPE', 'Patient.active']);
    expect(first({ resourceType: 'Patient', name: [{ given: ['A', 3] }] })).toEqual([
      'INGEST_BAD_TYPE',
      'Patient.name[0].given[1]',
    ]);
    expect(first({ resourceType: 'Patient', contained: [{ id: 'x' }] })).toEqual([
      'INGEST_NOT_A_RESOURCE',
      'Patient.contained[0]',
    ]);
  });

  it('names wrong codes: vocabulary formats and required bindings', () => {
    expect(first(obs({ code: { coding: [{ system: 'http://loinc.org', code: '8480-5' }] } }))).toEqual([
      'INGEST_BAD_CODE',
      'Observation.code.coding[0].code',
    ]);
    expect(
      first({
        resourceType: 'Condition',
        subject,
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'E1.19' }] },
      }),
    ).toEqual(['INGEST_BAD_CODE', 'Condition.code.coding[0].code']);
    expect(first({ resourceType: 'Patient', gender: 'M' })).toEqual(['INGEST_BAD_CODE', 'Patient.gender']);
    expect(first(obs({ status: 'done' }))).toEqual(['INGEST_BAD_CODE', 'Observation.status']);
  });

  it('reports several problems at once, up to a limit', () => {
    const issues = validateResource(
      { resourceType: 'Observation', status: 'x', effectiveDateTime: 'y' },
      codes,
      2,
    );
    expect(issues).toHaveLength(2);
  });

  it('finds the same issues, in the same order, the first and the hundredth time a shape is seen', () => {
    const bad = (): Record<string, unknown> =>
      obs({
        status: 'done',
        component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-5' }] } }, {}],
        effectiveDateTime: '2020-02-30',
        valueQuantity: { value: '120' },
        interpretation: [],
      });
    const firstTime = validateResource(bad(), codeSystemRules());
    expect(firstTime.map((i) => i.code)).toEqual([
      'INGEST_BAD_CODE',
      'INGEST_BAD_CODE',
      'INGEST_MISSING_ELEMENT',
      'INGEST_BAD_TYPE',
      'INGEST_BAD_TYPE',
      'INGEST_BAD_TYPE',
    ]);
    for (let i = 0; i < 100; i++) {
      validateResource(obs({ valueQuantity: { value: i } }), codes);
    }
    expect(validateResource(bad(), codes)).toEqual(firstTime);
  });
});
