/**
 * Fault injection: malformed records of every kind the ingestion validator must quarantine. A fault
 * is an *extra* record, derived from a generated one (deep copy, new id ending in `-x`) and broken in
 * exactly one way, written right after it. Nothing references it, so quarantining it never leaves
 * another record with a dangling reference, and the clean population is byte-identical with and
 * without faults.
 * @module
 */
import type { FhirResource } from 'fhir/r4.js';
import { isAtcCode, isCcamCode, isIcd10Code, isLoincCode, loincCheckDigit } from './code-formats.js';
import type { PopulationContext } from './context.js';
import { checkNir } from './nir.js';
import type { Rng } from './prng.js';
import type { SynthResourceType } from './timeline.js';

/** Every kind of malformed record `--faults` produces. */
export const FAULT_KINDS = [
  'invalid-json',
  'missing-resource-type',
  'unknown-resource-type',
  'missing-required-element',
  'wrong-type',
  'invalid-date',
  'invalid-icd10',
  'invalid-loinc',
  'invalid-atc',
  'invalid-ccam',
  'dangling-reference',
  'invalid-nir-key',
  'invalid-ins',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What was broken in an injected record. */
export interface InjectedFault {
  readonly kind: FaultKind;
  /** Id of the injected record (`<original id>-x`). */
  readonly id: string;
  /** FHIRPath-like location of the defect, e.g. `Observation.status`; `$` for the whole line. */
  readonly path: string;
  /** One sentence naming the defect. */
  readonly detail: string;
  /** The exact line written (JSON, or broken JSON for `invalid-json`). */
  readonly text: string;
}

/** One line of the faults manifest (`faults.json`). */
export interface FaultEntry {
  /** File name relative to the output directory. */
  readonly file: string;
  /** 1-based line in that file. */
  readonly line: number;
  /** 0-based index in `Bundle.entry` (bundle format only). */
  readonly entry?: number;
  readonly kind: FaultKind;
  /** Type of the record the fault was derived from (and of the file it sits in). */
  readonly resourceType: SynthResourceType;
  readonly id: string;
  readonly path: string;
  readonly detail: string;
}

const ALL: readonly SynthResourceType[] = [
  'Patient',
  'Encounter',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Procedure',
  'MedicationRequest',
  'MedicationStatement',
  'Immunization',
  'AllergyIntolerance',
];
const NOT_PATIENT = ALL.filter((t) => t !== 'Patient');

/** The resource types each fault kind can be injected into. */
export const FAULT_TARGETS: Readonly<Record<FaultKind, readonly SynthResourceType[]>> = {
  'invalid-json': ALL,
  'missing-resource-type': ALL,
  'unknown-resource-type': ALL,
  'missing-required-element': NOT_PATIENT,
  'wrong-type': ALL,
  'invalid-date': ALL,
  'invalid-icd10': ['Condition'],
  'invalid-loinc': ['Observation', 'DiagnosticReport'],
  'invalid-atc': ['MedicationRequest', 'MedicationStatement', 'Immunization'],
  'invalid-ccam': ['Procedure'],
  'dangling-reference': NOT_PATIENT,
  'invalid-nir-key': ['Patient'],
  'invalid-ins': ['Patient'],
};

/** Required elements (cardinality 1..) of FHIR R4 that a `missing-required-element` fault removes. */
const REQUIRED: Readonly<Record<SynthResourceType, readonly string[]>> = {
  Patient: [],
  Encounter: ['status', 'class'],
  Condition: ['subject'],
  Observation: ['status', 'code'],
  DiagnosticReport: ['status', 'code'],
  Procedure: ['status', 'subject'],
  MedicationRequest: ['status', 'intent', 'subject', 'medication[x]'],
  MedicationStatement: ['status', 'subject', 'medication[x]'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrence[x]'],
  AllergyIntolerance: ['patient'],
};

/** The date element each type's `invalid-date` fault breaks. */
const DATE_PATH: Readonly<Record<SynthResourceType, readonly string[]>> = {
  Patient: ['birthDate'],
  Encounter: ['period', 'start'],
  Condition: ['onsetDateTime'],
  Observation: ['effectiveDateTime'],
  DiagnosticReport: ['effectiveDateTime'],
  Procedure: ['performedDateTime'],
  MedicationRequest: ['authoredOn'],
  MedicationStatement: ['effectivePeriod', 'start'],
  Immunization: ['occurrenceDateTime'],
  AllergyIntolerance: ['recordedDate'],
};

/**
 * Decides, record by record, whether to inject a fault and of which kind: each kind is drawn for
 * about `rate` of the records it applies to.
 */
export class FaultPlan {
  private readonly eligible = new Map<SynthResourceType, readonly FaultKind[]>();

  constructor(
    readonly rate: number,
    readonly kinds: readonly FaultKind[],
  ) {
    for (const type of ALL) {
      this.eligible.set(
        type,
        kinds.filter((k) => FAULT_TARGETS[k].includes(type)),
      );
    }
  }

  /** The largest number of kinds that apply to one resource type: `rate` times it must stay ≤ 1. */
  maxKindsPerType(): number {
    return Math.max(0, ...[...this.eligible.values()].map((k) => k.length));
  }

  choose(type: SynthResourceType, rng: Rng): FaultKind | undefined {
    const kinds = this.eligible.get(type)!;
    const u = rng.next();
    const i = Math.floor(u / this.rate);
    return i < kinds.length ? kinds[i] : undefined;
  }
}

type Json = Record<string, unknown>;

function clone(resource: FhirResource): Json {
  return JSON.parse(JSON.stringify(resource)) as Json;
}

function obj(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object') {
    throw new Error(`fault injection expected an object at ${what}`);
  }
  return value as Json;
}

function firstCoding(resource: Json, element: string): Json {
  const cc = obj(resource[element], element);
  const codings = cc.coding as unknown[];
  return obj(codings[0], `${element}.coding[0]`);
}

function mustFail(value: string, check: (v: string) => boolean, what: string): string {
  if (check(value)) {
    throw new Error(`fault injection produced a valid ${what}: ${value}`);
  }
  return value;
}

function misspelt(type: string, rng: Rng): string {
  const variant = rng.int(3);
  if (variant === 0) {
    const i = 1 + rng.int(type.length - 2);
    return type.slice(0, i) + type.slice(i + 1);
  }
  return variant === 1 ? `${type}Record` : `Fhir${type}`;
}

function brokenDate(original: string, rng: Rng): string {
  const y = original.slice(0, 4);
  const m = original.slice(5, 7);
  const d = original.slice(8, 10);
  switch (rng.int(4)) {
    case 0:
      return `${d}/${m}/${y}`;
    case 1:
      return `${y}-13-${d}`;
    case 2:
      return `${y}-${m}-${d} ${original.length > 12 ? original.slice(11, 16) : '10:00'}`;
    default:
      return `${y}${m}${d}`;
  }
}

/** The element path of the `subject`-like reference of a type. */
function subjectElement(type: SynthResourceType): string {
  return type === 'Immunization' || type === 'AllergyIntolerance' ? 'patient' : 'subject';
}

/**
 * Builds the malformed copy of `resource` for `kind`. `rng` is the fault stream of the patient, so
 * the same run always breaks the same records in the same way.
 */
export function injectFault(
  ctx: PopulationContext,
  kind: FaultKind,
  type: SynthResourceType,
  resource: FhirResource,
  rng: Rng,
): { readonly fault: InjectedFault; readonly resource: Json | undefined } {
  const r = clone(resource);
  const id = `${String(r.id)}-x`;
  r.id = id;
  let path = '$';
  let detail: string;
  switch (kind) {
    case 'invalid-json': {
      const text = JSON.stringify(r);
      const variant = rng.int(3);
      const broken =
        variant === 0
          ? text.slice(0, Math.floor(text.length / 3) + rng.int(Math.floor(text.length / 2)))
          : variant === 1
            ? `${text.slice(0, -1)},}`
            : text.replace('{"resourceType"', '{resourceType');
      detail =
        variant === 0
          ? 'line is truncated JSON'
          : variant === 1
            ? 'trailing comma before }'
            : 'unquoted property name';
      return { fault: { kind, id, path, detail, text: broken }, resource: undefined };
    }
    case 'missing-resource-type':
      delete r.resourceType;
      path = 'resourceType';
      detail = 'resourceType is missing';
      break;
    case 'unknown-resource-type': {
      const wrong = misspelt(type, rng);
      r.resourceType = wrong;
      path = 'resourceType';
      detail = `resourceType "${wrong}" is not a FHIR R4 resource type`;
      break;
    }
    case 'missing-required-element': {
      const element = rng.pick(REQUIRED[type]);
      const key =
        element === 'medication[x]'
          ? 'medicationCodeableConcept'
          : element === 'occurrence[x]'
            ? 'occurrenceDateTime'
            : element;
      Reflect.deleteProperty(r, key);
      path = `${type}.${element}`;
      detail = `required element ${type}.${element} is missing`;
      break;
    }
    case 'wrong-type':
      ({ path, detail } = wrongType(type, r));
      break;
    case 'invalid-date': {
      const keys = DATE_PATH[type];
      const holder = keys.length === 2 ? obj(r[keys[0]!], keys[0]!) : r;
      const last = keys[keys.length - 1]!;
      const original = String(holder[last]);
      const broken = brokenDate(original, rng);
      holder[last] = broken;
      path = `${type}.${keys.join('.')}`;
      detail = `"${broken}" is not a FHIR date or dateTime`;
      break;
    }
    case 'invalid-icd10': {
      const c = firstCoding(r, 'code');
      const code = String(c.code);
      const variants = [
        `${code.slice(1)}${code[0]}`,
        code.includes('.') ? code.replace('.', '-') : `${code}-0`,
        code.slice(0, 2),
        `CIM${code}`,
      ];
      c.code = mustFail(rng.pick(variants), isIcd10Code, 'ICD-10 code');
      path = `${type}.code.coding[0].code`;
      detail = `"${String(c.code)}" is not an ICD-10 code`;
      break;
    }
    case 'invalid-loinc': {
      const c = firstCoding(r, 'code');
      const [num] = String(c.code).split('-') as [string];
      const wrongDigit = (loincCheckDigit(num) + 1 + rng.int(9)) % 10;
      c.code = mustFail(`${num}-${wrongDigit}`, isLoincCode, 'LOINC code');
      path = `${type}.code.coding[0].code`;
      detail = `LOINC code "${String(c.code)}" has a wrong check digit`;
      break;
    }
    case 'invalid-atc': {
      const element = type === 'Immunization' ? 'vaccineCode' : 'medicationCodeableConcept';
      const c = firstCoding(r, element);
      const code = String(c.code);
      const variants = [
        code.slice(0, -1),
        `${code.slice(0, 3)}-${code.slice(3)}`,
        `${code[0]!}${code.slice(1, 3).replace(/\d/, 'O')}${code.slice(3)}`,
      ];
      c.code = mustFail(rng.pick(variants), isAtcCode, 'ATC code');
      path = `${type}.${element}.coding[0].code`;
      detail = `"${String(c.code)}" does not have the shape of an ATC code (A00AA00)`;
      break;
    }
    case 'invalid-ccam': {
      const c = firstCoding(r, 'code');
      const code = String(c.code);
      const variants = [code.slice(0, -1), code.slice(0, 3) + code.slice(4), `9${code.slice(1)}`];
      c.code = mustFail(rng.pick(variants), isCcamCode, 'CCAM code');
      path = `${type}.code.coding[0].code`;
      detail = `"${String(c.code)}" does not have the shape of a CCAM code (AAAA000)`;
      break;
    }
    case 'dangling-reference': {
      const useEncounter = r.encounter !== undefined && rng.chance(0.3);
      const element = useEncounter ? 'encounter' : subjectElement(type);
      const target = useEncounter
        ? `Encounter/${String(resource.id)}-ghost`
        : `Patient/${ctx.tag}-ghost-${rng.int(1_000_000)}`;
      r[element] = { reference: target };
      path = `${type}.${element}`;
      detail = `${target} is not in the output`;
      break;
    }
    case 'invalid-nir-key':
    case 'invalid-ins': {
      const identifiers = r.identifier as Json[];
      const ins = identifiers[0]!;
      const nir = String(ins.value);
      const body = nir.slice(0, 13);
      if (kind === 'invalid-nir-key') {
        const key = Number(nir.slice(13));
        // Any of the 96 other keys (1–97).
        const wrong = ((key + rng.int(96)) % 97) + 1;
        ins.value = body + String(wrong).padStart(2, '0');
        detail = 'NIR key does not match its body';
      } else {
        const variant = rng.int(3);
        ins.value =
          variant === 0
            ? body
            : variant === 1
              ? `${nir.slice(0, 10)}O${nir.slice(11)}`
              : `${nir[0] === '1' ? '9' : '0'}${nir.slice(1)}`;
        detail =
          variant === 0
            ? 'INS value has 13 characters: the key is missing'
            : variant === 1
              ? 'INS value holds a letter'
              : 'INS value has an impossible sex digit';
      }
      const check = checkNir(String(ins.value));
      if (check.ok || check.problem !== (kind === 'invalid-nir-key' ? 'key' : 'format')) {
        throw new Error(`fault injection produced a NIR that does not fail as ${kind}`);
      }
      path = 'Patient.identifier[0].value';
      break;
    }
  }
  return { fault: { kind, id, path, detail, text: JSON.stringify(r) }, resource: r };
}

function wrongType(type: SynthResourceType, r: Json): { path: string; detail: string } {
  switch (type) {
    case 'Patient':
      r.active = 'true';
      return { path: 'Patient.active', detail: 'string where a boolean is required' };
    case 'Encounter':
      r.length = { value: '45', unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' };
      return { path: 'Encounter.length.value', detail: 'string where a decimal is required' };
    case 'Observation': {
      const holder = r.valueQuantity !== undefined ? obj(r.valueQuantity, 'valueQuantity') : undefined;
      if (holder !== undefined) {
        holder.value = String(holder.value);
        return { path: 'Observation.valueQuantity.value', detail: 'string where a decimal is required' };
      }
      const components = r.component as Json[] | undefined;
      if (components !== undefined) {
        const q = obj(components[0]!.valueQuantity, 'component[0].valueQuantity');
        q.value = String(q.value);
        return {
          path: 'Observation.component[0].valueQuantity.value',
          detail: 'string where a decimal is required',
        };
      }
      r.valueCodeableConcept = 'Ex-smoker';
      return {
        path: 'Observation.valueCodeableConcept',
        detail: 'string where a CodeableConcept is required',
      };
    }
    case 'MedicationRequest': {
      const d = obj(r.dispenseRequest, 'dispenseRequest');
      d.numberOfRepeatsAllowed = String(d.numberOfRepeatsAllowed);
      return {
        path: 'MedicationRequest.dispenseRequest.numberOfRepeatsAllowed',
        detail: 'string where an unsignedInt is required',
      };
    }
    case 'Immunization':
      r.primarySource = 'true';
      return { path: 'Immunization.primarySource', detail: 'string where a boolean is required' };
    case 'Condition':
      r.onsetDateTime = Number(String(r.onsetDateTime).slice(0, 10).replaceAll('-', ''));
      return { path: 'Condition.onsetDateTime', detail: 'number where a dateTime string is required' };
    case 'DiagnosticReport':
      r.issued = Number(String(r.issued).slice(0, 10).replaceAll('-', ''));
      return { path: 'DiagnosticReport.issued', detail: 'number where an instant string is required' };
    case 'Procedure':
      r.performedDateTime = Number(String(r.performedDateTime).slice(0, 10).replaceAll('-', ''));
      return { path: 'Procedure.performedDateTime', detail: 'number where a dateTime string is required' };
    case 'MedicationStatement':
      r.dateAsserted = Number(String(r.dateAsserted).slice(0, 10).replaceAll('-', ''));
      return {
        path: 'MedicationStatement.dateAsserted',
        detail: 'number where a dateTime string is required',
      };
    case 'AllergyIntolerance':
      r.criticality = 1;
      return { path: 'AllergyIntolerance.criticality', detail: 'number where a code string is required' };
  }
}
