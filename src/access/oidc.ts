/**
 * Sign-in through OpenID Connect providers (ProConnect, Pro Santé Connect, Keycloak…): authorisation
 * code flow with PKCE (S256), state and nonce, ID token validation by openid-client, then the claims
 * are mapped to a local user (created on first login) and a hub session is opened exactly as for a
 * password login. The pending login (state, nonce, PKCE verifier) waits in the database, so any hub
 * process can finish a login another one started.
 * @module
 */
import * as client from 'openid-client';
import { newId } from '../core/index.js';
import type { LoginResult, RequestMeta } from './auth.js';
import type { OidcProviderConfig } from './config.js';
import { addMs, MINUTE, NAME_PATTERN, type AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import { isRole, type Role } from './roles.js';
import { openSession, tokenPair } from './sessions.js';
import { mfaRequiredRoles } from './settings.js';

/** A login must come back from the provider within this time. */
const PENDING_TTL = 10 * MINUTE;

/** `amr` values (RFC 8176) that prove a second factor. */
const MFA_AMR = ['mfa', 'otp', 'hwk', 'swk', 'sc', 'sms', 'pop'];

export interface OidcStart {
  /** Send the browser there. */
  readonly url: string;
  /** Bind it to the browser (a cookie), and hand it back to {@link OidcService.callback}. */
  readonly state: string;
}

export interface OidcProviderInfo {
  readonly name: string;
  readonly label: string;
  readonly issuer: string;
}

export class OidcService {
  readonly #ctx: AccessContext;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #configs = new Map<string, Promise<client.Configuration>>();

  /** `env` holds the client secrets named by `clientSecretEnv` (the hub passes the process environment). */
  constructor(ctx: AccessContext, env: Readonly<Record<string, string | undefined>>) {
    this.#ctx = ctx;
    this.#env = env;
  }

  providers(): OidcProviderInfo[] {
    return this.#ctx.config.oidc.map((p) => ({ name: p.name, label: p.label ?? p.name, issuer: p.issuer }));
  }

  /** The redirect URI registered at the provider for this hub. */
  redirectUri(provider: string): string {
    return new URL(`/api/auth/oidc/${provider}/callback`, this.#ctx.config.publicUrl).toString();
  }

  async start(providerName: string): Promise<OidcStart> {
    const provider = this.#provider(providerName);
    const config = await this.#configuration(provider);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = this.#ctx.now();
    await this.#ctx.hub.db.deleteFrom('oidc_logins').where('expires_at', '<', now.toISOString()).execute();
    await this.#ctx.hub.db
      .insertInto('oidc_logins')
      .values({
        state,
        provider: provider.name,
        code_verifier: verifier,
        nonce,
        created_at: now.toISOString(),
        expires_at: addMs(now, PENDING_TTL).toISOString(),
      })
      .execute();
    const url = client.buildAuthorizationUrl(config, {
      ...provider.extraAuthParams,
      redirect_uri: this.redirectUri(provider.name),
      scope: provider.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.toString(), state };
  }

  /**
   * Finishes a login: `currentUrl` is the callback URL the provider redirected to, `browserState` the
   * state bound to the browser at {@link start} (a login started elsewhere is refused: login CSRF).
   */
  async callback(
    providerName: string,
    currentUrl: URL,
    browserState: string | undefined,
    meta: RequestMeta = {},
  ): Promise<LoginResult> {
    const provider = this.#provider(providerName);
    const target = `oidc:${provider.name}`;
    const fail = async (reason: string, error?: Error): Promise<never> => {
      await this.#ctx.audit.record({
        actor: 'unauthenticated',
        action: 'auth.login',
        target,
        outcome: 'failure',
        details: { method: 'oidc', provider: provider.name, reason, ...meta },
      });
      throw error ?? AccessErrors.AUTH_OIDC_FAILED(`OIDC login with ${provider.name} failed: ${reason}`);
    };
    const state = currentUrl.searchParams.get('state');
    const providerError = currentUrl.searchParams.get('error');
    if (providerError !== null) {
      const description = currentUrl.searchParams.get('error_description');
      return fail(`the provider answered ${providerError}${description === null ? '' : ` (${description})`}`);
    }
    if (state === null || state === '') {
      return fail('the callback carries no state');
    }
    if (browserState !== state) {
      return fail('the login was not started from this browser (state mismatch)');
    }
    const pending = await this.#ctx.hub.db
      .selectFrom('oidc_logins')
      .selectAll()
      .where('state', '=', state)
      .executeTakeFirst();
    // One use only, whatever happens next.
    await this.#ctx.hub.db.deleteFrom('oidc_logins').where('state', '=', state).execute();
    if (pending?.provider !== provider.name) {
      return fail('no pending login for this state');
    }
    if (pending.expires_at < this.#ctx.now().toISOString()) {
      return fail('the login took longer than 10 minutes');
    }

    let claims: Record<string, unknown>;
    try {
      const config = await this.#configuration(provider);
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (idClaims === undefined) {
        return await fail('the provider returned no ID token');
      }
      claims = { ...idClaims };
      if (provider.userinfo) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (err) {
      if (err instanceof Error && err.name === 'HdhError') {
        throw err;
      }
      return fail(err instanceof Error ? err.message : String(err));
    }
    return this.#signIn(provider, claims, meta, fail);
  }

  async #signIn(
    provider: OidcProviderConfig,
    claims: Record<string, unknown>,
    meta: RequestMeta,
    fail: (reason: string, error?: Error) => Promise<never>,
  ): Promise<LoginResult> {
    const subject = String(claims['sub']);
    const rawName = claimAt(claims, provider.usernameClaim);
    const name = typeof rawName === 'string' ? rawName.trim().toLowerCase() : '';
    if (!NAME_PATTERN.test(name)) {
      return fail(`claim ${provider.usernameClaim} ("${name}") is missing or not usable as a user name`);
    }
    const role = mapRole(provider, claims);
    if (role === undefined) {
      return fail(
        `no role for ${name}`,
        AccessErrors.AUTH_OIDC_NO_ROLE(
          `${provider.name} vouched for ${name}, but ${provider.roleClaim ?? 'no role claim'} maps to no hub role and no default role is set`,
        ),
      );
    }
    const amr = Array.isArray(claims['amr']) ? (claims['amr'] as unknown[]).map(String) : [];
    const mfa = provider.trustMfa || amr.some((a) => MFA_AMR.includes(a));
    if (
      !mfa &&
      (await mfaRequiredRoles(this.#ctx.hub.db, this.#ctx.config.mfa.requiredRoles)).includes(role)
    ) {
      return fail(
        `role ${role} requires a second factor and ${provider.name} asserted none`,
        AccessErrors.AUTH_MFA_REQUIRED(
          `role ${role} requires a second factor: ${provider.name} did not assert one (amr) and is not trusted to enforce it`,
        ),
      );
    }
    const now = this.#ctx.now().toISOString();
    const issuer = provider.issuer;
    const displayName = typeof claims['name'] === 'string' ? claims['name'] : null;
    const email = typeof claims['email'] === 'string' ? claims['email'] : null;
    const existing = await this.#ctx.hub.db
      .selectFrom('users')
      .selectAll()
      .where('oidc_issuer', '=', issuer)
      .where('oidc_subject', '=', subject)
      .executeTakeFirst();
    if (existing?.disabled_at != null) {
      return fail(`the account ${existing.name} is disabled`);
    }
    if (existing === undefined) {
      const clash = await this.#ctx.hub.db
        .selectFrom('users')
        .select('id')
        .where('name', '=', name)
        .executeTakeFirst();
      if (clash !== undefined) {
        return fail(`a local account named ${name} exists and is not linked to ${provider.name}`);
      }
    }
    const userId = existing?.id ?? newId('usr');
    const userName = existing?.name ?? name;
    const roleChanged =
      existing !== undefined && existing.role !== role ? { from: existing.role, to: role } : undefined;
    const session = await this.#ctx.audit.withEntry(
      {
        actor: userName,
        action: 'auth.login',
        target: `user:${userName}`,
        details: {
          method: 'oidc',
          provider: provider.name,
          mfa,
          created: existing === undefined,
          ...(roleChanged ? { roleChanged } : {}),
          ...meta,
        },
      },
      async (trx) => {
        if (existing === undefined) {
          await trx
            .insertInto('users')
            .values({
              id: userId,
              name,
              role,
              display_name: displayName,
              email,
              oidc_issuer: issuer,
              oidc_subject: subject,
              created_at: now,
              created_by: `oidc:${provider.name}`,
              disabled_at: null,
              disabled_by: null,
              last_login_at: now,
              failed_count: 0,
              failed_since: null,
              locked_until: null,
            })
            .execute();
        } else {
          await trx
            .updateTable('users')
            .set({
              role,
              display_name: displayName ?? existing.display_name,
              email: email ?? existing.email,
              last_login_at: now,
            })
            .where('id', '=', userId)
            .execute();
        }
        return openSession(trx, this.#ctx, { userId, method: `oidc:${provider.name}`, mfa });
      },
    );
    const pair = await tokenPair(this.#ctx, { id: userId, name: userName, role }, session);
    return { ...pair, user: { name: userName, role }, mfaEnrolmentRequired: false };
  }

  #provider(name: string): OidcProviderConfig {
    const provider = this.#ctx.config.oidc.find((p) => p.name === name);
    if (provider === undefined) {
      throw AccessErrors.AUTH_OIDC_UNKNOWN_PROVIDER(`no OIDC provider named ${name}`);
    }
    return provider;
  }

  /** Discovery once per provider; a failed discovery is retried at the next login. */
  #configuration(provider: OidcProviderConfig): Promise<client.Configuration> {
    let config = this.#configs.get(provider.name);
    if (config === undefined) {
      const secret = this.#env[provider.clientSecretEnv];
      if (secret === undefined || secret === '') {
        return Promise.reject(
          AccessErrors.AUTH_OIDC_FAILED(
            `OIDC provider ${provider.name}: the client secret variable ${provider.clientSecretEnv} is not set`,
          ),
        );
      }
      const auth =
        provider.tokenEndpointAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(secret)
          : client.ClientSecretBasic(secret);
      config = client
        .discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
          // Plain http only when configured for a loopback test provider; production issuers use TLS.
          // eslint-disable-next-line @typescript-eslint/no-deprecated
          ...(provider.allowHttp ? { execute: [client.allowInsecureRequests] } : {}),
          timeout: 10,
        })
        .catch((err: unknown) => {
          this.#configs.delete(provider.name);
          throw AccessErrors.AUTH_OIDC_FAILED(
            `OIDC discovery at ${provider.issuer} failed: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        });
      this.#configs.set(provider.name, config);
    }
    return config;
  }
}

/** The value at a dotted claim path (`realm_access.roles`). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The first claim value (in the provider's order) that maps to a role, else the default role. */
export function mapRole(provider: OidcProviderConfig, claims: Record<string, unknown>): Role | undefined {
  if (provider.roleClaim !== undefined) {
    const raw = claimAt(claims, provider.roleClaim);
    const values = (Array.isArray(raw) ? (raw as unknown[]) : [raw]).filter(
      (v): v is string => typeof v === 'string',
    );
    for (const value of values) {
      const role = provider.roleMap[value];
      if (role !== undefined && isRole(role)) {
        return role;
      }
    }
  }
  return provider.defaultRole;
}
