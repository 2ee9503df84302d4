import { describe, expect, it } from 'vitest';
import {
  codeSystemRules,
  ean13CheckDigit,
  mod10CheckDigit,
  ruleForVocabulary,
  verhoeffValid,
} from './code-systems.js';

const check = (vocabulary: string, code: string): string | undefined =>
  ruleForVocabulary(vocabulary)!.check(code);

describe('code system checks', () => {
  it('computes the LOINC check digit (mod 10) of real codes', () => {
    for (const code of [
      '8480-6',
      '8462-4',
      '2339-0',
      '29463-7',
      '8867-4',
      '8302-2',
      '4548-4',
      '718-7',
      '85354-9',
    ]) {
      const [digits, check] = code.split('-');
      expect(mod10CheckDigit(digits!)).toBe(Number(check));
    }
    expect(check('LOINC', '8480-6')).toBeUndefined();
    expect(check('LOINC', '8480-5')).toMatch(/check digit/);
    expect(check('LOINC', '8480')).toMatch(/not a LOINC/);
  });

  it('computes the EAN-13 check digit used by CIP13', () => {
    expect(ean13CheckDigit('400638133393')).toBe(1);
    const cip = `340093000001${ean13CheckDigit('340093000001')}`;
    expect(check('CIP13', cip)).toBeUndefined();
    const wrong = `340093000001${(ean13CheckDigit('340093000001') + 1) % 10}`;
    expect(check('CIP13', wrong)).toMatch(/check digit/);
    expect(check('CIP13', '4006381333931')).toMatch(/start with 3400/);
    expect(check('CIP13', '34009')).toMatch(/13 digits/);
  });

  it('checks SNOMED CT identifiers with Verhoeff, only when asked', () => {
    for (const id of ['22298006', '38341003', '44054006', '271649006', '368209003']) {
      expect(verhoeffValid(id)).toBe(true);
    }
    expect(verhoeffValid('22298007')).toBe(false);
    expect(codeSystemRules().rule('http://snomed.info/sct')).toBeUndefined();
    expect(
      codeSystemRules({ snomedVerhoeff: true }).rule('http://snomed.info/sct')!.check('22298007'),
    ).toMatch(/Verhoeff/);
  });

  it('checks the shapes of ATC, CCAM and ICD-10 codes', () => {
    for (const atc of ['A', 'A10', 'A10B', 'A10BA', 'A10BA02']) {
      expect(check('ATC', atc)).toBeUndefined();
    }
    expect(check('ATC', 'A10BA2')).toBeDefined();
    expect(check('CCAM', 'DEQP003')).toBeUndefined();
    expect(check('CCAM', 'DEQP03')).toBeDefined();
    for (const icd of ['E11', 'E11.9', 'E119', 'S72.001A', 'U07.1']) {
      expect(check('ICD10', icd)).toBeUndefined();
    }
    expect(check('ICD10', 'E1.19')).toBeDefined();
    expect(check('ICD10', '11.9')).toBeDefined();
  });

  it('names vocabularies by system URI, and lets extra rules win', () => {
    const index = codeSystemRules({
      extra: [
        {
          vocabulary: 'LOINC',
          systems: ['http://loinc.org'],
          check: (c) => (c === 'x' ? undefined : 'only x'),
        },
      ],
    });
    expect(index.vocabulary('http://hl7.org/fhir/sid/icd-10')).toBe('ICD10');
    expect(index.vocabulary('http://example.org/local')).toBe('http://example.org/local');
    expect(index.rule('http://loinc.org')!.check('8480-6')).toBe('only x');
  });

  it('gives the same answer for a code asked again, remembered or past the bound', () => {
    const index = codeSystemRules();
    const loinc = index.rule('http://loinc.org')!;
    const raw = ruleForVocabulary('LOINC')!;
    // Wrong and right codes alternate, so a remembered answer of one could not pass for the other.
    const asked = ['8480-6', '8480-5', '8480', '718-7', '718-8'];
    for (let round = 0; round < 3; round++) {
      for (const code of asked) {
        expect(loinc.check(code), code).toBe(raw.check(code));
      }
    }
    // More distinct codes than are remembered: the answers past the bound are computed, and the same.
    for (let n = 0; n < 10_050; n++) {
      const digits = String(10_000 + n);
      const code = `${digits}-${(mod10CheckDigit(digits) + (n % 2)) % 10}`;
      expect(loinc.check(code)).toBe(raw.check(code));
    }
    for (const code of asked) {
      expect(loinc.check(code), code).toBe(raw.check(code));
    }
  });
});
