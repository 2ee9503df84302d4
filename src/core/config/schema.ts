/**
 * The one schema of hdh.yaml. Defaults live here and nowhere else; the loader fills them in, derives
 * the HDH_… environment overrides from this shape, and reports every mismatch with its path.
 * Secrets are never values in this file: a field named `…Env` names the environment variable that
 * holds the secret.
 * @module
 */
import { Type, type Static } from 'typebox';
import { AccessConfig } from './access-schema.js';
import { SovereigntySection } from './sovereignty-schema.js';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'lower-case name' });
const EnvName = Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', description: 'an environment variable name' });

const StoreCommon = {
  provider: Type.String({ minLength: 1, description: 'provider id in the sovereignty registry' }),
  legacy: Type.Boolean({
    default: false,
    description: 'written by another system: read-only for the hub, objects not sealed',
  }),
};

export const FsStoreConfig = Type.Object(
  {
    type: Type.Literal('fs'),
    root: Type.String({ minLength: 1, description: 'folder; relative paths are relative to the hub home' }),
    ...StoreCommon,
  },
  { additionalProperties: false },
);

export const MemoryStoreConfig = Type.Object(
  { type: Type.Literal('memory'), ...StoreCommon },
  { additionalProperties: false },
);

export const S3StoreConfig = Type.Object(
  {
    type: Type.Literal('s3'),
    endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    bucket: Type.String({ minLength: 3, maxLength: 63 }),
    region: Type.String({ default: 'us-east-1' }),
    pathStyle: Type.Boolean({ default: false }),
    accessKeyIdEnv: EnvName,
    secretAccessKeyEnv: EnvName,
    /** Most parts one multipart upload may have at this provider (Scaleway: 1,000; others 10,000). */
    maxParts: Type.Integer({ minimum: 1, maximum: 10_000, default: 10_000 }),
    /** Largest object the provider accepts, in bytes (S3: 5 TiB). */
    maxObjectBytes: Type.Integer({ minimum: 1, default: 5 * 1024 ** 4 }),
    ...StoreCommon,
  },
  { additionalProperties: false },
);

export const AzureBlobStoreConfig = Type.Object(
  {
    type: Type.Literal('azure-blob'),
    endpoint: Type.String({
      pattern: '^https?://',
      description: 'account URL, e.g. https://ACCOUNT.blob.core.windows.net',
    }),
    container: Type.String({ minLength: 3, maxLength: 63 }),
    accountNameEnv: Type.Optional(EnvName),
    accountKeyEnv: Type.Optional(EnvName),
    sasTokenEnv: Type.Optional(EnvName),
    ...StoreCommon,
  },
  { additionalProperties: false },
);

export const StoreConfig = Type.Union([
  FsStoreConfig,
  MemoryStoreConfig,
  S3StoreConfig,
  AzureBlobStoreConfig,
]);

export const LocalKeysConfig = Type.Object(
  {
    file: Type.String({ default: 'keyring.json' }),
    kdf: Type.Union([Type.Literal('argon2id'), Type.Literal('scrypt')], { default: 'argon2id' }),
    passphraseEnv: Type.Union([EnvName], { default: 'HDH_KEYRING_PASSPHRASE' }),
  },
  { additionalProperties: false, default: {} },
);

export const Pkcs11KeysConfig = Type.Object(
  {
    library: Type.String({ default: '/usr/lib/softhsm/libsofthsm2.so' }),
    tokenLabel: Type.String({ default: 'hdh' }),
    pinEnv: Type.Union([EnvName], { default: 'HDH_PKCS11_PIN' }),
    keyLabelPrefix: Type.String({ default: 'hdh' }),
  },
  { additionalProperties: false, default: {} },
);

export const KeysConfig = Type.Object(
  {
    provider: Type.Union([Type.Literal('local'), Type.Literal('pkcs11')], { default: 'local' }),
    local: LocalKeysConfig,
    pkcs11: Pkcs11KeysConfig,
  },
  { additionalProperties: false, default: {} },
);

export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Largest request body the API reads, in bytes. */
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /**
     * Largest file ingested over the API (`POST /api/datasets/{name}/ingest`), in bytes as sent;
     * the upload is streamed to disk, never held in memory. Larger files: `hdh ingest` on the hub.
     */
    ingestUploadLimitBytes: Type.Integer({
      minimum: 1024,
      maximum: 64 * 1024 * 1024 * 1024,
      default: 512 * 1024 * 1024,
    }),
    /** Trust X-Forwarded-For from a reverse proxy in front of the hub (the client address is then its). */
    trustProxy: Type.Boolean({ default: false }),
    /** Login, refresh, OIDC and TOTP attempts allowed per client address and window. */
    authRateLimit: Type.Object(
      {
        max: Type.Integer({ minimum: 1, default: 10 }),
        windowSeconds: Type.Integer({ minimum: 1, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Log levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const LogConfig = Type.Object(
  {
    level: Type.Union(
      LOG_LEVELS.map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const HubConfig = Type.Object(
  {
    version: Type.Literal(1, { default: 1 }),
    /** `sqlite:FILE` (relative to the home) or `postgres://…`. */
    database: Type.String({ pattern: '^(sqlite:|postgres(ql)?://)', default: 'sqlite:hdh.db' }),
    server: ServerConfig,
    log: LogConfig,
    keys: KeysConfig,
    stores: Type.Record(Name, StoreConfig, { default: {} }),
    defaultStore: Type.String({ default: 'local' }),
    /** Provider registry additions and the placement policy (see docs/sovereignty.md). */
    sovereignty: SovereigntySection,
    /** Identities, tokens, second factor, lockout, permits, OIDC providers (see docs/access.md). */
    access: AccessConfig,
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfig>;
export type StoreConfig = Static<typeof StoreConfig>;
export type FsStoreConfig = Static<typeof FsStoreConfig>;
export type MemoryStoreConfig = Static<typeof MemoryStoreConfig>;
export type S3StoreConfig = Static<typeof S3StoreConfig>;
export type AzureBlobStoreConfig = Static<typeof AzureBlobStoreConfig>;
export type KeysConfig = Static<typeof KeysConfig>;
export type LocalKeysConfig = Static<typeof LocalKeysConfig>;
export type Pkcs11KeysConfig = Static<typeof Pkcs11KeysConfig>;
