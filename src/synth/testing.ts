/**
 * Test oracle for generated output: an independent, deliberately plain re-statement of the rules a
 * record breaks (FHIR R4 date regexes, required elements, code formats, NIR keys), used by the tests
 * to confirm that every listed fault is malformed exactly as described and every other record is not.
 * @module
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { codeFormatCheck, isAtcCode, isCcamCode, isIcd10Code, isLoincCode } from './code-formats.js';
import type { FaultEntry } from './faults.js';
import { INS_NIR_SYSTEM, checkIns, checkNir } from './nir.js';

/** FHIR R4 `dateTime` (which includes `date`), from the specification's regex. */
const FHIR_DATETIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

/** Names of all FHIR R4 resource types, read from the official example set's file names. */
export function r4ResourceTypes(): Set<string> {
  const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
  const types = new Set<string>();
  for (const name of readdirSync(dir)) {
    const m = /^([A-Z][A-Za-z]+)-/.exec(name);
    if (m !== null) {
      types.add(m[1]!);
    }
  }
  return types;
}

type Json = Record<string, unknown>;

/** Follows `Type.a.b[0].c` (the leading type is dropped) into a parsed resource. */
export function at(resource: Json, path: string): unknown {
  const parts = path.split('.');
  if (/^[A-Z]/.test(parts[0]!)) {
    parts.shift();
  }
  let node: unknown = resource;
  for (const part of parts) {
    const m = /^([A-Za-z]+)(\[(\d+)\])?$/.exec(part);
    if (m === null || node === null || typeof node !== 'object') {
      return undefined;
    }
    node = (node as Json)[m[1]!];
    if (m[3] !== undefined) {
      node = Array.isArray(node) ? node[Number(m[3])] : undefined;
    }
  }
  return node;
}

function parse(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Every `reference` string in a resource. */
export function referencesOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) {
      referencesOf(n, out);
    }
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string') {
        out.push(v);
      } else {
        referencesOf(v, out);
      }
    }
  }
  return out;
}

function badCodes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) {
      badCodes(n, out);
    }
  } else if (node !== null && typeof node === 'object') {
    const o = node as Json;
    if (typeof o.system === 'string' && typeof o.code === 'string') {
      const check = codeFormatCheck(o.system);
      if (check !== undefined && !check(o.code)) {
        out.push(`${o.system}|${o.code}`);
      }
    }
    for (const v of Object.values(o)) {
      badCodes(v, out);
    }
  }
  return out;
}

const REQUIRED: Record<string, readonly string[]> = {
  Encounter: ['status', 'class'],
  Condition: ['subject'],
  Observation: ['status', 'code'],
  DiagnosticReport: ['status', 'code'],
  Procedure: ['status', 'subject'],
  MedicationRequest: ['status', 'intent', 'subject', 'medication'],
  MedicationStatement: ['status', 'subject', 'medication'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrence'],
  AllergyIntolerance: ['patient'],
};

const present = (r: Json, element: string): boolean =>
  Object.keys(r).some(
    (k) => k === element || (k.startsWith(element) && /^[A-Z]/.test(k.slice(element.length))),
  );

/**
 * Says why a record listed as a fault is *not* malformed as its entry describes, or undefined when
 * it is. `ids` holds every `Type/id` of the output.
 */
export function faultMismatch(
  text: string,
  entry: FaultEntry,
  ids: ReadonlySet<string>,
  r4Types: ReadonlySet<string>,
): string | undefined {
  const r = parse(text);
  if (entry.kind === 'invalid-json') {
    return r === undefined && text.length > 0 ? undefined : 'line parses as JSON';
  }
  if (r === undefined) {
    return 'line is not a JSON object';
  }
  if (r.id !== entry.id) {
    return `id ${String(r.id)} is not ${entry.id}`;
  }
  const value = at(r, entry.path);
  switch (entry.kind) {
    case 'missing-resource-type':
      return 'resourceType' in r ? 'resourceType is present' : undefined;
    case 'unknown-resource-type':
      return typeof r.resourceType === 'string' && !r4Types.has(r.resourceType)
        ? undefined
        : `resourceType ${String(r.resourceType)} is known`;
    case 'missing-required-element': {
      const element = entry.path.split('.')[1]!.replace('[x]', '');
      if (!REQUIRED[entry.resourceType]?.includes(element)) {
        return `${entry.path} is not required`;
      }
      return present(r, element) ? `${entry.path} is present` : undefined;
    }
    case 'wrong-type': {
      const expected = /^(string|number) where/.exec(entry.detail)?.[1];
      return expected !== undefined && typeof value === expected
        ? undefined
        : `${entry.path} is ${typeof value}`;
    }
    case 'invalid-date':
      return typeof value === 'string' && !FHIR_DATETIME.test(value)
        ? undefined
        : `${String(value)} is a valid date`;
    case 'invalid-icd10':
      return typeof value === 'string' && !isIcd10Code(value)
        ? undefined
        : `${String(value)} is a valid ICD-10 code`;
    case 'invalid-loinc':
      return typeof value === 'string' && !isLoincCode(value)
        ? undefined
        : `${String(value)} is a valid LOINC code`;
    case 'invalid-atc':
      return typeof value === 'string' && !isAtcCode(value)
        ? undefined
        : `${String(value)} is a valid ATC code`;
    case 'invalid-ccam':
      return typeof value === 'string' && !isCcamCode(value)
        ? undefined
        : `${String(value)} is a valid CCAM code`;
    case 'dangling-reference': {
      const ref = (value as { reference?: unknown } | undefined)?.reference;
      return typeof ref === 'string' && !ids.has(ref) ? undefined : `${String(ref)} resolves`;
    }
    case 'invalid-nir-key': {
      const check = checkNir(String(value));
      return !check.ok && check.problem === 'key' ? undefined : `${String(value)} does not fail on its key`;
    }
    case 'invalid-ins': {
      const check = checkNir(String(value));
      return !check.ok && check.problem === 'format' ? undefined : `${String(value)} is not malformed`;
    }
  }
}

/** Says what is wrong with a record that should be well-formed, or undefined. */
export function cleanProblem(text: string, fileType: string, ids: ReadonlySet<string>): string | undefined {
  const r = parse(text);
  if (r === undefined) {
    return 'not a JSON object';
  }
  if (fileType !== 'Bundle' && r.resourceType !== fileType) {
    return `resourceType ${String(r.resourceType)} in ${fileType} file`;
  }
  const type = String(r.resourceType);
  for (const element of REQUIRED[type] ?? []) {
    if (!present(r, element)) {
      return `${type}.${element} missing`;
    }
  }
  const bad = badCodes(r);
  if (bad.length > 0) {
    return `bad codes ${bad.join(', ')}`;
  }
  for (const ref of referencesOf(r)) {
    if (!ids.has(ref)) {
      return `dangling ${ref}`;
    }
  }
  const dates = JSON.stringify(r).match(/"\d{4}-[^"]*"/g) ?? [];
  for (const d of dates) {
    const v = d.slice(1, -1);
    if (/^\d{4}-\d{2}-\d{2}/.test(v) && !FHIR_DATETIME.test(v)) {
      return `bad date ${v}`;
    }
  }
  if (type === 'Patient') {
    const identifiers = (r.identifier as { system?: string; value?: string }[] | undefined) ?? [];
    const ins = identifiers.find((i) => i.system === INS_NIR_SYSTEM);
    if (ins === undefined || !checkIns(ins).ok) {
      return `invalid INS ${String(ins?.value)}`;
    }
    if (r.active !== true) {
      return 'Patient.active is not true';
    }
  }
  return undefined;
}
