/**
 * Validation of one FHIR resource, without looking at any other record (references to the Patient are
 * checked by the pipeline, which holds the index of Patients).
 *
 * Every resource: a JSON object, a known R4 resourceType, an id of FHIR id shape.
 * The ten types handled in depth ({@link IN_DEPTH_TYPES}) also get: the elements R4 requires (min ≥ 1,
 * {@link REQUIRED_ELEMENTS}), each known element's JSON type, array-ness and primitive format (from the
 * R4 model), and the code format of every Coding whose system is a checked vocabulary. Elements the
 * model does not know are not errors: the profile's allow-list drops them.
 * @module
 */
import type { CodeSystemIndex } from './code-systems.js';
import type { QuarantineCode } from './errors.js';
import { choiceKeys, elementInfo, isResourceType, type ElementInfo } from './fhir-model.js';
import { ID_RE, primitiveCheck, type PrimitiveCheck } from './primitives.js';

/** One problem found in a record. */
export interface Issue {
  readonly code: QuarantineCode;
  /** Element path, e.g. `Observation.component[1].code`. */
  readonly path: string;
  readonly message: string;
}

/** The resource types validated against the R4 structure, not only generically. */
export const IN_DEPTH_TYPES: ReadonlySet<string> = new Set([
  'Patient',
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'Procedure',
  'Immunization',
  'AllergyIntolerance',
  'DiagnosticReport',
]);

/**
 * Elements with a minimum cardinality of 1 in R4, per context (resource, backbone path or data type);
 * `x[x]` stands for any type of the choice element `x`.
 */
export const REQUIRED_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  'Patient.communication': ['language'],
  'Patient.link': ['other', 'type'],
  Encounter: ['status', 'class'],
  'Encounter.statusHistory': ['status', 'period'],
  'Encounter.classHistory': ['class', 'period'],
  'Encounter.diagnosis': ['condition'],
  'Encounter.location': ['location'],
  Condition: ['subject'],
  Observation: ['status', 'code'],
  'Observation.component': ['code'],
  MedicationRequest: ['status', 'intent', 'medication[x]', 'subject'],
  'MedicationRequest.substitution': ['allowed[x]'],
  MedicationStatement: ['status', 'medication[x]', 'subject'],
  Procedure: ['status', 'subject'],
  'Procedure.performer': ['actor'],
  'Procedure.focalDevice': ['manipulated'],
  Immunization: ['status', 'vaccineCode', 'patient', 'occurrence[x]'],
  'Immunization.performer': ['actor'],
  'Immunization.protocolApplied': ['doseNumber[x]'],
  AllergyIntolerance: ['patient'],
  'AllergyIntolerance.reaction': ['manifestation'],
  DiagnosticReport: ['status', 'code'],
  'DiagnosticReport.media': ['link'],
  Extension: ['url'],
  Narrative: ['status', 'div'],
  Annotation: ['text'],
};

/** Codes with a required binding in R4 for the in-depth types: any other value is a wrong code. */
export const REQUIRED_CODES: Readonly<Record<string, ReadonlySet<string>>> = {
  'Patient.gender': new Set(['male', 'female', 'other', 'unknown']),
  'Encounter.status': new Set([
    'planned',
    'arrived',
    'triaged',
    'in-progress',
    'onleave',
    'finished',
    'cancelled',
    'entered-in-error',
    'unknown',
  ]),
  'Observation.status': new Set([
    'registered',
    'preliminary',
    'final',
    'amended',
    'corrected',
    'cancelled',
    'entered-in-error',
    'unknown',
  ]),
  'MedicationRequest.status': new Set([
    'active',
    'on-hold',
    'cancelled',
    'completed',
    'entered-in-error',
    'stopped',
    'draft',
    'unknown',
  ]),
  'MedicationRequest.intent': new Set([
    'proposal',
    'plan',
    'order',
    'original-order',
    'reflex-order',
    'filler-order',
    'instance-order',
    'option',
  ]),
  'MedicationStatement.status': new Set([
    'active',
    'completed',
    'entered-in-error',
    'intended',
    'stopped',
    'on-hold',
    'unknown',
    'not-taken',
  ]),
  'Procedure.status': new Set([
    'preparation',
    'in-progress',
    'not-done',
    'on-hold',
    'stopped',
    'completed',
    'entered-in-error',
    'unknown',
  ]),
  'Immunization.status': new Set(['completed', 'entered-in-error', 'not-done']),
  'AllergyIntolerance.type': new Set(['allergy', 'intolerance']),
  'AllergyIntolerance.criticality': new Set(['low', 'high', 'unable-to-assess']),
  'AllergyIntolerance.category': new Set(['food', 'medication', 'environment', 'biologic']),
  'DiagnosticReport.status': new Set([
    'registered',
    'partial',
    'preliminary',
    'final',
    'amended',
    'corrected',
    'appended',
    'cancelled',
    'entered-in-error',
    'unknown',
  ]),
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the envelope every resource must have. Returns the issue, or undefined when `value` is an
 * object with a known resourceType and a well-formed id (or none).
 */
export function envelopeIssue(value: unknown, at = ''): Issue | undefined {
  if (!isPlainObject(value)) {
    return {
      code: 'INGEST_NOT_A_RESOURCE',
      path: at || '(record)',
      message: 'the record is not a JSON object',
    };
  }
  const type = value['resourceType'];
  if (typeof type !== 'string' || type.length === 0) {
    return {
      code: 'INGEST_NOT_A_RESOURCE',
      path: at || '(record)',
      message: 'resourceType is missing or not a string',
    };
  }
  const where = at || type;
  if (!isResourceType(type)) {
    return {
      code: 'INGEST_UNKNOWN_RESOURCE_TYPE',
      path: `${where}.resourceType`,
      message: `"${type}" is not an R4 resource type`,
    };
  }
  const id = value['id'];
  if (id !== undefined && (typeof id !== 'string' || !ID_RE.test(id))) {
    return {
      code: 'INGEST_BAD_ID',
      path: `${where}.id`,
      message: 'id must be 1 to 64 characters of A-Z a-z 0-9 - .',
    };
  }
  return undefined;
}

/** Validates one resource; an empty list means valid. Stops after `maxIssues` issues. */
export function validateResource(value: unknown, codes: CodeSystemIndex, maxIssues = 20): Issue[] {
  const envelope = envelopeIssue(value);
  if (envelope) {
    return [envelope];
  }
  const resource = value as Record<string, unknown>;
  const type = resource['resourceType'] as string;
  if (!IN_DEPTH_TYPES.has(type)) {
    return [];
  }
  const issues: Issue[] = [];
  walkObject(resource, contextOf(type), { codes, issues, maxIssues, path: [type] });
  return issues.length > maxIssues ? issues.slice(0, maxIssues) : issues;
}

/**
 * What validation needs about one context (a type or backbone path), resolved once: its elements by
 * JSON key, its required elements, whether it is a Coding. The walk then costs one map read per key,
 * where looking the context up by name, then the key, then the required list, cost three.
 */
interface Context {
  readonly name: string;
  /** null: the model does not know the key here. */
  readonly elements: Map<string, Element | null>;
  readonly required: readonly string[] | undefined;
  readonly coding: boolean;
}

/** One element of a context, with its checks resolved. */
interface Element {
  readonly info: ElementInfo;
  /** For primitives: the check of its type. */
  readonly check: PrimitiveCheck | undefined;
  /** Codes of a required binding, when the element has one. */
  readonly allowed: ReadonlySet<string> | undefined;
  /** The context of the element's children, resolved on first use. */
  child: Context | undefined;
}

const contexts = new Map<string, Context>();

function contextOf(name: string): Context {
  let ctx = contexts.get(name);
  if (ctx === undefined) {
    ctx = { name, elements: new Map(), required: REQUIRED_ELEMENTS[name], coding: name === 'Coding' };
    contexts.set(name, ctx);
  }
  return ctx;
}

function elementOf(ctx: Context, key: string): Element | null {
  let el = ctx.elements.get(key);
  if (el === undefined) {
    const info = elementInfo(ctx.name, key);
    el =
      info === undefined
        ? null
        : {
            info,
            check: info.primitive ? primitiveCheck(info.type) : undefined,
            allowed: info.primitive ? REQUIRED_CODES[info.path] : undefined,
            child: undefined,
          };
    ctx.elements.set(key, el);
  }
  return el;
}

interface WalkState {
  readonly codes: CodeSystemIndex;
  readonly issues: Issue[];
  readonly maxIssues: number;
  /**
   * Where the walk is: the resource type, then keys and array indexes, pushed and popped as the walk
   * goes (no allocation per element). Paths are spelled out only for issues.
   */
  readonly path: (string | number)[];
}

function spell(st: WalkState, key?: string, index?: number): string {
  const path = st.path;
  let s = path[0] as string;
  for (let i = 1; i < path.length; i++) {
    const k = path[i]!;
    s += typeof k === 'number' ? `[${k}]` : `.${k}`;
  }
  if (key !== undefined) {
    s += `.${key}`;
  }
  if (index !== undefined) {
    s += `[${index}]`;
  }
  return s;
}

function walkObject(obj: Record<string, unknown>, ctx: Context, st: WalkState): void {
  for (const key in obj) {
    if (st.issues.length >= st.maxIssues) {
      return;
    }
    const value = obj[key];
    if (key === 'resourceType' || key.charCodeAt(0) === 95 /* _ */) {
      continue;
    }
    const el = elementOf(ctx, key);
    if (el === null) {
      continue;
    }
    if (value === null) {
      st.issues.push({
        code: 'INGEST_BAD_TYPE',
        path: spell(st, key),
        message: 'null is not allowed here',
      });
      continue;
    }
    if (el.info.repeating) {
      if (!Array.isArray(value)) {
        st.issues.push({ code: 'INGEST_BAD_TYPE', path: spell(st, key), message: 'must be a JSON array' });
        continue;
      }
      if (value.length === 0) {
        st.issues.push({
          code: 'INGEST_BAD_TYPE',
          path: spell(st, key),
          message: 'an array must not be empty',
        });
        continue;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        // Primitive arrays may hold null where the `_key` sibling carries the item's extension.
        if (item === null && el.info.primitive && obj[`_${key}`] !== undefined) {
          continue;
        }
        checkItem(item, el, key, i, st);
      }
    } else if (Array.isArray(value)) {
      st.issues.push({ code: 'INGEST_BAD_TYPE', path: spell(st, key), message: 'must not be an array' });
    } else {
      checkItem(value, el, key, undefined, st);
    }
  }
  if (ctx.required !== undefined) {
    checkRequired(obj, ctx, st);
  }
  if (ctx.coding) {
    checkCoding(obj, st);
  }
}

function checkItem(value: unknown, el: Element, key: string, index: number | undefined, st: WalkState): void {
  const info = el.info;
  if (el.check !== undefined) {
    const problem = el.check(value);
    if (problem !== undefined) {
      st.issues.push({
        code: 'INGEST_BAD_TYPE',
        path: spell(st, key, index),
        message: `${info.type} ${problem}`,
      });
      return;
    }
    const allowed = el.allowed;
    if (allowed !== undefined && typeof value === 'string' && !allowed.has(value)) {
      st.issues.push({
        code: 'INGEST_BAD_CODE',
        path: spell(st, key, index),
        message: `"${value}" is not one of ${[...allowed].join(', ')}`,
      });
    }
    return;
  }
  if (!isPlainObject(value)) {
    st.issues.push({
      code: 'INGEST_BAD_TYPE',
      path: spell(st, key, index),
      message: `${info.type} must be a JSON object`,
    });
    return;
  }
  if (info.type === 'Resource') {
    const issue = envelopeIssue(value, spell(st, key, index));
    if (issue) {
      st.issues.push(issue);
    }
    return;
  }
  st.path.push(key);
  if (index !== undefined) {
    st.path.push(index);
  }
  walkObject(value, (el.child ??= contextOf(info.childContext)), st);
  // pop(), not a length assignment: the latter is a runtime call in V8.
  st.path.pop();
  if (index !== undefined) {
    st.path.pop();
  }
}

function present(obj: Record<string, unknown>, key: string): boolean {
  const v = obj[key];
  if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) {
    return true;
  }
  // A primitive may be absent when its extension (e.g. data-absent-reason) stands in for it.
  return obj[`_${key}`] !== undefined;
}

function checkRequired(obj: Record<string, unknown>, ctx: Context, st: WalkState): void {
  for (const name of ctx.required!) {
    const missing = name.endsWith('[x]')
      ? !(choiceKeys(ctx.name, name.slice(0, -3)) ?? []).some((k) => present(obj, k))
      : !present(obj, name);
    if (missing) {
      const path = spell(st, name);
      st.issues.push({ code: 'INGEST_MISSING_ELEMENT', path, message: `${path} is required` });
    }
  }
}

function checkCoding(coding: Record<string, unknown>, st: WalkState): void {
  const system = coding['system'];
  const code = coding['code'];
  if (typeof system !== 'string' || typeof code !== 'string') {
    return;
  }
  const rule = st.codes.rule(system);
  if (rule === undefined) {
    return;
  }
  const problem = rule.check(code);
  if (problem !== undefined) {
    st.issues.push({
      code: 'INGEST_BAD_CODE',
      path: spell(st, 'code'),
      message: `${rule.vocabulary} code "${code}" ${problem}`,
    });
  }
}
