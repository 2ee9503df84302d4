/**
 * TypeBox schemas of `/api/migrations`: requests are strict; answers name the fields clients rely
 * on and keep the engine's further fields (phases, timeline, findings) as they are.
 * @module
 */
import { Type } from 'typebox';
import { DATA_CLASSES } from '../sovereignty/index.js';
import { Nullable, Timestamp } from './schemas.js';

const strict = { additionalProperties: false } as const;
const open = { additionalProperties: true } as const;

export const MigrationName = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  description: 'a migration name: letters, digits, dot, underscore, dash',
});
export const MigrationPath = Type.Object({ name: MigrationName }, strict);

const StorePrefix = Type.Object(
  {
    store: Type.String({ minLength: 1, maxLength: 100, description: 'a store of hdh.yaml' }),
    prefix: Type.String({ maxLength: 1000, description: 'key prefix; empty for the whole store' }),
  },
  strict,
);
const DataClass = Type.Enum([...DATA_CLASSES]);
const Rate = Type.String({ minLength: 1, maxLength: 40, description: 'bytes per second, e.g. 200MiB/s' });

export const MigrationPlanBody = Type.Object(
  {
    name: MigrationName,
    from: StorePrefix,
    to: StorePrefix,
    classMap: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 1000 }),
        Type.Union([
          DataClass,
          Type.Object(
            { class: DataClass, dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
            strict,
          ),
        ]),
        { description: 'key prefix → data class (and dataset); the longest prefix wins' },
      ),
    ),
    defaultClass: Type.Optional(DataClass),
    defaultDataset: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    pricePerGb: Type.Optional(Type.Number({ minimum: 0, description: 'egress price per GB (default 0)' })),
    expectedRate: Type.Optional(Rate),
    expectedOps: Type.Optional(
      Type.Integer({ minimum: 1, description: 'objects per second the destination accepts (default 300)' }),
    ),
  },
  strict,
);

export const MigrationCopyBody = Type.Object(
  {
    phase: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'a data class or its phase number' }),
    ),
    workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    bwlimit: Type.Optional(Rate),
    maxTransfer: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. 5TiB' })),
    maxDuration: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'e.g. 8h' })),
  },
  strict,
);

export const MigrationVerifyBody = Type.Object(
  {
    deep: Type.Optional(Type.Boolean({ description: 're-read and open every destination object' })),
    source: Type.Optional(Type.Boolean({ description: 're-read the source too (costs egress)' })),
  },
  strict,
);

export const DecommissionBody = Type.Object(
  {
    confirm: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'the migration name again: the source objects are deleted for good',
    }),
  },
  strict,
);

export const ReportQuery = Type.Object(
  { format: Type.Optional(Type.Enum(['json', 'md', 'html'], { description: 'default md' })) },
  strict,
);

const Where = Type.Object({ store: Type.String(), prefix: Type.String() }, open);

/** What a listing and a status both say of a migration first. */
const migrationHead = {
  name: Type.String(),
  state: Type.String(),
  source: Where,
  destination: Where,
  objects: Type.Integer(),
  bytes: Type.Number(),
};

export const MigrationSummary = Type.Object({
  ...migrationHead,
  states: Type.Record(Type.String(), Type.Integer(), { description: 'objects per state' }),
  createdAt: Timestamp,
});

export const PlanReport = Type.Object(
  {
    name: Type.String(),
    state: Type.Enum(['planned', 'refused']),
    source: Where,
    destination: Where,
    objects: Type.Integer(),
    bytes: Type.Number(),
    toCopy: Type.Object({ objects: Type.Integer(), bytes: Type.Number() }),
    phases: Type.Array(Type.Object({}, open)),
    blocked: Type.Array(Type.Object({}, open)),
    refused: Type.Array(Type.Object({}, open)),
    estimate: Type.Object({}, open),
    plannedAt: Timestamp,
  },
  open,
);

export const MigrationStep = Type.Object({
  kind: Type.Enum(['run', 'sync', 'verify']),
  state: Type.Enum(['running', 'finished', 'failed', 'stopped']),
  actor: Type.String(),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  progress: Nullable(Type.Object({}, { ...open, description: 'the last progress report of a copy' })),
  result: Nullable(
    Type.Object({}, { ...open, description: 'a run result, a sync result or a verify report' }),
  ),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const MigrationStatus = Type.Object(
  {
    ...migrationHead,
    states: Type.Record(Type.String(), Type.Object({ objects: Type.Integer(), bytes: Type.Number() })),
    phases: Type.Array(Type.Object({}, open)),
    errors: Type.Array(Type.Object({ state: Type.String(), code: Type.String(), objects: Type.Integer() })),
    lastVerify: Nullable(Type.Object({}, open)),
    lastSync: Nullable(Type.Object({ at: Timestamp, found: Type.Integer() })),
    step: Nullable(MigrationStep),
  },
  open,
);

export const CutoverResult = Type.Object({
  migration: Type.String(),
  datasets: Type.Array(Type.String()),
  recordsMoved: Type.Integer(),
  recordsCreated: Type.Integer(),
  at: Timestamp,
});

export const Certificate = Type.Object({
  certificate: Type.Object({}, { ...open, description: 'what was certified (signedJson, parsed)' }),
  signature: Type.String({ description: 'detached JWS over signedJson' }),
  signedJson: Type.String(),
});

export const DecommissionResult = Type.Object({
  deleted: Type.Integer(),
  failed: Type.Array(Type.Object({ key: Type.String(), code: Type.String(), message: Type.String() })),
  certificate: Nullable(Certificate),
});
