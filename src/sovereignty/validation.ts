/**
 * Explains why a value does not match a TypeBox schema, one problem per wrong field with its path.
 * TypeBox's own error list reports every branch of a union it tried, which for "unknown or a value
 * with evidence" reads as nonsense; here a union is explained through the branch the value meant
 * (chosen by its shape and by a discriminating field such as `status`).
 * @module
 */
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** One thing wrong with a document: where (`a.b[0].c`) and what. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

type Json = Record<string, unknown>;

/** Every problem of `value` against `schema`; empty when it matches. */
export function explain(schema: TSchema, value: unknown, path = ''): Problem[] {
  if (Value.Check(schema, value)) {
    return [];
  }
  const s = schema as Json;
  if (Array.isArray(s['anyOf'])) {
    return explainUnion(s['anyOf'] as TSchema[], value, path);
  }
  if (s['type'] === 'object') {
    return explainObject(s, value, path);
  }
  if (s['type'] === 'array') {
    return explainArray(s, value, path);
  }
  return [{ path, message: leafMessage(schema, value) }];
}

/** Joins a path and a key the way problems print them. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  return path === '' ? key : `${path}.${key}`;
}

function explainUnion(variants: TSchema[], value: unknown, path: string): Problem[] {
  const kinds = variants.map((v) => (v as Json)['type']);
  if (isPlainObject(value)) {
    const objects = variants.filter((_, i) => kinds[i] === 'object');
    if (objects.length === 1) {
      return explain(objects[0]!, value, path);
    }
    if (objects.length > 1) {
      const chosen = discriminate(objects, value, path);
      if ('problem' in chosen) {
        return [chosen.problem];
      }
      return explain(chosen.variant, value, path);
    }
  }
  if (Array.isArray(value)) {
    const array = variants.find((_, i) => kinds[i] === 'array');
    if (array !== undefined) {
      return explain(array, value, path);
    }
  }
  return [{ path, message: `must be ${describeChoices(variants)}, got ${show(value)}` }];
}

/** Picks the object variant whose constant field (e.g. `status: held`) the value carries. */
function discriminate(
  objects: TSchema[],
  value: Json,
  path: string,
): { variant: TSchema } | { problem: Problem } {
  const props = objects.map((o) => ((o as Json)['properties'] ?? {}) as Record<string, Json>);
  const first = props[0] ?? {};
  const key = Object.keys(first).find((k) => props.every((p) => p[k]?.['const'] !== undefined));
  if (key === undefined) {
    return { variant: objects[0]! };
  }
  const allowed = props.map((p) => p[key]!['const']);
  const index = allowed.findIndex((c) => c === value[key]);
  if (index >= 0) {
    return { variant: objects[index]! };
  }
  const list = allowed.map((c) => JSON.stringify(c)).join(' or ');
  return {
    problem:
      value[key] === undefined
        ? { path: joinPath(path, key), message: `is missing (${list})` }
        : { path: joinPath(path, key), message: `must be ${list}, got ${show(value[key])}` },
  };
}

function explainObject(schema: Json, value: unknown, path: string): Problem[] {
  if (!isPlainObject(value)) {
    return [{ path, message: `must be a mapping of fields, got ${show(value)}` }];
  }
  const problems: Problem[] = [];
  const properties = (schema['properties'] ?? {}) as Record<string, TSchema>;
  const required = (schema['required'] ?? []) as string[];
  for (const key of required) {
    if (value[key] === undefined) {
      problems.push({ path: joinPath(path, key), message: 'is missing' });
    }
  }
  const patterns = schema['patternProperties'] as Record<string, TSchema> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const sub = properties[key];
    if (sub !== undefined) {
      if (item !== undefined) {
        problems.push(...explain(sub, item, joinPath(path, key)));
      }
      continue;
    }
    if (patterns !== undefined) {
      const [pattern, valueSchema] = Object.entries(patterns)[0]!;
      if (!new RegExp(pattern).test(key)) {
        problems.push({ path: joinPath(path, key), message: `is not a valid name (must match ${pattern})` });
      } else {
        problems.push(...explain(valueSchema, item, joinPath(path, key)));
      }
      continue;
    }
    if (schema['additionalProperties'] === false) {
      problems.push({ path: joinPath(path, key), message: 'is not a known field' });
    }
  }
  if (problems.length === 0) {
    problems.push({ path, message: leafMessage(schema, value) });
  }
  return problems;
}

function explainArray(schema: Json, value: unknown, path: string): Problem[] {
  if (!Array.isArray(value)) {
    return [{ path, message: `must be a list, got ${show(value)}` }];
  }
  const problems: Problem[] = [];
  const items = schema['items'] as TSchema | undefined;
  if (items !== undefined) {
    value.forEach((item: unknown, i) => problems.push(...explain(items, item, joinPath(path, i))));
  }
  for (const e of Value.Errors(schema as TSchema, value)) {
    if (e.instancePath === '' && (e.keyword === 'minItems' || e.keyword === 'uniqueItems')) {
      problems.push({
        path,
        message:
          e.keyword === 'minItems'
            ? `must have at least ${String(schema['minItems'])} item(s)`
            : 'must not repeat an item',
      });
    }
  }
  return problems;
}

function leafMessage(schema: TSchema, value: unknown): string {
  const s = schema as Json;
  if (s['const'] !== undefined) {
    return `must be ${JSON.stringify(s['const'])}, got ${show(value)}`;
  }
  const error = Value.Errors(schema, value).find((e) => e.instancePath === '');
  if (error?.keyword === 'pattern' && typeof s['description'] === 'string') {
    return `must be ${s['description']}, got ${show(value)}`;
  }
  return `${error?.message ?? 'is not valid'}, got ${show(value)}`;
}

function describeChoices(variants: TSchema[]): string {
  const parts = variants.map((v) => {
    const s = v as Json;
    if (s['const'] !== undefined) {
      return JSON.stringify(s['const']);
    }
    if (s['type'] === 'object') {
      const props = Object.keys(s['properties'] ?? {});
      return `a mapping with ${props.slice(0, 3).join(', ')}${props.length > 3 ? ', …' : ''}`;
    }
    if (s['type'] === 'array') {
      return 'a list';
    }
    return typeof s['description'] === 'string' ? s['description'] : String(s['type']);
  });
  return parts.length <= 1 ? (parts[0] ?? 'valid') : `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)!}`;
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
