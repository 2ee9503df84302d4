/**
 * TypeBox schemas of the ingestion and quarantine routes. Where the sealed objects lie (object keys)
 * stays the hub's business, as in the catalogue.
 * @module
 */
import { Type } from 'typebox';
import { DatasetPath, Id, Nullable, PageQuery, Timestamp } from './schemas.js';

const strict = { additionalProperties: false } as const;
const Label = Type.String({ minLength: 1, maxLength: 200 });

export const IngestQuery = Type.Object(
  {
    create: Type.Optional(
      Type.Boolean({ description: 'create the dataset if it does not exist yet (default false: 404)' }),
    ),
    fileName: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$',
        description:
          'the name the lineage and the quarantine register give the file (default upload.<format>)',
      }),
    ),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })),
    store: Type.Optional(Label),
    quarantineStore: Type.Optional(Label),
  },
  strict,
);

export const IngestHeaders = Type.Object({
  'hdh-csv-schema': Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/=_-]+$',
      description: 'for text/csv: the CSV schema (YAML or JSON, as `hdh ingest --schema` reads it), base64',
    }),
  ),
});

const Counts = Type.Object({ read: Type.Integer(), accepted: Type.Integer(), quarantined: Type.Integer() });

export const IngestResult = Type.Object({
  dataset: Type.String(),
  ingestId: Type.String(),
  version: Nullable(Type.Integer({ description: 'null: every input was already in the dataset' })),
  store: Type.String(),
  ...Counts.properties,
  byType: Type.Record(Type.String(), Counts),
  quarantineByCode: Type.Record(Type.String(), Type.Integer()),
  persons: Type.Integer({ description: 'distinct persons in the dataset, this version included' }),
  tables: Type.Array(Type.Object({ name: Type.String(), rows: Type.Integer() })),
  inputs: Type.Array(Type.Object({ fileName: Type.String(), sha256: Type.String(), bytes: Type.Integer() })),
  skipped: Type.Array(
    Type.Object({
      fileName: Type.String(),
      sha256: Type.String(),
      version: Type.Optional(Type.Integer({ description: 'the version that already holds it' })),
    }),
  ),
  profile: Type.Object({ name: Type.String(), version: Type.String() }),
});

export const QuarantineStatusFilter = Type.Enum(['open', 'reingested', 'dismissed', 'all']);

export const QuarantineQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(QuarantineStatusFilter),
    code: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,99}$', description: 'a reason code' })),
  },
  strict,
);

export const QuarantinePath = Type.Object({ name: DatasetPath.properties.name, id: Id }, strict);

export const QuarantineEntry = Type.Object({
  id: Type.String(),
  ingestId: Type.String(),
  code: Type.String(),
  message: Type.String(),
  file: Type.String(),
  line: Type.Integer(),
  resourceType: Type.Optional(Type.String()),
  status: Type.Enum(['open', 'reingested', 'dismissed']),
  createdAt: Timestamp,
  resolvedAt: Type.Optional(Timestamp),
  resolvedBy: Type.Optional(Type.String()),
  resolution: Type.Optional(Type.String()),
});

export const QuarantinePage = Type.Object({
  items: Type.Array(QuarantineEntry),
  nextCursor: Type.Optional(Type.String()),
  counts: Type.Record(Type.String(), Type.Integer(), {
    description: 'records of the dataset per status, whatever the filter',
  }),
});

export const QuarantinedRecord = Type.Object({
  ...QuarantineEntry.properties,
  issues: Type.Array(Type.Object({ code: Type.String(), path: Type.String(), message: Type.String() })),
  origin: Type.Object({
    file: Type.String(),
    line: Type.Integer(),
    entry: Type.Optional(Type.Integer()),
    format: Type.String(),
  }),
  truncated: Type.Boolean(),
  profile: Type.Object({ name: Type.String(), version: Type.String() }),
  content: Type.String({ description: 'the original record (identifying: this reading is audited)' }),
});

export const ReingestResult = Type.Object({
  dataset: Type.String(),
  id: Type.String(),
  ingestId: Type.String(),
  version: Type.Integer(),
  ...Counts.properties,
  tables: Type.Array(Type.Object({ name: Type.String(), rows: Type.Integer() })),
});

export const DismissBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
  strict,
);
