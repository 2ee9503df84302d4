/**
 * TypeBox schemas shared by the routes: request shapes are strict (`additionalProperties: false`),
 * response shapes list exactly what is sent (the serializer drops anything else).
 * @module
 */
import { Type, type TSchema } from 'typebox';
import {
  ACTIONS,
  APPLICATION_STATES,
  MAX_DURATION_MONTHS,
  MAX_LIMIT,
  PERMIT_STATUSES,
  PURPOSE_CODES,
  ROLES,
} from '../access/index.js';

const strict = { additionalProperties: false } as const;

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Id = Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$', description: 'an id such as app_01J…' });
export const Name = Type.String({
  pattern: '^[a-z0-9][a-z0-9._@-]{0,127}$',
  description: 'a user or service-account name',
});
export const Role = Type.Enum([...ROLES], { description: 'a hub role' });
export const Timestamp = Type.String({ description: 'ISO 8601 time, UTC' });
const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });
const Part = Type.String({ minLength: 1, maxLength: 200 });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.String({ description: 'the HdhError code' }),
    requestId: Type.String(),
    retryable: Type.Boolean(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'RFC 9457 problem details' },
);

/** Adds the problem answers every route may give, for OpenAPI and for serialisation. */
export function responses<T extends Record<number, TSchema>>(ok: T) {
  return { ...ok, '4xx': Problem, '5xx': Problem };
}

export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'items per page (default 50)' }),
  ),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,400}$', description: 'from nextCursor' })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Optional(Type.String()) });

export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  displayName: Nullable(Type.String()),
  email: Nullable(Type.String()),
  source: Type.Enum(['local', 'oidc']),
  mfaEnabled: Type.Boolean(),
  disabled: Type.Boolean(),
  lockedUntil: Nullable(Timestamp),
  createdAt: Timestamp,
  createdBy: Type.String(),
  lastLoginAt: Nullable(Timestamp),
});

export const TokenPair = {
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' }),
  expiresAt: Timestamp,
  refreshToken: Type.String({ description: 'opaque, single use' }),
  refreshExpiresAt: Timestamp,
};

export const LoginResult = Type.Object({
  ...TokenPair,
  user: Type.Object({ name: Type.String(), role: Role }),
  mfaEnrolmentRequired: Type.Boolean(),
});

export const LoginBody = Type.Object(
  {
    username: Text(128, 1),
    password: Text(256, 1),
    totp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
  },
  strict,
);

export const Me = Type.Object({
  kind: Type.Enum(['user', 'service', 'cli']),
  name: Type.String(),
  role: Role,
  actor: Type.String(),
  mfa: Type.Boolean(),
  mfaEnrolmentRequired: Type.Boolean(),
  user: Type.Optional(User),
});

export const ServiceAccount = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  description: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  disabled: Type.Boolean(),
});

export const ApiToken = Type.Object({
  id: Type.String(),
  label: Type.String(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  expiresAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
  revoked: Type.Boolean(),
});

export const IssuedApiToken = Type.Object({
  ...ApiToken.properties,
  token: Type.String({ description: 'shown once' }),
});

const TableScope = Type.Object({ name: Part, columns: Type.Array(Part, { maxItems: 2000 }) }, strict);

export const RequestedDataset = Type.Object(
  { dataset: Part, version: Type.Optional(Part), tables: Type.Array(TableScope, { maxItems: 500 }) },
  strict,
);

export const PermitDataset = Type.Object({
  dataset: Type.String(),
  version: Type.String(),
  tables: Type.Array(Type.Object({ name: Type.String(), columns: Type.Array(Type.String()) })),
});

export const Purpose = Type.Object({
  code: Type.String(),
  article: Type.String(),
  label: Type.String(),
  publicBodiesOnly: Type.Boolean(),
});

export const ApplicationFields = {
  project: Text(500, 1),
  purpose: Type.Enum([...PURPOSE_CODES], { description: 'EHDS Art. 53(1) purpose' }),
  datasets: Type.Optional(Type.Array(RequestedDataset, { maxItems: 100 })),
  team: Type.Optional(Type.Array(Name, { maxItems: 100, description: 'other researchers' })),
  justification: Type.Optional(Text(20_000)),
  durationMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DURATION_MONTHS })),
  declaration: Type.Optional(
    Type.Boolean({ description: 'no use prohibited by EHDS Art. 54; required to submit' }),
  ),
};

export const ApplicationCreate = Type.Object(ApplicationFields, strict);
export const ApplicationPatch = Type.Object(
  {
    ...ApplicationFields,
    project: Type.Optional(ApplicationFields.project),
    purpose: Type.Optional(ApplicationFields.purpose),
  },
  { ...strict, minProperties: 1 },
);

export const Clock = Type.Object({
  startedAt: Timestamp,
  dueAt: Timestamp,
  remainingDays: Type.Integer(),
  extended: Type.Boolean(),
  stopped: Type.Boolean(),
  stoppedDays: Type.Integer(),
  overdue: Type.Boolean(),
  responseDueAt: Type.Optional(Timestamp),
  decided: Type.Boolean(),
});

export const ApplicationState = Type.Enum([...APPLICATION_STATES]);

export const Application = Type.Object({
  id: Type.String(),
  applicant: Type.String(),
  project: Type.String(),
  purpose: Purpose,
  datasets: Type.Array(
    Type.Object({
      dataset: Type.String(),
      version: Type.Optional(Type.String()),
      tables: Type.Array(Type.Object({ name: Type.String(), columns: Type.Array(Type.String()) })),
    }),
  ),
  team: Type.Array(Type.String()),
  justification: Type.String(),
  durationMonths: Type.Integer(),
  declaration: Type.Boolean(),
  state: ApplicationState,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  submittedAt: Nullable(Timestamp),
  reviewer: Nullable(Type.String()),
  decidedAt: Nullable(Timestamp),
  decidedBy: Nullable(Type.String()),
  permitId: Nullable(Type.String()),
  clock: Type.Optional(Clock),
});

export const ApplicationEvent = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String(),
  kind: Type.String(),
  fromState: Nullable(ApplicationState),
  toState: Nullable(ApplicationState),
  comment: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const ApplicationDetail = Type.Object({
  ...Application.properties,
  events: Type.Array(ApplicationEvent),
});

export const DecisionBody = Type.Object(
  {
    decision: Type.Enum(['approve', 'reject', 'request-info']),
    comment: Type.Optional(Text(20_000)),
    permit: Type.Optional(
      Type.Object(
        {
          disclosureProfile: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' })),
          durationMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DURATION_MONTHS })),
          scope: Type.Optional(Type.Array(RequestedDataset, { minItems: 1, maxItems: 100 })),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const PermitStatus = Type.Enum([...PERMIT_STATUSES]);

export const Permit = Type.Object({
  id: Type.String(),
  applicationId: Type.String(),
  applicant: Type.String(),
  purpose: Type.String(),
  scope: Type.Array(PermitDataset),
  persons: Type.Array(Type.String()),
  disclosureProfile: Type.String(),
  startsAt: Timestamp,
  endsAt: Timestamp,
  status: PermitStatus,
  remainingDays: Type.Integer(),
  issuedAt: Timestamp,
  issuedBy: Type.String(),
  statusChangedAt: Nullable(Timestamp),
  statusChangedBy: Nullable(Type.String()),
  statusReason: Nullable(Type.String()),
});

export const Reason = Type.Object({ reason: Text(5000, 1) }, strict);

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Timestamp,
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  outcome: Type.Enum(['success', 'failure', 'denied']),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headSeq: Type.Integer(),
  headHash: Type.String(),
  firstBad: Type.Optional(Type.Object({ seq: Type.Integer(), id: Type.String(), reason: Type.String() })),
});

export const Action = Type.Enum([...ACTIONS]);

export const Decision = Type.Object({
  allowed: Type.Boolean(),
  action: Action,
  rule: Type.String(),
  reason: Type.String(),
  filter: Type.Optional(Type.Enum(['all', 'own'])),
  permit: Type.Optional(Type.Object({ id: Type.String(), endsAt: Timestamp, scope: PermitDataset })),
});

export const NamePath = Type.Object({ name: Name }, strict);
export const IdPath = Type.Object({ id: Id }, strict);

export const Bearer = [{ bearer: [] }];

const DatasetName = Type.String({
  pattern: '^[a-z0-9][a-z0-9._-]{0,99}$',
  description: 'a dataset name',
});
export const DatasetPath = Type.Object({ name: DatasetName }, strict);
const Period = Type.Object({ start: Type.String(), end: Type.String() });

export const DatasetSummary = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  publisher: Type.String(),
  dataClass: Type.String(),
  themes: Type.Array(Type.String()),
  keywords: Type.Array(Type.String()),
  temporal: Type.Optional(Period),
  spatial: Type.Optional(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  currentVersion: Type.Optional(Type.Integer()),
});

export const DatasetQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(Text(200, 1)),
    theme: Type.Optional(Text(200, 1)),
    dataClass: Type.Optional(Text(100, 1)),
  },
  strict,
);

const DatasetVersionView = {
  version: Type.Integer(),
  createdAt: Timestamp,
  createdBy: Type.String(),
  profile: Type.Object({ name: Type.String(), version: Type.String() }),
  persons: Type.Integer({ description: 'distinct pseudonymised persons' }),
};
const Counts = Type.Object({ read: Type.Integer(), accepted: Type.Integer(), quarantined: Type.Integer() });

/** A version in full: tables with their columns, counts, and the inputs it was made from. */
export const DatasetVersionDetail = Type.Object({
  ...DatasetVersionView,
  tables: Type.Array(
    Type.Object({
      name: Type.String(),
      description: Type.Optional(Type.String()),
      rows: Type.Integer(),
      bytes: Type.Integer(),
      columns: Type.Array(
        Type.Object({ name: Type.String(), type: Type.String(), description: Type.String() }),
      ),
    }),
  ),
  lineage: Type.Object({
    inputs: Type.Array(
      Type.Object({ fileName: Type.String(), sha256: Type.String(), bytes: Type.Integer() }),
    ),
    summary: Type.Object({
      read: Type.Integer(),
      accepted: Type.Integer(),
      quarantined: Type.Integer(),
      byType: Type.Record(Type.String(), Counts),
    }),
  }),
});

export const DatasetDetail = Type.Object({
  ...DatasetSummary.properties,
  versions: Type.Array(Type.Object(DatasetVersionView)),
  current: Type.Optional(DatasetVersionDetail),
});

export const DatasetVersionPath = Type.Object(
  { name: DatasetName, version: Type.Integer({ minimum: 1, description: 'a version number (1, 2, …)' }) },
  strict,
);
