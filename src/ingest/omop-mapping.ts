/**
 * From a pseudonymised resource to rows of the analytic tables (see tables.ts). Rows are read from
 * the profile's output only, so a table can hold nothing the profile removed.
 * @module
 */
import type { CodeSystemIndex } from './code-systems.js';

/** A cell value; dates and timestamps travel as ISO text and are cast by DuckDB. */
export type Cell = string | number | boolean | null;

export interface TableRow {
  readonly table: string;
  readonly cells: readonly Cell[];
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);

/** `2012-09-17T10:00:00+02:00` → date `2012-09-17` and local datetime `2012-09-17 10:00:00`. */
export function dateParts(value: unknown): { date: string | null; datetime: string | null } {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    return { date: null, datetime: null };
  }
  const date = value.slice(0, 10);
  const m = /^T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)/.exec(value.slice(10));
  return { date, datetime: m ? `${date} ${m[1]}` : null };
}

/** The id part of a rewritten reference: `Encounter/abc` → `abc`, `urn:uuid:x` → `x`. */
export function referencedId(reference: unknown): string | null {
  const ref = str(obj(reference)?.['reference']);
  if (ref === null) {
    return null;
  }
  if (ref.startsWith('urn:uuid:')) {
    return ref.slice(9);
  }
  const slash = ref.lastIndexOf('/');
  return slash >= 0 ? ref.slice(slash + 1) : ref;
}

function firstCode(cc: unknown): string | null {
  for (const c of arr(obj(cc)?.['coding'])) {
    const code = str(obj(c)?.['code']);
    if (code !== null) {
      return code;
    }
  }
  return null;
}

// The vocabularies each table prefers, in order (module constants: no list built per row).
const CONDITION_VOCABULARIES = ['ICD10', 'SNOMED'];
const DRUG_VOCABULARIES = ['CIP13', 'UCD', 'ATC', 'RxNorm', 'SNOMED'];
const PROCEDURE_VOCABULARIES = ['CCAM', 'SNOMED'];
const MEASUREMENT_VOCABULARIES = ['LOINC', 'SNOMED'];
const OBSERVATION_VOCABULARIES = ['LOINC', 'SNOMED', 'ICD10'];

/** A set of a resource's top-level keys. */
export interface KeySet {
  has(key: string): boolean;
}

/** Keys named one by one, and optionally every key starting with `value` (a choice element). */
class NamedKeys implements KeySet {
  private readonly keys: ReadonlySet<string>;

  constructor(
    keys: readonly string[],
    private readonly values = false,
  ) {
    this.keys = new Set(keys);
  }

  has(key: string): boolean {
    return this.keys.has(key) || (this.values && key.startsWith('value'));
  }
}

// The top-level keys each mapping below reads (its type's row builder and the helpers it calls).
// The deidentifier builds only these keys of a mapped resource: whatever else the profile keeps
// would be built and then dropped. omop-mapping.test.ts checks that the mapping reads no other key.
const PATIENT_KEYS = new NamedKeys(['gender', 'birthDate', 'address', 'deceasedDateTime', 'deceasedBoolean']);
const ENCOUNTER_KEYS = new NamedKeys(['id', 'class', 'period', 'hospitalization', 'status']);
const CONDITION_KEYS = new NamedKeys([
  'id',
  'code',
  'onsetDateTime',
  'onsetPeriod',
  'recordedDate',
  'abatementDateTime',
  'abatementPeriod',
  'clinicalStatus',
  'verificationStatus',
  'encounter',
]);
const DRUG_KEYS = new NamedKeys([
  'id',
  'medicationCodeableConcept',
  'medicationReference',
  'dispenseRequest',
  'authoredOn',
  'dosageInstruction',
  'effectiveDateTime',
  'effectivePeriod',
  'dateAsserted',
  'dosage',
  'vaccineCode',
  'occurrenceDateTime',
  'recorded',
  'route',
  'doseQuantity',
  'encounter',
  'context',
]);
const PROCEDURE_KEYS = new NamedKeys(['id', 'code', 'performedDateTime', 'performedPeriod', 'encounter']);
/** Observation, AllergyIntolerance and DiagnosticReport (measurement or observation rows). */
const OBSERVATION_KEYS = new NamedKeys(
  [
    'id',
    'code',
    'category',
    'component',
    'referenceRange',
    'effectiveDateTime',
    'effectivePeriod',
    'effectiveInstant',
    'issued',
    'onsetDateTime',
    'onsetPeriod',
    'recordedDate',
    'criticality',
    'conclusionCode',
    'encounter',
  ],
  true,
);
const READS: ReadonlyMap<string, KeySet> = new Map([
  ['Patient', PATIENT_KEYS],
  ['Encounter', ENCOUNTER_KEYS],
  ['Condition', CONDITION_KEYS],
  ['MedicationRequest', DRUG_KEYS],
  ['MedicationStatement', DRUG_KEYS],
  ['Immunization', DRUG_KEYS],
  ['Procedure', PROCEDURE_KEYS],
  ['Observation', OBSERVATION_KEYS],
  ['AllergyIntolerance', OBSERVATION_KEYS],
  ['DiagnosticReport', OBSERVATION_KEYS],
]);

export class OmopMapper {
  constructor(private readonly codes: CodeSystemIndex) {}

  /**
   * The top-level keys {@link rows} reads of a resource of `type` (besides `resourceType`), or
   * undefined when the type has no table.
   */
  reads(type: string): KeySet | undefined {
    return READS.get(type);
  }

  /** The preferred coding of a CodeableConcept: the first in the vocabulary order given, else the first. */
  private code(cc: unknown, prefer: readonly string[]): { code: string | null; vocabulary: string | null } {
    // One pass over the codings, without building the list of those with a code.
    const codings = arr(obj(cc)?.['coding']);
    let best: Json | undefined;
    let rank = Number.POSITIVE_INFINITY;
    for (let i = 0; i < codings.length; i++) {
      const c = obj(codings[i]);
      if (c === undefined || typeof c['code'] !== 'string') {
        continue;
      }
      best ??= c;
      const v = typeof c['system'] === 'string' ? this.codes.vocabulary(c['system']) : '';
      const r = prefer.indexOf(v);
      if (r >= 0 && r < rank) {
        rank = r;
        best = c;
      }
    }
    if (best === undefined) {
      return { code: null, vocabulary: null };
    }
    const system = str(best['system']);
    return {
      code: best['code'] as string,
      vocabulary: system === null ? null : this.codes.vocabulary(system),
    };
  }

  /**
   * Rows for one pseudonymised resource about `person`, or undefined when its type has no table (it
   * then goes to fhir_other).
   */
  rows(r: Json, person: string): TableRow[] | undefined {
    switch (r['resourceType']) {
      case 'Patient':
        return this.patient(r, person);
      case 'Encounter':
        return [this.encounter(r, person)];
      case 'Condition':
        return [this.condition(r, person)];
      case 'MedicationRequest':
      case 'MedicationStatement':
      case 'Immunization':
        return [this.drug(r, person)];
      case 'Procedure':
        return [this.procedure(r, person)];
      case 'Observation':
        return this.observation(r, person);
      case 'AllergyIntolerance':
      case 'DiagnosticReport':
        return [this.otherObservation(r, person)];
      default:
        return undefined;
    }
  }

  private patient(r: Json, person: string): TableRow[] {
    const gender = str(r['gender']);
    const birth = str(r['birthDate']);
    const m = birth === null ? null : /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birth);
    const address = obj(arr(r['address'])[0]);
    const rows: TableRow[] = [
      {
        table: 'person',
        cells: [
          person,
          gender === 'male' ? 8507 : gender === 'female' ? 8532 : 0,
          gender,
          m ? Number(m[1]) : null,
          m?.[2] !== undefined ? Number(m[2]) : null,
          m?.[3] !== undefined ? Number(m[3]) : null,
          m?.[3] !== undefined ? birth : null,
          str(address?.['postalCode']) ?? str(address?.['district']) ?? str(address?.['state']),
        ],
      },
    ];
    const deceased = dateParts(r['deceasedDateTime']);
    if (r['deceasedBoolean'] === true || deceased.date !== null) {
      rows.push({ table: 'death', cells: [person, deceased.date, deceased.datetime, 32817] });
    }
    return rows;
  }

  private encounter(r: Json, person: string): TableRow {
    const cls = str(obj(r['class'])?.['code']);
    const concept =
      cls === 'IMP' || cls === 'ACUTE' || cls === 'NONAC'
        ? 9201
        : cls === 'AMB'
          ? 9202
          : cls === 'EMER'
            ? 9203
            : cls === 'HH'
              ? 581476
              : 0;
    const period = obj(r['period']);
    const start = dateParts(period?.['start']);
    const end = dateParts(period?.['end']);
    const hosp = obj(r['hospitalization']);
    return {
      table: 'visit_occurrence',
      cells: [
        str(r['id']),
        person,
        concept,
        cls,
        start.date,
        start.datetime,
        end.date,
        end.datetime,
        32817,
        firstCode(hosp?.['admitSource']),
        firstCode(hosp?.['dischargeDisposition']),
        str(r['status']),
      ],
    };
  }

  private condition(r: Json, person: string): TableRow {
    const code = this.code(r['code'], CONDITION_VOCABULARIES);
    const start = dateParts(r['onsetDateTime'] ?? obj(r['onsetPeriod'])?.['start'] ?? r['recordedDate']);
    const end = dateParts(r['abatementDateTime'] ?? obj(r['abatementPeriod'])?.['end']);
    return {
      table: 'condition_occurrence',
      cells: [
        str(r['id']),
        person,
        0,
        code.code,
        code.vocabulary,
        start.date,
        start.datetime,
        end.date,
        end.datetime,
        32817,
        firstCode(r['clinicalStatus']),
        firstCode(r['verificationStatus']),
        referencedId(r['encounter']),
      ],
    };
  }

  private drug(r: Json, person: string): TableRow {
    const type = r['resourceType'] as string;
    let cc: unknown;
    let start: { date: string | null; datetime: string | null };
    let end: { date: string | null; datetime: string | null } = { date: null, datetime: null };
    let typeConcept = 32817;
    let refills: number | null = null;
    let quantity: Json | undefined;
    let daysSupply: number | null = null;
    let route: string | null;
    if (type === 'MedicationRequest') {
      cc = r['medicationCodeableConcept'];
      const dispense = obj(r['dispenseRequest']);
      const validity = obj(dispense?.['validityPeriod']);
      start = dateParts(r['authoredOn'] ?? validity?.['start']);
      end = dateParts(validity?.['end']);
      typeConcept = 32838;
      refills = int(dispense?.['numberOfRepeatsAllowed']);
      quantity = obj(dispense?.['quantity']);
      const supply = obj(dispense?.['expectedSupplyDuration']);
      if (supply?.['code'] === 'd' || supply?.['unit'] === 'days') {
        daysSupply = int(supply['value']);
      }
      const dosage = obj(arr(r['dosageInstruction'])[0]);
      route = firstCode(dosage?.['route']);
      quantity ??= obj(obj(arr(dosage?.['doseAndRate'])[0])?.['doseQuantity']);
    } else if (type === 'MedicationStatement') {
      cc = r['medicationCodeableConcept'];
      const period = obj(r['effectivePeriod']);
      start = dateParts(r['effectiveDateTime'] ?? period?.['start'] ?? r['dateAsserted']);
      end = dateParts(period?.['end']);
      typeConcept = 32865;
      const dosage = obj(arr(r['dosage'])[0]);
      route = firstCode(dosage?.['route']);
      quantity = obj(obj(arr(dosage?.['doseAndRate'])[0])?.['doseQuantity']);
    } else {
      cc = r['vaccineCode'];
      start = dateParts(r['occurrenceDateTime'] ?? r['recorded']);
      route = firstCode(r['route']);
      quantity = obj(r['doseQuantity']);
    }
    const code = this.code(cc, DRUG_VOCABULARIES);
    return {
      table: 'drug_exposure',
      cells: [
        str(r['id']),
        person,
        0,
        code.code,
        code.vocabulary,
        start.date,
        start.datetime,
        end.date,
        end.datetime,
        typeConcept,
        refills,
        num(quantity?.['value']),
        daysSupply,
        route,
        str(quantity?.['code']) ?? str(quantity?.['unit']),
        referencedId(r['medicationReference']),
        referencedId(r['encounter'] ?? r['context']),
        type,
      ],
    };
  }

  private procedure(r: Json, person: string): TableRow {
    const code = this.code(r['code'], PROCEDURE_VOCABULARIES);
    const period = obj(r['performedPeriod']);
    const start = dateParts(r['performedDateTime'] ?? period?.['start']);
    const end = dateParts(period?.['end']);
    return {
      table: 'procedure_occurrence',
      cells: [
        str(r['id']),
        person,
        0,
        code.code,
        code.vocabulary,
        start.date,
        start.datetime,
        end.date,
        end.datetime,
        32817,
        referencedId(r['encounter']),
      ],
    };
  }

  private isMeasurement(r: Json): boolean {
    if (r['valueQuantity'] !== undefined || r['valueInteger'] !== undefined || r['component'] !== undefined) {
      return true;
    }
    for (const cat of arr(r['category'])) {
      for (const c of arr(obj(cat)?.['coding'])) {
        const code = obj(c)?.['code'];
        if (code === 'laboratory' || code === 'vital-signs') {
          return true;
        }
      }
    }
    return false;
  }

  private observation(r: Json, person: string): TableRow[] {
    if (!this.isMeasurement(r)) {
      return [this.otherObservation(r, person)];
    }
    const id = str(r['id']);
    const when = dateParts(
      r['effectiveDateTime'] ?? obj(r['effectivePeriod'])?.['start'] ?? r['effectiveInstant'] ?? r['issued'],
    );
    const visit = referencedId(r['encounter']);
    const range = obj(arr(r['referenceRange'])[0]);
    const rows: TableRow[] = [];
    const components = arr(r['component']).map(obj);
    let hasValue = false;
    for (const k in r) {
      if (k.startsWith('value')) {
        hasValue = true;
        break;
      }
    }
    if (hasValue || components.length === 0) {
      rows.push(this.measurement(id, r, person, when, range, visit));
    }
    components.forEach((comp, i) => {
      if (comp) {
        rows.push(this.measurement(id === null ? null : `${id}#${i}`, comp, person, when, range, visit));
      }
    });
    return rows;
  }

  /** One measurement row: of the Observation itself, or of one of its components (`source`). */
  private measurement(
    rowId: string | null,
    source: Json,
    person: string,
    when: { date: string | null; datetime: string | null },
    range: Json | undefined,
    visit: string | null,
  ): TableRow {
    const code = this.code(source['code'], MEASUREMENT_VOCABULARIES);
    const q = obj(source['valueQuantity']);
    const coded = firstCode(source['valueCodeableConcept']);
    const bool = typeof source['valueBoolean'] === 'boolean' ? String(source['valueBoolean']) : null;
    return {
      table: 'measurement',
      cells: [
        rowId,
        person,
        0,
        code.code,
        code.vocabulary,
        when.date,
        when.datetime,
        32817,
        str(q?.['comparator']),
        num(q?.['value']) ?? num(source['valueInteger']),
        coded ?? bool,
        str(q?.['code']) ?? str(q?.['unit']),
        num(obj(range?.['low'])?.['value']),
        num(obj(range?.['high'])?.['value']),
        visit,
      ],
    };
  }

  private otherObservation(r: Json, person: string): TableRow {
    const type = r['resourceType'] as string;
    const code = this.code(r['code'], OBSERVATION_VOCABULARIES);
    let when: unknown;
    let valueCode: string | null;
    if (type === 'AllergyIntolerance') {
      when = r['onsetDateTime'] ?? obj(r['onsetPeriod'])?.['start'] ?? r['recordedDate'];
      valueCode = str(r['criticality']);
    } else if (type === 'DiagnosticReport') {
      when = r['effectiveDateTime'] ?? obj(r['effectivePeriod'])?.['start'] ?? r['issued'];
      valueCode = firstCode(arr(r['conclusionCode'])[0]);
    } else {
      when =
        r['effectiveDateTime'] ??
        obj(r['effectivePeriod'])?.['start'] ??
        r['effectiveInstant'] ??
        r['issued'];
      valueCode =
        firstCode(r['valueCodeableConcept']) ??
        (typeof r['valueBoolean'] === 'boolean' ? String(r['valueBoolean']) : null);
    }
    const parts = dateParts(when);
    const q = obj(r['valueQuantity']);
    return {
      table: 'observation',
      cells: [
        str(r['id']),
        person,
        0,
        code.code,
        code.vocabulary,
        parts.date,
        parts.datetime,
        32817,
        num(q?.['value']) ?? num(r['valueInteger']),
        str(r['valueString']),
        valueCode,
        str(q?.['code']) ?? str(q?.['unit']),
        referencedId(r['encounter']),
        type,
      ],
    };
  }
}
