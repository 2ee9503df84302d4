/**
 * Settings of the access concept, as they appear under `access:` in hdh.yaml. Defaults live here.
 * Secrets are never values: an OIDC client secret is named by the environment variable holding it.
 * @module
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { CoreErrors } from '../core/index.js';
import { ROLES } from './roles.js';

const RoleSchema = Type.Enum([...ROLES]);
const EnvName = Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', description: 'an environment variable name' });

export const OidcProviderConfig = Type.Object(
  {
    /** Used in URLs: `/api/auth/oidc/{name}/start`. */
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
    label: Type.Optional(Type.String({ minLength: 1 })),
    issuer: Type.String({ pattern: '^https?://' }),
    clientId: Type.String({ minLength: 1 }),
    clientSecretEnv: EnvName,
    /** How the client authenticates at the token endpoint (ProConnect: client_secret_post). */
    tokenEndpointAuthMethod: Type.Enum(['client_secret_basic', 'client_secret_post'], {
      default: 'client_secret_basic',
    }),
    scope: Type.String({ default: 'openid profile email' }),
    /** Claim that becomes the local user name (lower-cased). */
    usernameClaim: Type.String({ default: 'email' }),
    /** Dotted path of the claim holding roles, e.g. `realm_access.roles` (Keycloak). */
    roleClaim: Type.Optional(Type.String({ minLength: 1 })),
    /** Claim value → hub role. */
    roleMap: Type.Record(Type.String(), RoleSchema, { default: {} }),
    /** Role given when no claim maps; without it such a login is refused. */
    defaultRole: Type.Optional(RoleSchema),
    /** The provider itself enforces a second factor (e.g. Pro Santé Connect with a CPS card). */
    trustMfa: Type.Boolean({ default: false }),
    /** Read claims from the userinfo endpoint too (ProConnect puts most claims there). */
    userinfo: Type.Boolean({ default: false }),
    /** Extra authorisation request parameters, e.g. `acr_values: eidas1`. */
    extraAuthParams: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** Accept a plain-http issuer: loopback test providers only. */
    allowHttp: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const AccessConfig = Type.Object(
  {
    /** Base URL browsers reach the hub at; OIDC redirect URIs are built from it. */
    publicUrl: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8080' }),
    tokens: Type.Object(
      {
        issuer: Type.String({ default: 'hdh' }),
        accessTtlSeconds: Type.Integer({ minimum: 30, maximum: 3600, default: 900 }),
        /** Absolute lifetime of a sign-in; refresh tokens never outlive it. */
        sessionTtlHours: Type.Integer({ minimum: 1, maximum: 720, default: 12 }),
      },
      { additionalProperties: false, default: {} },
    ),
    lockout: Type.Object(
      {
        maxFailures: Type.Integer({ minimum: 1, default: 5 }),
        windowMinutes: Type.Integer({ minimum: 1, default: 15 }),
        lockMinutes: Type.Integer({ minimum: 1, default: 15 }),
      },
      { additionalProperties: false, default: {} },
    ),
    passwords: Type.Object(
      { minLength: Type.Integer({ minimum: 8, maximum: 128, default: 12 }) },
      { additionalProperties: false, default: {} },
    ),
    mfa: Type.Object(
      {
        /** Shown by authenticator apps beside the account name. */
        issuerLabel: Type.String({ default: 'hdh' }),
        /** Reading row-level data needs a second factor in the session (EHDS Art. 73; TEHDAS2 EHDSR-5). */
        requiredForData: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    permits: Type.Object(
      {
        /** Disclosure-control profiles a permit may name (the SPE defines their rules). */
        disclosureProfiles: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' }), {
          default: ['acro-default', 'opensafely', 'ehrql-measures', 'datashield-default', 'uk-llc', 'snds'],
          minItems: 1,
        }),
        defaultDisclosureProfile: Type.String({ default: 'acro-default' }),
      },
      { additionalProperties: false, default: {} },
    ),
    oidc: Type.Array(OidcProviderConfig, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);

export type AccessConfig = Static<typeof AccessConfig>;
export type OidcProviderConfig = Static<typeof OidcProviderConfig>;
/** What a caller may pass: any part may be left out and takes its default. */
export type AccessConfigInput = Partial<{
  [K in keyof AccessConfig]: AccessConfig[K] extends readonly unknown[]
    ? AccessConfig[K]
    : AccessConfig[K] extends object
      ? Partial<AccessConfig[K]>
      : AccessConfig[K];
}>;

/** Fills in defaults and checks the result, reporting every problem with its path at once. */
export function resolveAccessConfig(input: unknown = {}): AccessConfig {
  const filled = Value.Default(AccessConfig, structuredClone(input ?? {}));
  const errors = [...Value.Errors(AccessConfig, filled)];
  if (errors.length > 0) {
    // An unknown key yields two errors (the key's `false` schema and the object's summary): keep one.
    const lines = errors
      .filter((e) => e.keyword !== 'additionalProperties')
      .map(
        (e) =>
          `access${e.instancePath.replaceAll('/', '.')}: ${e.keyword === 'boolean' ? 'is not a known setting' : e.message}`,
      );
    throw CoreErrors.CONFIG_INVALID(`access settings are invalid:\n${lines.join('\n')}`);
  }
  const config = filled as AccessConfig;
  if (!config.permits.disclosureProfiles.includes(config.permits.defaultDisclosureProfile)) {
    throw CoreErrors.CONFIG_INVALID(
      `access.permits.defaultDisclosureProfile "${config.permits.defaultDisclosureProfile}" is not one of access.permits.disclosureProfiles`,
    );
  }
  const names = new Set<string>();
  for (const p of config.oidc) {
    if (names.has(p.name)) {
      throw CoreErrors.CONFIG_INVALID(`access.oidc: provider "${p.name}" is listed twice`);
    }
    names.add(p.name);
  }
  return config;
}
