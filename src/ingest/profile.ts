/**
 * Pseudonymisation profiles: data (YAML or JSON), versioned, checked when loaded. See docs/ingest.md
 * for the format; in short:
 *
 * ```yaml
 * name: fr-default
 * version: 1.0.0
 * person:                       # how a Patient's person pseudonym is keyed
 *   identifiers:
 *     - { system: "urn:oid:1.2.250.1.213.1.4.8", check: nir }
 *   fallback: resource-id       # or: quarantine
 * parameters:
 *   dateShiftMaxDays: 90
 * rules:                        # in order; the first rule reaching a node wins; the rest is redacted
 *   - { path: "Resource.id", method: pseudonym }
 *   - { path: "Patient.birthDate", method: generalize, params: { to: year-month } }
 *   - { column: "*", when: { type: [date] }, method: dateShift }
 * ```
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { IngestErrors } from './errors.js';
import { compileSelector } from './selectors.js';

export const METHODS = [
  'keep',
  'redact',
  'pseudonym',
  'dateShift',
  'generalize',
  'perturb',
  'substitute',
] as const;
export type Method = (typeof METHODS)[number];

export const GENERALIZATIONS = ['year', 'year-month', 'departement', 'age'] as const;
export type Generalization = (typeof GENERALIZATIONS)[number];

export const CSV_TYPES = ['string', 'integer', 'decimal', 'date', 'datetime', 'boolean'] as const;
export type CsvType = (typeof CSV_TYPES)[number];

export const CSV_ROLES = ['birth-date', 'postal-code', 'age', 'sex'] as const;
export type CsvRole = (typeof CSV_ROLES)[number];

/** Which CSV columns a `column` rule reaches, besides their name. */
export interface ColumnCondition {
  readonly type?: readonly CsvType[];
  readonly identifying?: boolean;
  /** True: columns that declare a code system; false: columns that do not. */
  readonly coded?: boolean;
  readonly role?: readonly CsvRole[];
}

export interface RuleParams {
  /** pseudonym: `value` (a keyed token of the value) or `person` (the record's person pseudonym). */
  readonly of?: 'value' | 'person';
  /** generalize: the coarser form. */
  readonly to?: Generalization;
  /** perturb: width of the noise interval (a fraction of the value when proportional). */
  readonly span?: number;
  readonly proportional?: boolean;
  readonly roundTo?: number;
  /** substitute: the constant put in place of the node. */
  readonly value?: unknown;
}

export interface ProfileRule {
  /** FHIRPath selecting nodes of FHIR resources. */
  readonly path?: string;
  /** CSV column name, `table.column`, with `*` wildcards. */
  readonly column?: string;
  readonly when?: ColumnCondition;
  readonly method: Method;
  readonly params: RuleParams;
}

export interface PersonIdentifierRule {
  /** Identifier.system naming the national identifier (an INS OID). */
  readonly system: string;
  /** `nir`: the value must be a valid NIR/INS matricule, else the record is quarantined. */
  readonly check: 'nir' | 'none';
}

export interface Profile {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly person: {
    /** In order of preference: the first present one keys the person pseudonym. */
    readonly identifiers: readonly PersonIdentifierRule[];
    /** What a Patient without any of them gets: a source-local pseudonym, or quarantine. */
    readonly fallback: 'resource-id' | 'quarantine';
  };
  readonly parameters: {
    /** dateShift moves a person's dates by the same number of days in [−max, −1] ∪ [1, max]. */
    readonly dateShiftMaxDays: number;
  };
  readonly rules: readonly ProfileRule[];
  /** SHA-256 of the profile's canonical JSON, recorded with the ingest. */
  readonly digest: string;
  /** File it was loaded from, for messages. */
  readonly source: string;
}

/** Accumulates every problem of a document, then throws them together. */
class Problems {
  readonly list: string[] = [];
  add(field: string, message: string): void {
    this.list.push(`${field}: ${message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  field: string,
  p: Problems,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      p.add(field ? `${field}.${key}` : key, `unknown field (expected one of ${allowed.join(', ')})`);
    }
  }
}

function stringList<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
  p: Problems,
): readonly T[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'string' || !allowed.includes(item as T)) {
      p.add(field, `"${String(item)}" is not one of ${allowed.join(', ')}`);
    }
  }
  return list as T[];
}

function parseParams(method: Method, raw: unknown, field: string, p: Problems): RuleParams {
  if (raw === undefined) {
    raw = {};
  }
  if (!isObject(raw)) {
    p.add(field, 'must be an object');
    return {};
  }
  const allowed: Record<Method, readonly string[]> = {
    keep: [],
    redact: [],
    pseudonym: ['of'],
    dateShift: [],
    generalize: ['to'],
    perturb: ['span', 'proportional', 'roundTo'],
    substitute: ['value'],
  };
  checkKeys(raw, allowed[method], field, p);
  const params: { -readonly [K in keyof RuleParams]: RuleParams[K] } = {};
  if (method === 'pseudonym' && raw['of'] !== undefined) {
    if (raw['of'] !== 'value' && raw['of'] !== 'person') {
      p.add(`${field}.of`, 'must be "value" or "person"');
    } else {
      params.of = raw['of'];
    }
  }
  if (method === 'generalize') {
    if (typeof raw['to'] !== 'string' || !(GENERALIZATIONS as readonly string[]).includes(raw['to'])) {
      p.add(`${field}.to`, `is required, one of ${GENERALIZATIONS.join(', ')}`);
    } else {
      params.to = raw['to'] as Generalization;
    }
  }
  if (method === 'perturb') {
    const span = raw['span'];
    if (typeof span !== 'number' || !(span > 0)) {
      p.add(`${field}.span`, 'is required, a number > 0');
    } else {
      params.span = span;
    }
    if (raw['proportional'] !== undefined && typeof raw['proportional'] !== 'boolean') {
      p.add(`${field}.proportional`, 'must be true or false');
    }
    params.proportional = raw['proportional'] !== false;
    const roundTo = raw['roundTo'] ?? 2;
    if (!Number.isInteger(roundTo) || (roundTo as number) < 0 || (roundTo as number) > 6) {
      p.add(`${field}.roundTo`, 'must be an integer from 0 to 6');
    } else {
      params.roundTo = roundTo as number;
    }
  }
  if (method === 'substitute') {
    if (!('value' in raw)) {
      p.add(`${field}.value`, 'is required');
    } else {
      params.value = raw['value'];
    }
  }
  return params;
}

function parseCondition(raw: unknown, field: string, p: Problems): ColumnCondition | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (!isObject(raw)) {
    p.add(field, 'must be an object');
    return undefined;
  }
  checkKeys(raw, ['type', 'identifying', 'coded', 'role'], field, p);
  const out: { -readonly [K in keyof ColumnCondition]: ColumnCondition[K] } = {};
  const type = stringList(raw['type'], CSV_TYPES, `${field}.type`, p);
  if (type) {
    out.type = type;
  }
  const role = stringList(raw['role'], CSV_ROLES, `${field}.role`, p);
  if (role) {
    out.role = role;
  }
  for (const flag of ['identifying', 'coded'] as const) {
    if (raw[flag] === undefined) {
      continue;
    }
    if (typeof raw[flag] !== 'boolean') {
      p.add(`${field}.${flag}`, 'must be true or false');
    } else {
      out[flag] = raw[flag];
    }
  }
  return out;
}

/**
 * Checks a parsed profile document and returns the profile; throws INGEST_PROFILE_INVALID listing
 * every problem with its field when it does not match the format.
 */
export function parseProfile(doc: unknown, source: string): Profile {
  const p = new Problems();
  if (!isObject(doc)) {
    throw IngestErrors.INGEST_PROFILE_INVALID(`profile ${source}: the document must be a mapping`);
  }
  checkKeys(doc, ['name', 'version', 'description', 'person', 'parameters', 'rules'], '', p);
  const name = doc['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    p.add('name', 'is required: letters, digits, . _ -');
  }
  const version = doc['version'];
  if (typeof version !== 'string' || version.length === 0) {
    p.add('version', 'is required, a string such as "1.0.0"');
  }
  if (doc['description'] !== undefined && typeof doc['description'] !== 'string') {
    p.add('description', 'must be a string');
  }

  const personRaw = doc['person'] ?? {};
  const identifiers: PersonIdentifierRule[] = [];
  let fallback: 'resource-id' | 'quarantine' = 'resource-id';
  if (!isObject(personRaw)) {
    p.add('person', 'must be a mapping');
  } else {
    checkKeys(personRaw, ['identifiers', 'fallback'], 'person', p);
    const ids = personRaw['identifiers'] ?? [];
    if (!Array.isArray(ids)) {
      p.add('person.identifiers', 'must be a list');
    } else {
      ids.forEach((raw: unknown, i) => {
        const field = `person.identifiers[${i}]`;
        if (!isObject(raw)) {
          p.add(field, 'must be a mapping');
          return;
        }
        checkKeys(raw, ['system', 'check'], field, p);
        if (typeof raw['system'] !== 'string' || raw['system'] === '') {
          p.add(`${field}.system`, 'is required');
          return;
        }
        const check = raw['check'] ?? 'none';
        if (check !== 'nir' && check !== 'none') {
          p.add(`${field}.check`, 'must be "nir" or "none"');
          return;
        }
        identifiers.push({ system: raw['system'], check });
      });
    }
    const fb = personRaw['fallback'] ?? 'resource-id';
    if (fb !== 'resource-id' && fb !== 'quarantine') {
      p.add('person.fallback', 'must be "resource-id" or "quarantine"');
    } else {
      fallback = fb;
    }
  }

  const paramsRaw = doc['parameters'] ?? {};
  let dateShiftMaxDays = 90;
  if (!isObject(paramsRaw)) {
    p.add('parameters', 'must be a mapping');
  } else {
    checkKeys(paramsRaw, ['dateShiftMaxDays'], 'parameters', p);
    const d = paramsRaw['dateShiftMaxDays'] ?? 90;
    if (!Number.isInteger(d) || (d as number) < 1 || (d as number) > 3650) {
      p.add('parameters.dateShiftMaxDays', 'must be an integer from 1 to 3650');
    } else {
      dateShiftMaxDays = d as number;
    }
  }

  const rules: ProfileRule[] = [];
  const rawRules = doc['rules'];
  if (!Array.isArray(rawRules) || rawRules.length === 0) {
    p.add('rules', 'is required, a non-empty list');
  } else {
    rawRules.forEach((raw: unknown, i) => {
      const field = `rules[${i}]`;
      if (!isObject(raw)) {
        p.add(field, 'must be a mapping');
        return;
      }
      checkKeys(raw, ['path', 'column', 'when', 'method', 'params'], field, p);
      const path = raw['path'];
      const column = raw['column'];
      if ((path === undefined) === (column === undefined)) {
        p.add(field, 'needs exactly one of path (FHIRPath) or column (CSV)');
        return;
      }
      if (path !== undefined) {
        if (typeof path !== 'string' || path.trim() === '') {
          p.add(`${field}.path`, 'must be a FHIRPath expression');
          return;
        }
        try {
          compileSelector(path);
        } catch (err) {
          p.add(`${field}.path`, `is not valid FHIRPath: ${(err as Error).message.split('\n')[0]}`);
          return;
        }
        if (raw['when'] !== undefined) {
          p.add(`${field}.when`, 'applies to column rules only');
        }
      }
      if (column !== undefined && (typeof column !== 'string' || !/^[A-Za-z0-9_*.?-]+$/.test(column))) {
        p.add(`${field}.column`, 'must be a column name, table.column, with * or ? wildcards');
        return;
      }
      const method = raw['method'];
      if (typeof method !== 'string' || !(METHODS as readonly string[]).includes(method)) {
        p.add(`${field}.method`, `is required, one of ${METHODS.join(', ')}`);
        return;
      }
      const params = parseParams(method as Method, raw['params'], `${field}.params`, p);
      const when = parseCondition(raw['when'], `${field}.when`, p);
      rules.push({
        ...(path !== undefined ? { path: path } : { column: column }),
        ...(when ? { when } : {}),
        method: method as Method,
        params,
      });
    });
  }

  if (p.list.length > 0) {
    throw IngestErrors.INGEST_PROFILE_INVALID(`profile ${source} is invalid:\n  ${p.list.join('\n  ')}`, {
      details: { file: source, problems: p.list },
    });
  }
  const body = {
    name: name as string,
    version: version as string,
    ...(typeof doc['description'] === 'string' ? { description: doc['description'] } : {}),
    person: { identifiers, fallback },
    parameters: { dateShiftMaxDays },
    rules,
  };
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { ...body, digest, source };
}

/** Parses profile text (YAML, of which JSON is a subset). */
export function parseProfileText(text: string, source: string): Profile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw IngestErrors.INGEST_PROFILE_INVALID(
      `profile ${source} is not valid YAML/JSON: ${(err as Error).message}`,
      {
        cause: err,
        details: { file: source },
      },
    );
  }
  return parseProfile(doc, source);
}

/** Reads and checks a profile file (.yaml, .yml or .json). */
export async function loadProfile(file: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw IngestErrors.INGEST_INPUT_NOT_FOUND(`profile ${file} cannot be read`, { cause: err });
  }
  return parseProfileText(text, file);
}

/** Where the built-in profiles live. */
export const BUILT_IN_PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

/** The default profile for French data (profiles/fr-default.yaml). */
export async function defaultProfile(): Promise<Profile> {
  return loadProfile(`${BUILT_IN_PROFILES_DIR}fr-default.yaml`);
}
