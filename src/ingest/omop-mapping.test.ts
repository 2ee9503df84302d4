import { describe, expect, it } from 'vitest';
import { codeSystemRules } from './code-systems.js';
import { OmopMapper } from './omop-mapping.js';

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
