/**
 * Loads a hub's hdh.yaml: YAML → environment overrides → defaults → validation. Every problem is
 * reported at once, each with its path in the file and, where the file has it, its line.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, isMap, type Document } from 'yaml';
import { Value } from 'typebox/value';
import { CoreErrors } from '../errors.js';
import type { TSchema } from 'typebox';
import { HubConfig, StoreConfig } from './schema.js';
import { applyOverrides, readEnvOverrides } from './env-overrides.js';

export const CONFIG_FILE = 'hdh.yaml';

export interface ConfigProblem {
  /** Dotted path in hdh.yaml, e.g. `stores.ovh.bucket`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  /** Set when the value came from an environment variable rather than the file. */
  readonly variable?: string;
}

export interface LoadedConfig {
  readonly config: HubConfig;
  readonly file: string;
  readonly overrides: readonly string[];
}

export function loadConfig(
  home: string,
  env: Record<string, string | undefined> = process.env,
): LoadedConfig {
  const file = join(home, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw CoreErrors.CONFIG_NOT_FOUND(
        `no ${CONFIG_FILE} in ${home}: create a hub with \`hdh init --home ${home}\``,
        {
          details: { file },
        },
      );
    }
    throw CoreErrors.CONFIG_NOT_FOUND(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseConfig(text, file, env);
}

export function parseConfig(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): LoadedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
    });
    throw CoreErrors.CONFIG_PARSE_FAILED(`${file} is not valid YAML:\n  ${problems.join('\n  ')}`, {
      details: { file, problems },
    });
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw CoreErrors.CONFIG_INVALID(`${file}: the document must be a mapping of settings`, {
      details: { file },
    });
  }
  const data = raw as Record<string, unknown>;
  const overrides = readEnvOverrides(HubConfig as unknown as Record<string, unknown>, data, env);
  applyOverrides(data, overrides);
  // Stores are a union discriminated by `type`: defaults and errors come from the chosen variant
  // only, so a reader sees "bucket is required", not one complaint per store type.
  const stores = data['stores'];
  const storeProblems: ConfigProblem[] = [];
  const checkedStores: Record<string, unknown> = {};
  if (isRecord(stores)) {
    for (const [name, entry] of Object.entries(stores)) {
      const path = ['stores', name];
      const variant = isRecord(entry) ? STORE_VARIANTS.get(String(entry['type'])) : undefined;
      if (!isRecord(entry) || variant === undefined) {
        const type = isRecord(entry) ? JSON.stringify(entry['type']) : 'not a mapping';
        storeProblems.push(
          problemAt(
            [...path, 'type'],
            `must be one of ${[...STORE_VARIANTS.keys()].join(', ')}, got ${type}`,
            doc,
            lines,
            overrides,
          ),
        );
        continue;
      }
      const withDefaults: unknown = Value.Default(variant, entry);
      storeProblems.push(...collectProblems(variant, withDefaults, doc, lines, overrides, path));
      checkedStores[name] = withDefaults;
    }
    data['stores'] = {};
  }
  const withDefaults = Value.Default(HubConfig, data) as Record<string, unknown>;
  const problems = [...collectProblems(HubConfig, withDefaults, doc, lines, overrides, []), ...storeProblems];
  if (isRecord(stores)) {
    withDefaults['stores'] = checkedStores;
  }
  if (problems.length > 0) {
    const text = problems
      .map(
        (p) =>
          `${p.path || '(document)'}${p.line !== undefined ? ` (line ${p.line})` : ''}${p.variable ? ` (from ${p.variable})` : ''}: ${p.message}`,
      )
      .join('\n  ');
    throw CoreErrors.CONFIG_INVALID(`${file} has ${problems.length} problem(s):\n  ${text}`, {
      details: { file, problems },
    });
  }
  const config = withDefaults as HubConfig;
  if (!(config.defaultStore in config.stores)) {
    throw CoreErrors.CONFIG_INVALID(
      `${file}: defaultStore names "${config.defaultStore}", which is not under stores`,
      {
        details: { file, problems: [{ path: 'defaultStore', message: 'unknown store' }] },
      },
    );
  }
  return { config, file, overrides: overrides.map((o) => o.variable) };
}

function collectProblems(
  schema: TSchema,
  value: unknown,
  doc: Document,
  lines: LineCounter,
  overrides: readonly { variable: string; path: readonly string[] }[],
  prefix: readonly string[],
): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const e of Value.Errors(schema, value)) {
    const segments = [...prefix, ...e.instancePath.split('/').slice(1).map(unescapePointer)];
    // The "schema is false" twin of an additionalProperties error adds nothing a reader needs.
    if (e.keyword === 'boolean') {
      continue;
    }
    let message = e.message;
    let path = segments;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const key of extra) {
        const p = [...segments, key];
        byPath.set(p.join('.'), problemAt(p, `unknown setting "${key}"`, doc, lines, overrides));
      }
      continue;
    }
    if (e.keyword === 'required') {
      const missing = (e.params as { requiredProperties?: string[] }).requiredProperties ?? [];
      for (const key of missing) {
        const p = [...segments, key];
        byPath.set(p.join('.'), problemAt(p, 'is required', doc, lines, overrides));
      }
      continue;
    }
    if (e.keyword === 'const' || e.keyword === 'anyOf') {
      message = describeUnion(schema, e.instancePath, value);
      path = segments;
    }
    const key = path.join('.');
    if (!byPath.has(key)) {
      byPath.set(key, problemAt(path, message, doc, lines, overrides));
    }
  }
  return [...byPath.values()];
}

function describeUnion(schema: TSchema, instancePath: string, value: unknown): string {
  let node: unknown = value;
  for (const seg of instancePath.split('/').slice(1).map(unescapePointer)) {
    node = isRecord(node) ? node[seg] : undefined;
  }
  const allowed = allowedConstants(schema, instancePath);
  return allowed.length > 0
    ? `must be one of ${allowed.join(', ')}, got ${JSON.stringify(node)}`
    : `value ${JSON.stringify(node)} is not allowed here`;
}

/** The literal values a union at this path accepts, for a message that lists them. */
function allowedConstants(schema: TSchema, instancePath: string): string[] {
  let node: Record<string, unknown> | undefined = schema as unknown as Record<string, unknown>;
  for (const seg of instancePath.split('/').slice(1).map(unescapePointer)) {
    const props: unknown = node?.['properties'];
    const patterns: unknown = node?.['patternProperties'];
    if (isRecord(props) && isRecord(props[seg])) {
      node = props[seg];
    } else if (isRecord(patterns)) {
      node = Object.values(patterns)[0] as Record<string, unknown> | undefined;
    } else {
      return [];
    }
  }
  const variants = node?.['anyOf'];
  if (!Array.isArray(variants)) {
    return [];
  }
  return variants.flatMap((v: unknown) =>
    isRecord(v) && v['const'] !== undefined ? [JSON.stringify(v['const']).replace(/^"|"$/g, '')] : [],
  );
}

function problemAt(
  path: readonly string[],
  message: string,
  doc: Document,
  lines: LineCounter,
  overrides: readonly { variable: string; path: readonly string[] }[],
): ConfigProblem {
  const variable = overrides.find((o) => o.path.join('.') === path.join('.'))?.variable;
  let line: number | undefined;
  for (let n = path.length; n > 0 && line === undefined; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const pair = findKeyNode(doc, path.slice(0, n));
    const offset = pair ?? node?.range?.[0];
    if (offset !== undefined) {
      line = lines.linePos(offset).line;
    }
  }
  return {
    path: path.join('.'),
    message,
    ...(line !== undefined ? { line } : {}),
    ...(variable ? { variable } : {}),
  };
}

function findKeyNode(doc: Document, path: readonly string[]): number | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) {
    return undefined;
  }
  const item = parent.items.find(
    (p) => (p.key as { value?: unknown } | null)?.value === path[path.length - 1],
  );
  return (item?.key as { range?: [number, number, number] } | null)?.range?.[0];
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

const STORE_VARIANTS = new Map<string, TSchema>(
  (StoreConfig as unknown as { anyOf: TSchema[] }).anyOf.map((v) => [
    (v as unknown as { properties: { type: { const: string } } }).properties.type.const,
    v,
  ]),
);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
