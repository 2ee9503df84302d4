/**
 * CSV schemas: what a claims-like CSV file holds, declared by its producer (YAML or JSON):
 *
 * ```yaml
 * name: pharmacy_claims          # output table name
 * version: 1
 * delimiter: ";"                 # default ","
 * header: true                   # first row names the columns (default true)
 * dateFormat: DD/MM/YYYY         # YYYY-MM-DD (default), DD/MM/YYYY or YYYYMMDD
 * decimalSeparator: ","          # default "."
 * files: ["pharmacy_*.csv"]      # which files it describes, when not given as a sidecar
 * person: { column: nir, check: nir }
 * columns:
 *   - { name: nir, type: string, identifying: true }
 *   - { name: dispensed_on, type: date, required: true }
 *   - { name: cip13, type: string, code: CIP13 }
 *   - { name: boxes, type: integer }
 * ```
 *
 * A CSV file `claims.csv` uses the sidecar `claims.schema.yaml` (or .yml, .json) next to it when there
 * is one, else the first schema given to the ingest whose `files` patterns match its name.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ruleForVocabulary, type CodeSystemRule } from './code-systems.js';
import { IngestErrors } from './errors.js';
import { CSV_ROLES, CSV_TYPES, type CsvRole, type CsvType } from './profile.js';
import { ANALYTIC_TABLES } from './tables.js';

export interface CsvColumn {
  readonly name: string;
  readonly type: CsvType;
  /** The column identifies a person (name, address, phone, an identifier): a profile may not keep it as is. */
  readonly identifying: boolean;
  readonly required: boolean;
  /** Vocabulary whose format the values must have (ICD10, LOINC, ATC, CIP13, CCAM, UCD, SNOMED). */
  readonly code?: string;
  /** What the column means, so profiles can coarsen it (birth date, postal code, age, sex). */
  readonly role?: CsvRole;
  readonly description?: string;
}

export interface CsvSchema {
  readonly name: string;
  readonly version: string;
  readonly delimiter: string;
  readonly header: boolean;
  readonly dateFormat: 'YYYY-MM-DD' | 'DD/MM/YYYY' | 'YYYYMMDD';
  readonly decimalSeparator: '.' | ',';
  readonly files: readonly string[];
  readonly person: { readonly column: string; readonly check: 'nir' | 'none' };
  readonly columns: readonly CsvColumn[];
  readonly source: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const RESERVED = new Set(ANALYTIC_TABLES.map((t) => t.name));

/** Checks a parsed schema document; throws INGEST_SCHEMA_INVALID listing every problem with its field. */
export function parseCsvSchema(
  doc: unknown,
  source: string,
  extraCodes: readonly CodeSystemRule[] = [],
): CsvSchema {
  const problems: string[] = [];
  const bad = (field: string, message: string): void => void problems.push(`${field}: ${message}`);
  if (!isObject(doc)) {
    throw IngestErrors.INGEST_SCHEMA_INVALID(`CSV schema ${source}: the document must be a mapping`);
  }
  const known = [
    'name',
    'version',
    'description',
    'delimiter',
    'header',
    'dateFormat',
    'decimalSeparator',
    'files',
    'person',
    'columns',
  ];
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) {
      bad(key, `unknown field (expected one of ${known.join(', ')})`);
    }
  }

  const name = doc['name'];
  if (typeof name !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
    bad('name', 'is required: lower-case letters, digits and _ (a table name)');
  } else if (RESERVED.has(name)) {
    bad('name', `"${name}" is the name of a built-in table`);
  }
  const rawVersion = doc['version'] ?? '1';
  const version = typeof rawVersion === 'string' || typeof rawVersion === 'number' ? String(rawVersion) : '';
  if (version === '') {
    bad('version', 'must be a string or a number');
  }
  const delimiter = doc['delimiter'] ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"') {
    bad('delimiter', 'must be one character other than "');
  }
  const header = doc['header'] ?? true;
  if (typeof header !== 'boolean') {
    bad('header', 'must be true or false');
  }
  const dateFormat = doc['dateFormat'] ?? 'YYYY-MM-DD';
  if (dateFormat !== 'YYYY-MM-DD' && dateFormat !== 'DD/MM/YYYY' && dateFormat !== 'YYYYMMDD') {
    bad('dateFormat', 'must be YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD');
  }
  const decimalSeparator = doc['decimalSeparator'] ?? '.';
  if (decimalSeparator !== '.' && decimalSeparator !== ',') {
    bad('decimalSeparator', 'must be "." or ","');
  }
  const filesRaw = doc['files'] ?? [];
  const files = Array.isArray(filesRaw) ? filesRaw : [filesRaw];
  if (!files.every((f) => typeof f === 'string' && f.length > 0)) {
    bad('files', 'must be a list of file name patterns');
  }

  const columns: CsvColumn[] = [];
  const rawColumns = doc['columns'];
  if (!Array.isArray(rawColumns) || rawColumns.length === 0) {
    bad('columns', 'is required, a non-empty list');
  } else {
    const seen = new Set<string>();
    rawColumns.forEach((raw: unknown, i) => {
      const field = `columns[${i}]`;
      if (!isObject(raw)) {
        bad(field, 'must be a mapping');
        return;
      }
      const allowed = ['name', 'type', 'identifying', 'required', 'code', 'role', 'description'];
      for (const key of Object.keys(raw)) {
        if (!allowed.includes(key)) {
          bad(`${field}.${key}`, 'unknown field');
        }
      }
      const col = raw['name'];
      if (typeof col !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(col)) {
        bad(`${field}.name`, 'is required: letters, digits, _');
        return;
      }
      if (col === 'person_id') {
        bad(`${field}.name`, '"person_id" is the column the ingest adds');
        return;
      }
      if (seen.has(col)) {
        bad(`${field}.name`, `"${col}" is declared twice`);
        return;
      }
      seen.add(col);
      const type = raw['type'] ?? 'string';
      if (!(CSV_TYPES as readonly unknown[]).includes(type)) {
        bad(`${field}.type`, `must be one of ${CSV_TYPES.join(', ')}`);
        return;
      }
      const code = raw['code'];
      if (
        code !== undefined &&
        (typeof code !== 'string' || ruleForVocabulary(code, extraCodes) === undefined)
      ) {
        bad(`${field}.code`, 'must name a vocabulary: ICD10, LOINC, ATC, CIP13, CCAM, UCD, SNOMED');
        return;
      }
      const role = raw['role'];
      if (role !== undefined && !(CSV_ROLES as readonly unknown[]).includes(role)) {
        bad(`${field}.role`, `must be one of ${CSV_ROLES.join(', ')}`);
        return;
      }
      for (const flag of ['identifying', 'required'] as const) {
        if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') {
          bad(`${field}.${flag}`, 'must be true or false');
        }
      }
      columns.push({
        name: col,
        type: type as CsvType,
        identifying: raw['identifying'] === true,
        required: raw['required'] === true,
        ...(typeof code === 'string' ? { code } : {}),
        ...(role !== undefined ? { role: role as CsvRole } : {}),
        ...(typeof raw['description'] === 'string' ? { description: raw['description'] } : {}),
      });
    });
  }

  const person = doc['person'];
  let personColumn = '';
  let check: 'nir' | 'none' = 'nir';
  if (!isObject(person)) {
    bad('person', 'is required: { column: <the column identifying the person>, check: nir | none }');
  } else {
    if (typeof person['column'] !== 'string') {
      bad('person.column', 'is required');
    } else if (!columns.some((c) => c.name === person['column'])) {
      bad('person.column', `"${person['column']}" is not a declared column`);
    } else {
      personColumn = person['column'];
    }
    const c = person['check'] ?? 'nir';
    if (c !== 'nir' && c !== 'none') {
      bad('person.check', 'must be "nir" or "none"');
    } else {
      check = c;
    }
  }

  if (problems.length > 0) {
    throw IngestErrors.INGEST_SCHEMA_INVALID(`CSV schema ${source} is invalid:\n  ${problems.join('\n  ')}`, {
      details: { file: source, problems },
    });
  }
  return {
    name: name as string,
    version,
    delimiter: delimiter as string,
    header: header as boolean,
    dateFormat: dateFormat as CsvSchema['dateFormat'],
    decimalSeparator: decimalSeparator as '.' | ',',
    files: files as string[],
    person: { column: personColumn, check },
    // The person column identifies by definition, whatever the schema says.
    columns: columns.map((c) => (c.name === personColumn ? { ...c, identifying: true } : c)),
    source,
  };
}

/** Parses and checks CSV schema text (YAML, of which JSON is a subset); `source` names it in errors. */
export function parseCsvSchemaText(
  text: string,
  source: string,
  extraCodes: readonly CodeSystemRule[] = [],
): CsvSchema {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw IngestErrors.INGEST_SCHEMA_INVALID(
      `CSV schema ${source} is not valid YAML/JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return parseCsvSchema(doc, source, extraCodes);
}

/** Reads and checks a CSV schema file. */
export async function loadCsvSchema(
  file: string,
  extraCodes: readonly CodeSystemRule[] = [],
): Promise<CsvSchema> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw IngestErrors.INGEST_INPUT_NOT_FOUND(`CSV schema ${file} cannot be read`, { cause: err });
  }
  return parseCsvSchemaText(text, file, extraCodes);
}

/** `pharmacy_*.csv` → a RegExp on file names (`*` any run of characters, `?` one character). */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** The schema of a CSV file: its sidecar, else the first given schema whose `files` match its name. */
export async function schemaForCsv(
  file: string,
  schemas: readonly CsvSchema[],
  extraCodes: readonly CodeSystemRule[] = [],
): Promise<CsvSchema> {
  const name = basename(file).replace(/\.gz$/i, '');
  const stem = name.replace(/\.csv$/i, '');
  for (const ext of ['yaml', 'yml', 'json']) {
    const sidecar = join(dirname(file), `${stem}.schema.${ext}`);
    const exists = await stat(sidecar).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists) {
      return loadCsvSchema(sidecar, extraCodes);
    }
  }
  const match = schemas.find((s) => s.files.some((p) => globToRegExp(p).test(name)));
  if (match) {
    return match;
  }
  throw IngestErrors.INGEST_INPUT_UNSUPPORTED(
    `CSV file ${file} has no schema: put ${stem}.schema.yaml next to it, or give a schema whose files match ${name}`,
  );
}
