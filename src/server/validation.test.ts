import { describe, expect, it } from 'vitest';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { DatasetPath, DatasetQuery, DatasetVersionPath } from './schemas.js';
import { IngestHeaders, IngestQuery } from './schemas-ingest.js';
import { AuditExportQuery } from './schemas-ops.js';
import { validatorCompiler } from './validation.js';

type Part = 'params' | 'querystring' | 'headers' | 'body';

function run(compiler: typeof validatorCompiler, schema: TSchema, httpPart: Part, input: unknown): unknown {
  const route = { schema, httpPart, method: 'GET', url: '/x' } as Parameters<typeof validatorCompiler>[0];
  const validate = compiler(route) as (value: unknown) => { value?: unknown; error?: unknown };
  // Convert mutates what it is given: each side gets its own copy of the input.
  const result = validate(structuredClone(input));
  return JSON.parse(JSON.stringify(result)) as unknown;
}

const Mixed = Type.Object(
  {
    n: Type.Optional(Type.Number()),
    flag: Type.Optional(Type.Boolean()),
    either: Type.Optional(Type.Union([Type.Integer(), Type.Literal('all')])),
    list: Type.Optional(Type.Array(Type.Integer())),
    kind: Type.Optional(Type.Enum(['a', 'b'])),
  },
  { additionalProperties: false },
);

/** Inputs as Fastify hands them over: strings (arrays for repeated query keys), valid or not. */
const cases: [string, TSchema, Part, unknown[]][] = [
  [
    'dataset path',
    DatasetPath,
    'params',
    [{ name: 'cohort' }, { name: 'Not A Name' }, {}, { name: 'x', y: 'z' }],
  ],
  [
    'version path',
    DatasetVersionPath,
    'params',
    [
      { name: 'cohort', version: '2' },
      { name: 'cohort', version: '0' },
      { name: 'cohort', version: 'two' },
    ],
  ],
  [
    'dataset query',
    DatasetQuery,
    'querystring',
    [
      {},
      { limit: '20' },
      { limit: '20.5' },
      { limit: '0' },
      { limit: ['1', '2'] },
      { q: 'blood', theme: 'survey' },
      { q: '' },
      { colour: '1' },
      { cursor: 'abc_-' },
      { cursor: 'a b' },
    ],
  ],
  [
    'ingest query',
    IngestQuery,
    'querystring',
    [{}, { create: 'true' }, { create: '1' }, { create: 'maybe' }, { fileName: 'a.csv' }],
  ],
  [
    'audit export query',
    AuditExportQuery,
    'querystring',
    [{ since: '2026-01-01T00:00:00Z' }, { since: 'x' }],
  ],
  [
    'ingest headers',
    IngestHeaders,
    'headers',
    [{ host: 'h' }, { 'hdh-csv-schema': 'abc=' }, { 'hdh-csv-schema': '!' }],
  ],
  [
    'numbers, booleans, unions, arrays, enums',
    Mixed,
    'querystring',
    [
      {},
      { n: '1.5' },
      { n: 'x' },
      { flag: 'false' },
      { either: 'all' },
      { either: '3' },
      { either: 'some' },
      { list: '4' },
      { list: ['4', '5'] },
      { list: ['4', 'x'] },
      { kind: 'a' },
      { kind: 'c' },
    ],
  ],
  ['a body is never coerced', Mixed, 'body', [{ n: 1 }, { n: '1' }, undefined, null]],
];

describe('request validation', () => {
  it.each(cases)('gives the provider’s values and errors: %s', (_name, schema, part, inputs) => {
    for (const input of inputs) {
      const ours = run(validatorCompiler, schema, part, input);
      const theirs =
        part === 'body' && (input === undefined || input === null)
          ? { value: {} }
          : run(TypeBoxValidatorCompiler, schema, part, input);
      expect(ours, JSON.stringify(input)).toEqual(theirs);
    }
  });

  it('coerces query strings and path parameters that need it', () => {
    expect(run(validatorCompiler, DatasetQuery, 'querystring', { limit: '20' })).toEqual({
      value: { limit: 20 },
    });
    expect(run(validatorCompiler, DatasetVersionPath, 'params', { name: 'cohort', version: '3' })).toEqual({
      value: { name: 'cohort', version: 3 },
    });
    expect(run(validatorCompiler, DatasetQuery, 'querystring', { limit: '0' })).toHaveProperty('error');
  });
});
