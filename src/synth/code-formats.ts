/**
 * Code systems the synthetic population uses, and pure checks of their code formats (shape and, for
 * LOINC, the check digit). The ingestion validator can use the same checks: what the generator emits
 * passes them, what `--faults` corrupts fails them.
 * @module
 */

/** WHO ICD-10 (the French CIM-10 codes used here share its shape). */
export const ICD10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10';
export const LOINC_SYSTEM = 'http://loinc.org';
/** WHO ATC classification. */
export const ATC_SYSTEM = 'http://www.whocc.no/atc';
/** CCAM, the French classification of medical procedures, as published by the ANS terminology server. */
export const CCAM_SYSTEM = 'https://smt.esante.gouv.fr/terminologie-ccam';
export const CVX_SYSTEM = 'http://hl7.org/fhir/sid/cvx';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** Letter, two digits, optionally a dot and 1–4 more characters (CIM-10 adds French extensions). */
const ICD10 = /^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$/;
/** Level-5 ATC (substance): `A10BA02`. Levels 1–4 are groups, not drugs, so they are not accepted. */
const ATC = /^[A-Z]\d{2}[A-Z]{2}\d{2}$/;
/** Four letters, three digits: `HHFA016`. */
const CCAM = /^[A-Z]{4}\d{3}$/;
const LOINC = /^(\d{1,7})-(\d)$/;

/**
 * LOINC's mod-10 check digit of the numeric part: from the rightmost digit, every other digit is
 * doubled (digits of the product summed), the check digit brings the total to a multiple of 10.
 * @example loincCheckDigit('4548') // 4
 */
export function loincCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, pos = 0; i >= 0; i--, pos++) {
    let v = digits.charCodeAt(i) - 48;
    if (pos % 2 === 0) {
      v *= 2;
      if (v > 9) {
        v -= 9;
      }
    }
    sum += v;
  }
  return (10 - (sum % 10)) % 10;
}

/** @example isLoincCode('4548-4') // true; isLoincCode('4548-5') // false */
export function isLoincCode(code: string): boolean {
  const m = LOINC.exec(code);
  return m !== null && loincCheckDigit(m[1]!) === Number(m[2]);
}

/** @example isIcd10Code('E11.9') // true */
export function isIcd10Code(code: string): boolean {
  return ICD10.test(code);
}

/** @example isAtcCode('A10BA02') // true */
export function isAtcCode(code: string): boolean {
  return ATC.test(code);
}

/** @example isCcamCode('HHFA016') // true */
export function isCcamCode(code: string): boolean {
  return CCAM.test(code);
}

/** The format check of a code system this package knows, or undefined for other systems. */
export function codeFormatCheck(system: string): ((code: string) => boolean) | undefined {
  switch (system) {
    case ICD10_SYSTEM:
      return isIcd10Code;
    case LOINC_SYSTEM:
      return isLoincCode;
    case ATC_SYSTEM:
      return isAtcCode;
    case CCAM_SYSTEM:
      return isCcamCode;
    default:
      return undefined;
  }
}
