import { describe, expect, it } from 'vitest';
import {
  ATC_SYSTEM,
  CCAM_SYSTEM,
  ICD10_SYSTEM,
  LOINC_SYSTEM,
  codeFormatCheck,
  isAtcCode,
  isCcamCode,
  isIcd10Code,
  isLoincCode,
  loincCheckDigit,
} from './code-formats.js';
import {
  ACUTE,
  ALLERGENS,
  CHRONIC,
  DRUGS,
  LABS,
  PANELS,
  PROCEDURES,
  SCREENING,
  VACCINES,
  VITALS,
} from './data/clinical.js';

describe('code formats', () => {
  it('computes LOINC check digits (mod 10, doubling from the right)', () => {
    expect(loincCheckDigit('4548')).toBe(4);
    expect(loincCheckDigit('8480')).toBe(6);
    expect(loincCheckDigit('85354')).toBe(9);
    expect(isLoincCode('2345-7')).toBe(true);
    for (let wrong = 0; wrong < 10; wrong++) {
      if (wrong !== 7) {
        expect(isLoincCode(`2345-${wrong}`)).toBe(false);
      }
    }
    for (const bad of ['2345', '2345-77', 'A345-7', '-7', '12345678-1']) {
      expect(isLoincCode(bad)).toBe(false);
    }
  });

  it('recognises the shapes of ICD-10, ATC and CCAM codes', () => {
    for (const good of ['I10', 'E11.9', 'U07.1', 'Z51.1', 'E11.90', 'C50.9']) {
      expect(isIcd10Code(good)).toBe(true);
    }
    for (const bad of ['I1', '110', 'E11-9', 'e11.9', 'E11..9', 'E11.', '11.9E', 'CIME11.9']) {
      expect(isIcd10Code(bad)).toBe(false);
    }
    for (const good of ['A10BA02', 'J07BX03']) {
      expect(isAtcCode(good)).toBe(true);
    }
    for (const bad of ['A10BA', 'A10BA2', 'A1OBA02', 'A10-BA02', 'a10ba02', 'A10BA022']) {
      expect(isAtcCode(bad)).toBe(false);
    }
    for (const good of ['HHFA016', 'DEQP003']) {
      expect(isCcamCode(good)).toBe(true);
    }
    for (const bad of ['HHFA16', 'HHF016', '9HFA016', 'HHFA0160', 'hhfa016']) {
      expect(isCcamCode(bad)).toBe(false);
    }
    expect(codeFormatCheck(LOINC_SYSTEM)).toBe(isLoincCode);
    expect(codeFormatCheck('http://example.org')).toBeUndefined();
  });
});

describe('the embedded vocabularies', () => {
  it('hold only well-formed codes', () => {
    const icd = [
      ...CHRONIC.map((c) => c.icd10.code),
      ...Object.values(ACUTE).map((a) => a.icd10.code),
      ...Object.values(SCREENING).map((z) => z.code),
    ];
    for (const code of icd) {
      expect(codeFormatCheck(ICD10_SYSTEM)!(code), code).toBe(true);
    }
    const loinc = [
      ...Object.values(LABS).map((l) => l.loinc),
      ...Object.values(PANELS).map((p) => p.code.code),
      ...Object.values(VITALS).map((v) => v.code),
    ];
    for (const code of loinc) {
      expect(isLoincCode(code), code).toBe(true);
    }
    const atc = [
      ...Object.values(DRUGS).map((d) => d.atc),
      ...Object.values(VACCINES).map((v) => v.atc),
      ...ALLERGENS.filter((a) => a.system === 'atc').map((a) => a.code),
    ];
    for (const code of atc) {
      expect(codeFormatCheck(ATC_SYSTEM)!(code), code).toBe(true);
    }
    for (const p of Object.values(PROCEDURES)) {
      expect(codeFormatCheck(CCAM_SYSTEM)!(p.code), p.code).toBe(true);
    }
  });

  it('gives every chronic condition one prevalence per age band and sex, and real treatments', () => {
    for (const c of CHRONIC) {
      expect(c.male, c.key).toHaveLength(9);
      expect(c.female, c.key).toHaveLength(9);
      for (const p of [...c.male, ...c.female]) {
        expect(p >= 0 && p < 1, c.key).toBe(true);
      }
      for (const line of c.treatments) {
        for (const d of line) {
          expect(DRUGS[d], d).toBeDefined();
        }
      }
    }
  });
});
