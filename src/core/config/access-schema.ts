/**
 * The `access` section of hdh.yaml: token lifetimes, lockout, passwords, second factor, permits and
 * OIDC providers. It lives in core because the configuration loader validates hdh.yaml as a whole and
 * reports every problem with its path; the access concept resolves and uses these settings.
 * Secrets are never values: an OIDC client secret is named by the environment variable holding it.
 * @module
 */
import { Type, type Static } from 'typebox';

/** The hub's roles (the access concept describes each). */
export const HUB_ROLES = ['operator', 'producer', 'reviewer', 'researcher', 'checker', 'auditor'] as const;

const RoleSchema = Type.Enum([...HUB_ROLES]);
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
    /** The Health Data Access Body this hub serves: publisher of the catalogue and its DCAT export. */
    publisher: Type.String({ minLength: 1, default: 'hdh' }),
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
        /**
         * Roles whose users must always use a second factor. An operator may require more roles at run
         * time (`PUT /api/settings/mfa/{role}`), but cannot lift one listed here.
         */
        requiredRoles: Type.Array(RoleSchema, { default: [], uniqueItems: true }),
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
