/**
 * The FHIR R4 structure as data, taken from the model the fhirpath package ships (element types, which
 * elements repeat, choice types, reference targets). Validation and the compiled FHIRPath accessors
 * both walk resources with it, so `Observation.value` finds `valueQuantity` and a `Period` is known to
 * hold `dateTime`s without the full StructureDefinitions.
 * @module
 */
import r4 from 'fhirpath/fhir-context/r4';
import { PRIMITIVE_TYPES } from './primitives.js';

/** What the model says about one element in one context. */
export interface ElementInfo {
  /** Model path, e.g. `Observation.valueQuantity`. */
  readonly path: string;
  /** Type name: a primitive (`date`), a data type (`CodeableConcept`), `Reference`, `Resource`… */
  readonly type: string;
  readonly primitive: boolean;
  /** True when the element is a JSON array. */
  readonly repeating: boolean;
  /** Context in which the element's children are looked up (a type name or a backbone path). */
  readonly childContext: string;
  /** Resource types a Reference may point to (empty: any). */
  readonly refTypes: readonly string[];
}

const path2Type = r4.path2Type as Record<string, string>;
const path2RefType = (r4 as unknown as { path2RefType: Record<string, string[]> }).path2RefType;
const path2Repeating = r4.path2Repeating as unknown as Record<string, boolean>;
const choiceTypePaths = r4.choiceTypePaths as Record<string, string[]>;
const elsewhere = r4.pathsDefinedElsewhere as Record<string, string>;
const type2Parent = r4.type2Parent as Record<string, string>;

const RESOURCE_TYPES = new Set(
  Object.keys(type2Parent).filter(
    (t) => type2Parent[t] === 'DomainResource' || type2Parent[t] === 'Resource',
  ),
);
RESOURCE_TYPES.delete('DomainResource');

/** True when `name` is an R4 resource type (Patient, Bundle, Parameters…). */
export function isResourceType(name: string): boolean {
  return RESOURCE_TYPES.has(name);
}

/** The type and its ancestors: `Patient` → [Patient, DomainResource, Resource]. */
export function typeAncestors(type: string): string[] {
  const out = [type];
  for (let t = type2Parent[type]; t !== undefined; t = type2Parent[t]) {
    out.push(t);
  }
  return out;
}

const tables = new Map<string, Map<string, ElementInfo | null>>();

function resolve(path: string): ElementInfo | undefined {
  let defined = path;
  let type = path2Type[path];
  if (type === undefined && elsewhere[path] !== undefined) {
    defined = elsewhere[path]!;
    type = path2Type[defined];
  }
  if (type === undefined) {
    return undefined;
  }
  const backbone = type === 'BackboneElement' || type === 'Element';
  return {
    path,
    type,
    primitive: PRIMITIVE_TYPES.has(type),
    repeating: path2Repeating[path] === true || path2Repeating[defined] === true,
    childContext: backbone ? defined : type,
    refTypes: path2RefType[path] ?? path2RefType[defined] ?? [],
  };
}

/**
 * The element `key` (a JSON property name, choice types spelled out: `valueQuantity`) of an object in
 * `context` (a type or backbone path), looking through parent types (`Age` → `Quantity`), or undefined
 * when the model does not know it. Answers are cached per context, so the hot path is two map reads.
 */
export function elementInfo(context: string, key: string): ElementInfo | undefined {
  let table = tables.get(context);
  if (table === undefined) {
    table = new Map();
    tables.set(context, table);
  }
  const hit = table.get(key);
  if (hit !== undefined) {
    return hit ?? undefined;
  }
  let info: ElementInfo | undefined;
  for (let c: string | undefined = context; c !== undefined && info === undefined; c = type2Parent[c]) {
    info = resolve(`${c}.${key}`);
  }
  table.set(key, info ?? null);
  return info;
}

const choiceCache = new Map<string, readonly string[] | null>();

/**
 * The JSON property names a choice element takes in `context` (`Observation` + `value` →
 * `valueQuantity`, `valueString`…), or undefined when `name` is not a choice element there.
 */
export function choiceKeys(context: string, name: string): readonly string[] | undefined {
  const cacheKey = `${context}.${name}`;
  const hit = choiceCache.get(cacheKey);
  if (hit !== undefined) {
    return hit ?? undefined;
  }
  let keys: string[] | undefined;
  for (let c: string | undefined = context; c !== undefined && keys === undefined; c = type2Parent[c]) {
    const path = `${c}.${name}`;
    const types = choiceTypePaths[path] ?? (elsewhere[path] ? choiceTypePaths[elsewhere[path]] : undefined);
    if (types) {
      keys = types.map((t) => name + t.charAt(0).toUpperCase() + t.slice(1));
    }
  }
  choiceCache.set(cacheKey, keys ?? null);
  return keys;
}

/** The FHIR R4 model object itself, for the fhirpath engine. */
export const R4_MODEL = r4;
