/**
 * The prefix→class map: for objects the hub has no record of (a legacy source), which data class
 * and dataset each key prefix holds. A YAML or JSON file of `prefix: class` or
 * `prefix: { class, dataset }` entries; the longest matching prefix wins.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MigrationErrors } from './errors.js';

export interface ClassAssignment {
  readonly dataClass: string;
  readonly dataset?: string;
}

export interface ClassMap {
  /** The assignment of the longest prefix of `key`, if any. */
  lookup(key: string): ClassAssignment | undefined;
  readonly size: number;
  /** The entries, as `createClassMap` takes them (kept in the journal so that sync classifies alike). */
  readonly entries: Readonly<Record<string, { readonly class: string; readonly dataset?: string }>>;
}

/** Builds a map from entries, checking every class against `classes`. */
export function createClassMap(
  entries: Readonly<Record<string, unknown>>,
  classes: readonly string[],
  source = 'class map',
): ClassMap {
  const list: { prefix: string; assignment: ClassAssignment }[] = [];
  for (const [prefix, value] of Object.entries(entries)) {
    const bad = (problem: string): Error =>
      MigrationErrors.MIGRATION_CLASS_MAP_INVALID(`${source}, entry "${prefix}": ${problem}`);
    const fields = (typeof value === 'object' && value !== null ? value : { class: value }) as {
      class?: unknown;
      dataset?: unknown;
    };
    const dataClass = fields.class;
    if (typeof dataClass !== 'string' || !classes.includes(dataClass)) {
      throw bad(`${JSON.stringify(dataClass ?? null)} is not a data class (${classes.join(', ')})`);
    }
    const dataset = fields.dataset;
    if (dataset !== undefined && (typeof dataset !== 'string' || dataset === '')) {
      throw bad('dataset must be a non-empty string');
    }
    list.push({ prefix, assignment: dataset === undefined ? { dataClass } : { dataClass, dataset } });
  }
  // Longest first, so the first match is the most specific.
  list.sort((a, b) => b.prefix.length - a.prefix.length);
  const kept: Record<string, { class: string; dataset?: string }> = {};
  for (const e of list) {
    kept[e.prefix] =
      e.assignment.dataset === undefined
        ? { class: e.assignment.dataClass }
        : { class: e.assignment.dataClass, dataset: e.assignment.dataset };
  }
  return {
    size: list.length,
    entries: kept,
    lookup(key) {
      for (const e of list) {
        if (key.startsWith(e.prefix)) {
          return e.assignment;
        }
      }
      return undefined;
    },
  };
}

/** Reads a class map file (YAML or JSON). */
export function loadClassMap(file: string, classes: readonly string[]): ClassMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw MigrationErrors.MIGRATION_CLASS_MAP_INVALID(
      `class map ${file} cannot be read: ${(err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw MigrationErrors.MIGRATION_CLASS_MAP_INVALID(
      `class map ${file} is not YAML or JSON: ${(err as Error).message}`,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw MigrationErrors.MIGRATION_CLASS_MAP_INVALID(
      `class map ${file} must map key prefixes to classes, e.g. "cohort/": pseudonymised-health`,
    );
  }
  return createClassMap(data as Record<string, unknown>, classes, `class map ${file}`);
}
