/**
 * Data classes: what a piece of data is, which decides where it may be stored. Every dataset has a
 * class and every object written through the hub carries it. Classes are ordered from the least to
 * the most sensitive; migration copies phase by phase in that order.
 * @module
 */
import { SOVEREIGNTY_DATA_CLASSES } from '../core/index.js';
import { SovereigntyErrors } from './errors.js';

/** One of the data classes, from `public` (least sensitive) to `key-material` (most). */
export type DataClass = (typeof SOVEREIGNTY_DATA_CLASSES)[number];

/** Every class, from the least to the most sensitive. */
export const DATA_CLASSES: readonly DataClass[] = SOVEREIGNTY_DATA_CLASSES;

/** What each class holds, for `hdh sovereignty classes`, reports and docs. */
export const DATA_CLASS_DESCRIPTIONS: Readonly<Record<DataClass, string>> = {
  public: 'Data meant for publication: catalogue metadata, documentation, open data.',
  'anonymous-aggregate':
    'Anonymised or aggregated results that no longer relate to an identifiable person (non-personal data).',
  'pseudonymised-health':
    'Personal health data whose direct identifiers were replaced by keyed pseudonyms (still personal data under the GDPR).',
  'identifying-health':
    'Personal health data with direct identifiers (names, NIR, addresses, dates of birth).',
  'key-material':
    'Wrapped keys, keyring exports and pseudonymisation secrets: whoever holds them can undo the rest.',
};

/** True when `name` is a data class. */
export function isDataClass(name: unknown): name is DataClass {
  return typeof name === 'string' && (DATA_CLASSES as readonly string[]).includes(name);
}

/**
 * Returns `name` as a data class, or throws SOVEREIGNTY_UNKNOWN_CLASS naming it and, when given,
 * where it came from (e.g. `--class`, `datasets.cohort.class`).
 */
export function parseDataClass(name: string, where?: string): DataClass {
  if (isDataClass(name)) {
    return name;
  }
  throw SovereigntyErrors.SOVEREIGNTY_UNKNOWN_CLASS(
    `${where !== undefined ? `${where}: ` : ''}unknown data class "${name}"; the classes are ${DATA_CLASSES.join(', ')}`,
    { details: { class: name, ...(where !== undefined ? { where } : {}), classes: [...DATA_CLASSES] } },
  );
}

/** Position of a class in the sensitivity order: 0 for `public`, higher is more sensitive. */
export function sensitivity(dataClass: DataClass): number {
  return DATA_CLASSES.indexOf(dataClass);
}

/** Comparator from the least to the most sensitive class (for `Array.prototype.sort`). */
export function compareSensitivity(a: DataClass, b: DataClass): number {
  return sensitivity(a) - sensitivity(b);
}

/** The given classes without repeats, from the least to the most sensitive. */
export function sortBySensitivity(classes: Iterable<DataClass>): DataClass[] {
  return [...new Set(classes)].sort(compareSensitivity);
}
