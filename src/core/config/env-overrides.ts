/**
 * HDH_… environment overrides, derived mechanically from the schema: the path of a setting in
 * hdh.yaml, each segment in SCREAMING_SNAKE_CASE, segments joined by a double underscore.
 * `server.port` → `HDH_SERVER__PORT`, `defaultStore` → `HDH_DEFAULT_STORE`,
 * `stores.local.root` → `HDH_STORES__LOCAL__ROOT` (for a store already named in the file).
 * @module
 */

type Schema = Record<string, unknown>;

export interface EnvOverride {
  readonly variable: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

export function envName(path: readonly string[]): string {
  return (
    'HDH_' +
    path
      .map((p) =>
        p
          .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
          .replace(/-/g, '_')
          .toUpperCase(),
      )
      .join('__')
  );
}

/** Every override variable the schema allows for this document, with the leaf schema it sets. */
export function listOverridable(
  schema: Schema,
  doc: unknown,
  path: string[] = [],
): { path: string[]; schema: Schema }[] {
  const out: { path: string[]; schema: Schema }[] = [];
  const variants = Array.isArray(schema['anyOf']) ? (schema['anyOf'] as Schema[]) : undefined;
  if (variants !== undefined && variants.every((v) => v['type'] === 'object')) {
    // A union of objects (the store types): follow the variant the document chose.
    const chosen = isRecord(doc)
      ? variants.find((v) => {
          const t = (v['properties'] as Schema | undefined)?.['type'] as Schema | undefined;
          return t?.['const'] === doc['type'];
        })
      : undefined;
    return chosen === undefined ? out : listOverridable(chosen, doc, path);
  }
  if (schema['type'] === 'object' && isRecord(schema['properties'])) {
    for (const [key, sub] of Object.entries(schema['properties'] as Record<string, Schema>)) {
      const subDoc = isRecord(doc) ? doc[key] : undefined;
      out.push(...listOverridable(sub, subDoc, [...path, key]));
    }
    return out;
  }
  if (schema['type'] === 'object' && isRecord(schema['patternProperties'])) {
    const valueSchema = Object.values(schema['patternProperties'] as Record<string, Schema>)[0];
    if (valueSchema !== undefined && isRecord(doc)) {
      for (const key of Object.keys(doc)) {
        out.push(...listOverridable(valueSchema, doc[key], [...path, key]));
      }
    }
    return out;
  }
  out.push({ path, schema });
  return out;
}

/** Reads the overrides present in `env` and converts each to the type its setting expects. */
export function readEnvOverrides(
  schema: Schema,
  doc: unknown,
  env: Record<string, string | undefined>,
): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  for (const leaf of listOverridable(schema, doc)) {
    const variable = envName(leaf.path);
    const raw = env[variable];
    if (raw === undefined) {
      continue;
    }
    overrides.push({ variable, path: leaf.path, value: convert(leaf.schema, raw) });
  }
  return overrides;
}

export function applyOverrides(doc: Record<string, unknown>, overrides: readonly EnvOverride[]): void {
  for (const o of overrides) {
    let node: Record<string, unknown> = doc;
    for (const seg of o.path.slice(0, -1)) {
      const next = node[seg];
      if (!isRecord(next)) {
        node[seg] = {};
      }
      node = node[seg] as Record<string, unknown>;
    }
    node[o.path[o.path.length - 1]!] = o.value;
  }
}

function convert(schema: Schema, raw: string): unknown {
  const types = new Set<unknown>([schema['type']]);
  if (Array.isArray(schema['anyOf'])) {
    for (const v of schema['anyOf'] as Schema[]) {
      types.add(typeof v['const']);
    }
  }
  if (types.has('integer') || types.has('number')) {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (types.has('boolean')) {
    if (/^(true|1|yes)$/i.test(raw)) {
      return true;
    }
    if (/^(false|0|no)$/i.test(raw)) {
      return false;
    }
  }
  return raw;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
