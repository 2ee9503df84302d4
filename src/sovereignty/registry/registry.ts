/**
 * The provider registry: the entries shipped with hdh, with the operator's additions and changes from
 * hdh.yaml (`sovereignty.providers`) merged over them. Every entry is checked against the registry
 * schema and a few rules the schema cannot say (dates that exist, validity that starts before it
 * ends, control consistent with the controller's country); every problem is reported at once with
 * the file and the field.
 * @module
 */
import {
  ProviderEntry as ProviderEntrySchema,
  ProviderOverride as ProviderOverrideSchema,
  type ProviderEntry,
  type ProviderOverride,
} from '../../core/index.js';
import { isEu } from '../countries.js';
import { SovereigntyErrors } from '../errors.js';
import { explain, joinPath, type Problem } from '../validation.js';
import { SHIPPED_PROVIDER_FILES } from './shipped.js';

/** Where an entry comes from: shipped with hdh, added by the operator, or shipped and changed. */
export type ProviderOrigin = 'shipped' | 'operator' | 'shipped+operator';

/** The shipped registry and the operator's changes, merged and checked. */
export class ProviderRegistry {
  readonly #entries: ReadonlyMap<string, ProviderEntry>;
  readonly #origins: ReadonlyMap<string, ProviderOrigin>;

  constructor(entries: readonly ProviderEntry[], origins: ReadonlyMap<string, ProviderOrigin> = new Map()) {
    this.#entries = new Map([...entries].sort((a, b) => a.id.localeCompare(b.id)).map((e) => [e.id, e]));
    this.#origins = origins;
  }

  /** Every entry, sorted by id. */
  list(): readonly ProviderEntry[] {
    return [...this.#entries.values()];
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * The entry `id`, or SOVEREIGNTY_UNKNOWN_PROVIDER naming it and, when given, where it was named
   * (e.g. `stores.ovh.provider`).
   */
  get(id: string, where?: string): ProviderEntry {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      return entry;
    }
    throw SovereigntyErrors.SOVEREIGNTY_UNKNOWN_PROVIDER(
      `${where !== undefined ? `${where}: ` : ''}unknown provider "${id}"; known providers: ${[...this.#entries.keys()].join(', ')} (add one under sovereignty.providers in hdh.yaml)`,
      {
        details: {
          provider: id,
          ...(where !== undefined ? { where } : {}),
          known: [...this.#entries.keys()],
        },
      },
    );
  }

  origin(id: string): ProviderOrigin {
    return this.#origins.get(id) ?? 'shipped';
  }
}

let shippedCache: readonly ProviderEntry[] | undefined;

/**
 * The entries shipped with hdh, checked. Throws SOVEREIGNTY_REGISTRY_INVALID naming the file and the
 * field when a shipped file is wrong (a test keeps them right).
 */
export function shippedProviders(): readonly ProviderEntry[] {
  shippedCache ??= SHIPPED_PROVIDER_FILES.map(({ file, data }) => {
    const entry = validateProviderEntry(data, { file });
    const expected = file.slice(file.lastIndexOf('/') + 1, -'.json'.length);
    if (entry.id !== expected) {
      throw registryInvalid(file, [{ path: 'id', message: `must equal the file name "${expected}"` }]);
    }
    return entry;
  });
  return shippedCache;
}

/**
 * Checks one whole registry entry; throws SOVEREIGNTY_REGISTRY_INVALID naming `file` and each wrong
 * field (prefixed by `path`, e.g. `sovereignty.providers.my-dc`).
 */
export function validateProviderEntry(value: unknown, where: { file: string; path?: string }): ProviderEntry {
  const path = where.path ?? '';
  const problems = explain(ProviderEntrySchema, value, path);
  if (problems.length === 0) {
    problems.push(...ruleProblems(value as ProviderEntry, path));
  }
  if (problems.length > 0) {
    throw registryInvalid(where.file, problems);
  }
  return value as ProviderEntry;
}

export interface BuildRegistryOptions {
  /** The file the overrides come from, for messages (default `hdh.yaml`). */
  readonly file?: string;
  /** The entries to merge over (default: the shipped registry). */
  readonly shipped?: readonly ProviderEntry[];
}

/**
 * Merges the operator's entries (hdh.yaml `sovereignty.providers`, as loaded) over the shipped
 * registry. An id the registry has is changed field by field: top-level fields replace the shipped
 * ones and `qualifications` replaces scheme by scheme; a new id must be a whole entry. Every problem
 * of every entry is reported at once (SOVEREIGNTY_REGISTRY_INVALID, with `details.problems`).
 */
export function buildRegistry(overrides: unknown = {}, options: BuildRegistryOptions = {}): ProviderRegistry {
  const file = options.file ?? 'hdh.yaml';
  const base = options.shipped ?? shippedProviders();
  const root = 'sovereignty.providers';
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw registryInvalid(file, [{ path: root, message: 'must be a mapping of provider ids to entries' }]);
  }
  const entries = new Map(base.map((e) => [e.id, e]));
  const origins = new Map<string, ProviderOrigin>(base.map((e) => [e.id, 'shipped']));
  const problems: Problem[] = [];
  for (const [id, raw] of Object.entries(overrides as Record<string, unknown>)) {
    const path = joinPath(root, id);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) {
      problems.push({ path, message: 'is not a valid provider id (lower-case letters, digits and dashes)' });
      continue;
    }
    const overrideProblems = explain(ProviderOverrideSchema, raw, path);
    if (overrideProblems.length > 0) {
      problems.push(...overrideProblems);
      continue;
    }
    const shipped = entries.get(id);
    const merged = mergeProviderEntry(shipped, id, raw as ProviderOverride);
    const entryProblems = explain(ProviderEntrySchema, merged, path);
    if (entryProblems.length === 0) {
      entryProblems.push(...ruleProblems(merged as ProviderEntry, path));
    }
    if (entryProblems.length > 0) {
      problems.push(
        ...(shipped === undefined
          ? entryProblems.map((p) => ({
              ...p,
              message: `${p.message} (a provider not in the shipped registry needs a whole entry)`,
            }))
          : entryProblems),
      );
      continue;
    }
    entries.set(id, merged as ProviderEntry);
    origins.set(id, shipped === undefined ? 'operator' : 'shipped+operator');
  }
  if (problems.length > 0) {
    throw registryInvalid(file, problems);
  }
  return new ProviderRegistry([...entries.values()], origins);
}

/**
 * The entry an operator's override makes of a shipped one (or of nothing, for a new id): top-level
 * fields replace, `qualifications` merges scheme by scheme. Not checked: {@link buildRegistry} checks.
 */
export function mergeProviderEntry(
  base: ProviderEntry | undefined,
  id: string,
  override: ProviderOverride,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(base ?? {}), ...override, id };
  if (base !== undefined || override.qualifications !== undefined) {
    merged['qualifications'] = { ...(base?.qualifications ?? {}), ...(override.qualifications ?? {}) };
  }
  return merged;
}

/** Rules about an entry that the schema cannot express. */
function ruleProblems(entry: ProviderEntry, path: string): Problem[] {
  const problems: Problem[] = [];
  const dates: { path: string; value: string }[] = [];
  const visitEvidence = (list: readonly { checkedOn: string }[], at: string): void => {
    list.forEach((e, i) =>
      dates.push({ path: joinPath(joinPath(joinPath(at, 'evidence'), i), 'checkedOn'), value: e.checkedOn }),
    );
  };
  for (const key of [
    'legalEntity',
    'headquartersCountry',
    'control',
    'extraterritorialLaws',
    'dataCentreCountries',
    'jurisdictions',
  ] as const) {
    const fact = entry[key];
    if (fact !== undefined && fact !== 'unknown') {
      visitEvidence(fact.evidence, joinPath(path, key));
    }
  }
  for (const [scheme, q] of Object.entries(entry.qualifications)) {
    const at = joinPath(joinPath(path, 'qualifications'), scheme);
    if (q === 'unknown') {
      continue;
    }
    visitEvidence(q.evidence, at);
    if (q.status !== 'held') {
      continue;
    }
    dates.push(
      { path: joinPath(at, 'issued'), value: q.issued },
      { path: joinPath(at, 'expires'), value: q.expires },
    );
    if (isRealDate(q.issued) && isRealDate(q.expires) && q.expires < q.issued) {
      problems.push({ path: joinPath(at, 'expires'), message: `is before issued (${q.issued})` });
    }
  }
  for (const d of dates) {
    if (!isRealDate(d.value)) {
      problems.push({ path: d.path, message: `is not a real date: ${d.value}` });
    }
  }
  if (entry.control !== 'unknown') {
    const c = entry.control.value;
    if (c.jurisdiction === 'EU' && !isEu(c.controllerCountry)) {
      problems.push({
        path: joinPath(joinPath(joinPath(path, 'control'), 'value'), 'jurisdiction'),
        message: `is EU but the controller's country ${c.controllerCountry} is outside the EU`,
      });
    }
  }
  return problems;
}

function isRealDate(text: string): boolean {
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function registryInvalid(file: string, problems: readonly Problem[]) {
  const lines = problems.map((p) => `${p.path || '(entry)'}: ${p.message}`);
  return SovereigntyErrors.SOVEREIGNTY_REGISTRY_INVALID(
    `${file} has ${problems.length} provider registry problem(s):\n  ${lines.join('\n  ')}`,
    { details: { file, problems } },
  );
}
