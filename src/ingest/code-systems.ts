/**
 * Code systems whose codes ingestion checks, as data: each vocabulary lists the system URIs it is known
 * under and a check of the code's shape (and check digit where the vocabulary has one). A Coding whose
 * system is not listed is not checked beyond the FHIR `code` format.
 *
 * Checks are format checks, not terminology look-ups: `E11.9` passes as ICD-10 whether or not it is in
 * this year's CIM-10, but `E1.19` or a LOINC code with a wrong check digit does not.
 * @module
 */

/** A vocabulary ingestion knows. `check` returns why a code is wrong, or undefined. */
export interface CodeSystemRule {
  /** Short name written into the analytic tables' `*_source_vocabulary` columns (e.g. `ICD10`). */
  readonly vocabulary: string;
  /** System URIs (Coding.system) meaning this vocabulary. */
  readonly systems: readonly string[];
  readonly check: (code: string) => string | undefined;
}

/** Luhn (mod 10) check digit of a digit string, as LOINC defines it for the part before the dash. */
export function mod10CheckDigit(digits: string): number {
  let sum = 0;
  // Positions counted from the right, starting at 1: odd positions are doubled.
  for (let i = digits.length - 1, pos = 1; i >= 0; i--, pos++) {
    let d = digits.charCodeAt(i) - 48;
    if (pos % 2 === 1) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** EAN-13 check digit of the first 12 digits (CIP13 and UCD13 are EAN-13 codes). */
export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    sum += (first12.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  }
  return (10 - (sum % 10)) % 10;
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** True when a digit string (check digit last) passes the Verhoeff check, as SNOMED CT ids do. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = digits.length - 1, pos = 0; i >= 0; i--, pos++) {
    c = VERHOEFF_D[c]![VERHOEFF_P[pos % 8]![digits.charCodeAt(i) - 48]!]!;
  }
  return c === 0;
}

const ICD10 = /^[A-Z][0-9]{2}(?:\.?[0-9A-Z+*]{1,5})?$/;
const LOINC = /^(\d{1,7})-(\d)$/;
const LOINC_PART = /^L[APG]\d+-\d$/;
const ATC = /^[A-Z](?:\d{2}(?:[A-Z](?:[A-Z](?:\d{2})?)?)?)?$/;
const CCAM = /^[A-Z]{4}\d{3}$/;
const SNOMED = /^\d{6,18}$/;

function checkEan13(what: string, prefix: string | undefined) {
  return (code: string): string | undefined => {
    if (!/^\d{13}$/.test(code)) {
      return `is not a ${what} (13 digits)`;
    }
    if (prefix !== undefined && !code.startsWith(prefix)) {
      return `is not a ${what} (French codes start with ${prefix})`;
    }
    if (ean13CheckDigit(code.slice(0, 12)) !== code.charCodeAt(12) - 48) {
      return `has a wrong ${what} check digit`;
    }
    return undefined;
  };
}

/** The vocabularies checked by default. SNOMED CT is checked only when asked (see {@link codeSystemRules}). */
export const DEFAULT_CODE_SYSTEMS: readonly CodeSystemRule[] = [
  {
    vocabulary: 'ICD10',
    systems: [
      'http://hl7.org/fhir/sid/icd-10',
      'http://hl7.org/fhir/sid/icd-10-cm',
      'http://hl7.org/fhir/sid/icd-10-fr',
      'https://smt.esante.gouv.fr/terminologie-cim-10',
      'urn:oid:2.16.840.1.113883.6.3',
      'urn:oid:2.16.840.1.113883.6.90',
    ],
    check: (code) =>
      ICD10.test(code) ? undefined : 'is not an ICD-10 code (letter, two digits, optional extension)',
  },
  {
    vocabulary: 'LOINC',
    systems: ['http://loinc.org', 'urn:oid:2.16.840.1.113883.6.1'],
    check: (code) => {
      if (LOINC_PART.test(code)) {
        return undefined;
      }
      const m = LOINC.exec(code);
      if (!m) {
        return 'is not a LOINC code (digits, dash, check digit)';
      }
      return mod10CheckDigit(m[1]!) === Number(m[2]) ? undefined : 'has a wrong LOINC check digit (mod 10)';
    },
  },
  {
    vocabulary: 'ATC',
    systems: [
      'http://www.whocc.no/atc',
      'https://smt.esante.gouv.fr/terminologie-atc',
      'urn:oid:2.16.840.1.113883.6.73',
    ],
    check: (code) => (ATC.test(code) ? undefined : 'is not an ATC code (e.g. A10BA02)'),
  },
  {
    vocabulary: 'CIP13',
    systems: [
      'http://data.esante.gouv.fr/ansm/medicament/codeCIP13',
      'https://smt.esante.gouv.fr/terminologie-cip',
      'https://smt.esante.gouv.fr/terminologie-cip_ucd',
    ],
    check: checkEan13('CIP13', '3400'),
  },
  {
    vocabulary: 'UCD',
    systems: [
      'http://data.esante.gouv.fr/ansm/medicament/UCD',
      'https://smt.esante.gouv.fr/terminologie-ucd',
    ],
    check: (code) => (/^\d{7}$/.test(code) ? undefined : checkEan13('UCD13', '3400')(code)),
  },
  {
    vocabulary: 'CCAM',
    systems: ['https://smt.esante.gouv.fr/terminologie-ccam', 'urn:oid:1.2.250.1.213.2.5'],
    check: (code) => (CCAM.test(code) ? undefined : 'is not a CCAM code (four letters, three digits)'),
  },
];

/** SNOMED CT: digits with a Verhoeff check digit. Opt-in: FHIR examples use post-coordinated expressions. */
export const SNOMED_CT_RULE: CodeSystemRule = {
  vocabulary: 'SNOMED',
  systems: ['http://snomed.info/sct'],
  check: (code) => {
    if (!SNOMED.test(code)) {
      return 'is not a SNOMED CT identifier (6 to 18 digits)';
    }
    return verhoeffValid(code) ? undefined : 'has a wrong SNOMED CT check digit (Verhoeff)';
  },
};

/** Names known only for labelling table rows (their codes are not checked). */
const LABEL_ONLY: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://unitsofmeasure.org': 'UCUM',
};

/** A lookup from system URI to its rule, built once per ingest. */
export interface CodeSystemIndex {
  /** The rule checking codes of `system`, if any. */
  rule(system: string): CodeSystemRule | undefined;
  /** Short vocabulary name for `system` (the URI itself when unknown). */
  vocabulary(system: string): string;
}

/** Distinct codes whose answer one rule of an index remembers (about 100 bytes each). */
const REMEMBERED_CODES = 10_000;

/**
 * A check that remembers its answers: a population uses few distinct codes per vocabulary, each many
 * times, and a check is a pure function of the code. Past {@link REMEMBERED_CODES} it checks anew.
 */
function remembering(check: (code: string) => string | undefined): (code: string) => string | undefined {
  // '' stands for "valid": a problem is never empty.
  const answers = new Map<string, string>();
  return (code) => {
    const known = answers.get(code);
    if (known !== undefined) {
      return known === '' ? undefined : known;
    }
    const problem = check(code);
    if (answers.size < REMEMBERED_CODES) {
      answers.set(code, problem ?? '');
    }
    return problem;
  };
}

/**
 * Builds the index: the defaults, SNOMED CT when `snomedVerhoeff` is set, then `extra` rules (which win
 * over the defaults for the systems they list).
 */
export function codeSystemRules(
  options: { extra?: readonly CodeSystemRule[]; snomedVerhoeff?: boolean } = {},
): CodeSystemIndex {
  const bySystem = new Map<string, CodeSystemRule>();
  const rules = [
    ...DEFAULT_CODE_SYSTEMS,
    ...(options.snomedVerhoeff ? [SNOMED_CT_RULE] : []),
    ...(options.extra ?? []),
  ];
  for (const rule of rules) {
    const remembered = { ...rule, check: remembering(rule.check) };
    for (const system of rule.systems) {
      bySystem.set(system, remembered);
    }
  }
  return {
    rule: (system) => bySystem.get(system),
    vocabulary: (system) => bySystem.get(system)?.vocabulary ?? LABEL_ONLY[system] ?? system,
  };
}

/** Finds the rule for a vocabulary name (`ICD10`, `CIP13`…), for CSV columns that declare one. */
export function ruleForVocabulary(
  vocabulary: string,
  extra: readonly CodeSystemRule[] = [],
): CodeSystemRule | undefined {
  const all = [...extra, ...DEFAULT_CODE_SYSTEMS, SNOMED_CT_RULE];
  return all.find((r) => r.vocabulary.toUpperCase() === vocabulary.toUpperCase());
}
