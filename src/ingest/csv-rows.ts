/**
 * Rows of a CSV file with a declared schema: typed, checked, then transformed by the profile's column
 * rules into a table row `person_id, <columns the rules let through>`. Columns no rule names are left
 * out (allow-list), like FHIR elements.
 * @module
 */
import { ruleForVocabulary, type CodeSystemRule } from './code-systems.js';
import type { CsvColumn, CsvSchema } from './csv-schema.js';
import { globToRegExp } from './csv-schema.js';
import { IngestErrors } from './errors.js';
import { nirProblem, normalizeNir } from './identifiers.js';
import type { PseudonymKeys } from './keys.js';
import { coarsenDate, departementOf, perturbNumber, shiftDate, topCodeAge } from './methods.js';
import type { Cell } from './omop-mapping.js';
import { calendarValid } from './primitives.js';
import type { Profile, ProfileRule } from './profile.js';
import type { ColumnSpec, ColumnType, TableSpec } from './tables.js';
import type { Issue } from './validate.js';

type Value = string | number | boolean;

interface ColumnPlan {
  readonly column: CsvColumn;
  /** Position of the column in the file's rows. */
  readonly index: number;
  readonly rule: ProfileRule | undefined;
  readonly codeRule: CodeSystemRule | undefined;
  readonly outType: ColumnType | undefined;
}

function ruleMatches(rule: ProfileRule, schema: CsvSchema, column: CsvColumn): boolean {
  if (rule.column === undefined) {
    return false;
  }
  const target = rule.column.includes('.') ? `${schema.name}.${column.name}` : column.name;
  if (!globToRegExp(rule.column).test(target)) {
    return false;
  }
  const when = rule.when;
  if (when === undefined) {
    return true;
  }
  if (when.type && !when.type.includes(column.type)) {
    return false;
  }
  if (when.role && (column.role === undefined || !when.role.includes(column.role))) {
    return false;
  }
  if (when.identifying !== undefined && when.identifying !== column.identifying) {
    return false;
  }
  if (when.coded !== undefined && when.coded !== (column.code !== undefined)) {
    return false;
  }
  return true;
}

function outputType(rule: ProfileRule | undefined, column: CsvColumn): ColumnType | undefined {
  if (rule === undefined) {
    return undefined;
  }
  switch (rule.method) {
    case 'redact':
      return undefined;
    case 'keep':
      return (
        {
          string: 'VARCHAR',
          integer: 'BIGINT',
          decimal: 'DOUBLE',
          date: 'DATE',
          datetime: 'TIMESTAMP',
          boolean: 'BOOLEAN',
        } as const
      )[column.type];
    case 'dateShift':
      return column.type === 'date' ? 'DATE' : column.type === 'datetime' ? 'TIMESTAMP' : 'VARCHAR';
    case 'perturb':
      return 'DOUBLE';
    case 'substitute':
      return typeof rule.params.value === 'number'
        ? 'DOUBLE'
        : typeof rule.params.value === 'boolean'
          ? 'BOOLEAN'
          : 'VARCHAR';
    case 'pseudonym':
    case 'generalize':
      return 'VARCHAR';
  }
}

const DATE_FORMATS: Record<CsvSchema['dateFormat'], RegExp> = {
  'YYYY-MM-DD': /^(\d{4})-(\d{2})-(\d{2})$/,
  'DD/MM/YYYY': /^(\d{2})\/(\d{2})\/(\d{4})$/,
  YYYYMMDD: /^(\d{4})(\d{2})(\d{2})$/,
};

/** How one CSV file (with its schema and header) becomes rows of its table. */
export class CsvTablePlan {
  private readonly plans: readonly ColumnPlan[];
  private readonly personIndex: number;
  readonly spec: TableSpec;

  /**
   * `header`: the file's first row when the schema says it has one (columns are then found by name),
   * else undefined (columns are in declared order).
   */
  constructor(
    readonly schema: CsvSchema,
    profile: Profile,
    header: readonly string[] | undefined,
    file: string,
    extraCodes: readonly CodeSystemRule[] = [],
  ) {
    const plans: ColumnPlan[] = [];
    schema.columns.forEach((column, declared) => {
      const index = header === undefined ? declared : header.findIndex((h) => h.trim() === column.name);
      if (index < 0) {
        throw IngestErrors.INGEST_SCHEMA_INVALID(
          `CSV file ${file}: its header has no column "${column.name}" declared by schema ${schema.source}`,
        );
      }
      const ruleIndex = profile.rules.findIndex((r) => ruleMatches(r, schema, column));
      const rule = ruleIndex >= 0 ? profile.rules[ruleIndex] : undefined;
      if (column.identifying && rule?.method === 'keep') {
        throw IngestErrors.INGEST_PROFILE_INVALID(
          `profile ${profile.source}: rules[${ruleIndex}] would keep column ${schema.name}.${column.name}, which the schema declares identifying`,
          { details: { file: profile.source, field: `rules[${ruleIndex}]` } },
        );
      }
      plans.push({
        column,
        index,
        rule,
        codeRule: column.code !== undefined ? ruleForVocabulary(column.code, extraCodes) : undefined,
        outType: outputType(rule, column),
      });
    });
    this.plans = plans;
    this.personIndex = plans.find((p) => p.column.name === schema.person.column)!.index;
    const columns: ColumnSpec[] = [
      {
        name: 'person_id',
        type: 'VARCHAR',
        description: 'Person pseudonym: keyed hash of the INS/NIR of the row.',
      },
    ];
    for (const p of plans) {
      if (p.outType === undefined) {
        continue;
      }
      columns.push({
        name: p.column.name,
        type: p.outType,
        description: `${p.column.description ?? p.column.name} (${p.rule!.method}${p.rule!.params.to ? ` to ${p.rule!.params.to}` : ''})`,
      });
    }
    this.spec = {
      name: schema.name,
      description: `CSV table ${schema.name} (schema version ${schema.version}).`,
      columns,
    };
  }

  /** Number of fields rows must have. */
  get width(): number {
    return Math.max(...this.plans.map((p) => p.index)) + 1;
  }

  /** The raw person identifier of a row (normalised when it is a NIR). */
  personIdentity(fields: readonly string[]): string {
    const raw = fields[this.personIndex]?.trim() ?? '';
    return this.schema.person.check === 'nir' ? normalizeNir(raw) : raw;
  }

  private parse(column: CsvColumn, raw: string): { value: Value | null; problem?: string } {
    const text = raw.trim();
    if (text === '') {
      return { value: null };
    }
    switch (column.type) {
      case 'string':
        return { value: text };
      case 'integer':
        return /^[+-]?\d+$/.test(text)
          ? { value: Number(text) }
          : { value: null, problem: `"${text}" is not an integer` };
      case 'decimal': {
        const sep = this.schema.decimalSeparator === ',' ? ',' : '\\.';
        if (!new RegExp(`^[+-]?\\d+(${sep}\\d+)?$`).test(text)) {
          return { value: null, problem: `"${text}" is not a decimal number` };
        }
        return { value: Number(text.replace(',', '.')) };
      }
      case 'boolean': {
        const t = text.toLowerCase();
        if (['true', '1', 'yes', 'oui', 'o', 'y'].includes(t)) {
          return { value: true };
        }
        if (['false', '0', 'no', 'non', 'n'].includes(t)) {
          return { value: false };
        }
        return { value: null, problem: `"${text}" is not a boolean` };
      }
      case 'date': {
        const m = DATE_FORMATS[this.schema.dateFormat].exec(text);
        if (!m) {
          return { value: null, problem: `"${text}" is not a date ${this.schema.dateFormat}` };
        }
        const iso =
          this.schema.dateFormat === 'DD/MM/YYYY' ? `${m[3]}-${m[2]}-${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
        const month = Number(iso.slice(5, 7));
        if (month < 1 || month > 12 || Number(iso.slice(8, 10)) < 1 || !calendarValid(iso)) {
          return { value: null, problem: `"${text}" is not a calendar date` };
        }
        return { value: iso };
      }
      case 'datetime': {
        const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?$/.exec(text);
        if (!m || !calendarValid(m[1]!)) {
          return { value: null, problem: `"${text}" is not a date-time YYYY-MM-DD HH:MM[:SS]` };
        }
        return { value: `${m[1]}T${m[2]}${m[3] ?? ':00'}` };
      }
    }
  }

  /** Checks a row; returns its problems (an empty list when it can be accepted). */
  check(fields: readonly string[], line: number): Issue[] {
    if (fields.length < this.width) {
      return [
        {
          code: 'INGEST_CSV_BAD_ROW',
          path: `${this.schema.name}:${line}`,
          message: `the row has ${fields.length} fields, the schema needs ${this.width}`,
        },
      ];
    }
    const issues: Issue[] = [];
    for (const p of this.plans) {
      const path = `${this.schema.name}.${p.column.name}`;
      const raw = fields[p.index]!;
      const { value, problem } = this.parse(p.column, raw);
      if (problem !== undefined) {
        issues.push({ code: 'INGEST_BAD_TYPE', path, message: `${path} ${problem}` });
        continue;
      }
      if (value === null) {
        if (p.column.name === this.schema.person.column) {
          issues.push({
            code: 'INGEST_MISSING_PERSON_ID',
            path,
            message: `${path} (the person column) is empty`,
          });
        } else if (p.column.required) {
          issues.push({ code: 'INGEST_MISSING_ELEMENT', path, message: `${path} is required` });
        }
        continue;
      }
      if (p.codeRule !== undefined) {
        const bad = p.codeRule.check(String(value));
        if (bad !== undefined) {
          issues.push({
            code: 'INGEST_BAD_CODE',
            path,
            message: `${p.codeRule.vocabulary} code "${String(value)}" ${bad}`,
          });
        }
      }
      if (p.column.name === this.schema.person.column && this.schema.person.check === 'nir') {
        const bad = nirProblem(String(value));
        if (bad !== undefined) {
          issues.push({ code: 'INGEST_INVALID_NIR', path, message: `${path} is not a valid NIR: it ${bad}` });
        }
      }
    }
    return issues;
  }

  /** The table row of a checked row, for `person` (the row's person pseudonym). */
  transform(fields: readonly string[], person: string, keys: PseudonymKeys, maxDays: number): Cell[] {
    const cells: Cell[] = [person];
    for (const p of this.plans) {
      if (p.outType === undefined) {
        continue;
      }
      const { value } = this.parse(p.column, fields[p.index]!);
      cells.push(value === null ? null : this.apply(p, value, person, keys, maxDays));
    }
    return cells;
  }

  private apply(p: ColumnPlan, value: Value, person: string, keys: PseudonymKeys, maxDays: number): Cell {
    const rule = p.rule!;
    switch (rule.method) {
      case 'keep':
        return typeof value === 'string' && p.column.type === 'datetime' ? value.replace('T', ' ') : value;
      case 'redact':
        return null;
      case 'pseudonym':
        return rule.params.of === 'person' ? person : keys.token('value', String(value));
      case 'dateShift': {
        if (typeof value !== 'string') {
          return null;
        }
        const shifted = shiftDate(value, keys.dateShiftDays(person, maxDays));
        return shifted === undefined ? null : shifted.replace('T', ' ');
      }
      case 'generalize':
        switch (rule.params.to) {
          case 'year':
          case 'year-month':
            return typeof value === 'string' ? (coarsenDate(value, rule.params.to) ?? null) : null;
          case 'departement':
            return departementOf(String(value)) ?? null;
          case 'age':
            return typeof value === 'number' ? String(topCodeAge(value)) : null;
          case undefined:
            return null;
        }
        return null;
      case 'perturb':
        return typeof value === 'number'
          ? perturbNumber(
              value,
              keys.unitNoise(person, `${this.schema.name}.${p.column.name}`),
              rule.params.span ?? 0,
              rule.params.proportional !== false,
              rule.params.roundTo ?? 2,
            )
          : null;
      case 'substitute': {
        const v = rule.params.value;
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? v
          : v === null
            ? null
            : JSON.stringify(v);
      }
    }
  }
}
