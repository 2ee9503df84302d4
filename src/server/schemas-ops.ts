/**
 * TypeBox schemas of the operations routes on stores, keys and sovereignty. Deep documents whose
 * shape the sovereignty module owns (registry entries with their evidence, decisions' reasons, the
 * signed report) pass through as they are: the signed report must reach the client byte-for-byte
 * equal in meaning to what `hdh sovereignty report` writes, or its digest would not verify.
 * @module
 */
import { Type } from 'typebox';
import { DATA_CLASSES } from '../sovereignty/index.js';
import { Nullable, Timestamp } from './schemas.js';

const strict = { additionalProperties: false } as const;

export const StoreName = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
  description: 'a store named in hdh.yaml',
});
export const DataClass = Type.Enum([...DATA_CLASSES], { description: 'a data class' });
export const ObjectKey = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'the object key, URL-encoded in the path (a "/" as %2F)',
});
const DatasetName = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$', description: 'a dataset name' });
const Prefix = Type.String({ maxLength: 1024, description: 'only keys starting with this' });

export const StorePath = Type.Object({ store: StoreName }, strict);
export const ObjectPath = Type.Object({ store: StoreName, key: ObjectKey }, strict);

export const StoreSummary = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'fs, s3, azure-blob or memory' }),
  legacy: Type.Boolean({ description: 'written by another system: read-only, not sealed' }),
  default: Type.Boolean(),
  provider: Type.Object({
    id: Type.String(),
    name: Type.String(),
    origin: Type.String({ description: 'shipped, configured (hdh.yaml) or overridden' }),
    headquartersCountry: Type.Unknown(),
    dataCentreCountries: Type.Unknown(),
    extraterritorialLaws: Type.Unknown(),
    qualifications: Type.Array(Type.Object({ label: Type.String(), state: Type.String() })),
  }),
  allowedClasses: Type.Array(Type.String(), {
    description: 'classes the placement policy lets this store hold today',
  }),
});

export const ObjectView = Type.Object({
  key: Type.String(),
  size: Nullable(Type.Integer({ description: 'plaintext bytes; null when the hub has no record' })),
  storedSize: Type.Integer(),
  dataset: Nullable(Type.String()),
  class: Nullable(Type.String()),
  sealed: Nullable(Type.Boolean()),
  lastModified: Timestamp,
});

export const ObjectListQuery = Type.Object(
  {
    prefix: Type.Optional(Prefix),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 200, description: 'items per page (default 50)' }),
    ),
    cursor: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{1,1400}$', description: 'from nextCursor' }),
    ),
  },
  strict,
);

export const PutObjectQuery = Type.Object(
  {
    dataset: DatasetName,
    class: Type.Optional(DataClass),
  },
  strict,
);

export const ObjectRecord = Type.Object({
  store: Type.String(),
  key: Type.String(),
  objectId: Type.String(),
  dataset: Type.String(),
  dataClass: Type.String(),
  sealed: Type.Boolean(),
  keyId: Nullable(Type.String()),
  plainSize: Type.Integer(),
  plainSha256: Type.String(),
  sealedSize: Type.Integer(),
  sealedSha256: Type.String(),
  createdAt: Timestamp,
});

export const VerifyBody = Type.Object({ prefix: Type.Optional(Prefix) }, strict);

export const KeysStatus = Type.Object({
  provider: Type.Object({
    kind: Type.String({ description: 'local (keyring) or pkcs11 (HSM)' }),
    location: Type.String(),
    extractable: Type.Boolean(),
    access: Type.String(),
    activeMasterKeyId: Type.String(),
    masterKeys: Type.Array(
      Type.Object({
        id: Type.String(),
        createdAt: Timestamp,
        state: Type.String(),
        retiredAt: Type.Optional(Timestamp),
      }),
    ),
    hmacInside: Type.Boolean(),
    development: Type.Boolean(),
    details: Type.Record(Type.String(), Type.String()),
  }),
  datasets: Type.Array(
    Type.Object({
      dataset: Type.String(),
      state: Type.String(),
      keys: Type.Array(
        Type.Object({
          keyId: Type.String(),
          state: Type.String(),
          masterKeyId: Type.String(),
          wrapAlg: Type.String(),
          createdAt: Timestamp,
          destroyedAt: Type.Optional(Timestamp),
          destroyedBy: Type.Optional(Type.String()),
        }),
      ),
    }),
  ),
  signingKey: Type.Optional(
    Type.Object({
      kid: Type.String(),
      masterKeyId: Type.String(),
      createdAt: Timestamp,
      publicJwk: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
});

export const MasterRotation = Type.Object({
  previous: Type.Array(Type.String()),
  current: Type.String(),
  rewrapped: Type.Integer(),
  signingKeyRewrapped: Type.Boolean(),
  resumed: Type.Boolean(),
});

export const ShredBody = Type.Object(
  {
    confirm: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'the dataset name again: shredding cannot be undone',
    }),
  },
  strict,
);

export const ShredResult = Type.Object({
  dataset: Type.String(),
  keyIds: Type.Array(Type.String(), { description: 'keys destroyed by this call' }),
  alreadyDestroyed: Type.Array(Type.String()),
});

export const ProviderListing = Type.Array(
  Type.Unknown({
    description:
      'a registry entry with its evidence (docs/sovereignty.md), its origin and qualificationStatus',
  }),
);

export const CheckBody = Type.Object({ store: StoreName, class: DataClass }, strict);

export const PlacementCheck = Type.Object({
  store: Type.String(),
  allowed: Type.Boolean(),
  provider: Type.String(),
  dataClass: Type.String(),
  reasons: Type.Array(Type.Unknown({ description: 'requirement, ok, message, evidence' })),
  restsOnOperatorAttestation: Type.Boolean(),
  allowedClasses: Type.Array(Type.String()),
});

export const ReportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Enum(['json', 'md', 'html'], {
        description: 'json: the signed report (default); md or html: a rendering of it, unsigned',
      }),
    ),
  },
  strict,
);

export const SignedReport = Type.Unknown({
  description:
    '{ format, report, signature }: the signed compliance report, as `hdh sovereignty report` writes it',
});

export const VerifyReportBody = Type.Object(
  {
    report: Type.Record(Type.String(), Type.Unknown(), {
      description: 'the signed report (the JSON `GET /api/sovereignty/report` gives)',
    }),
    key: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "a public key (JWK) to check it with; default the hub's own signing key",
      }),
    ),
  },
  strict,
);

export const ReportVerification = Type.Object({
  ok: Type.Boolean(),
  kid: Type.String(),
  keySource: Type.String({ description: 'given (a key checked it) or embedded (integrity only)' }),
  digest: Type.String(),
  generatedAt: Timestamp,
  keyFrom: Type.String(),
});

export const PublicJwk = Type.Record(Type.String(), Type.Unknown(), {
  description: "the hub's public signing key (Ed25519 JWK) with its kid",
});

export const AuditExportQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time' })),
    action: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'exact, or a prefix ending in *' }),
    ),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  strict,
);
