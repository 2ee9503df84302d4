/**
 * Authentication: password (+ TOTP) login with lockout, refresh-token rotation, logout, and turning a
 * bearer token (access token or API token) into a {@link Principal} on every request. Every outcome
 * is written to the audit log; passwords and tokens never are.
 * @module
 */
import { CoreErrors, GenerationMemo } from '../core/index.js';
import { addMs, MINUTE, type AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import type { MfaService } from './mfa.js';
import { spendVerifyTime, verifyPassword } from './passwords.js';
import type { Principal } from './principal.js';
import type { Role } from './roles.js';
import type { ServiceAccountService } from './service-accounts.js';
import {
  issueRefreshToken,
  knownAccessToken,
  openSession,
  REFRESH_PREFIX,
  revokeSessions,
  tokenPair,
  verifyAccessToken,
  type AccessClaims,
  type TokenPair,
} from './sessions.js';
import { MFA_ROLES_KEY, mfaRequiredRoles, parseMfaRoles } from './settings.js';
import { tokenDigest } from './secrets.js';
import { API_TOKEN_PREFIX } from './service-accounts.js';
import { prepareQuery, type UsersTable } from '../db/index.js';

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  /** The current 6-digit code, required when the account has a second factor. */
  readonly totp?: string;
}

/** Where a request came from, for the audit log. */
export interface RequestMeta {
  readonly ip?: string;
}

export interface LoginResult extends TokenPair {
  readonly user: { readonly name: string; readonly role: Role };
  /** The role requires a second factor and none is enrolled: only enrolment is possible until it is. */
  readonly mfaEnrolmentRequired: boolean;
}

const UNAUTHENTICATED = 'unauthenticated';

/** The per-request read: the session, its user, their second factor and the MFA policy. */
function sessionLookup(db: AccessContext['hub']['db']) {
  return prepareQuery(db, ['sessionId'], (p) =>
    db
      .selectFrom('auth_sessions')
      .innerJoin('users', 'users.id', 'auth_sessions.user_id')
      .leftJoin('user_mfa', 'user_mfa.user_id', 'users.id')
      .select((eb) => [
        'auth_sessions.user_id',
        'auth_sessions.mfa',
        'auth_sessions.expires_at',
        'auth_sessions.revoked_at',
        'auth_sessions.revoked_reason',
        'users.name',
        'users.role',
        'users.disabled_at',
        'user_mfa.enabled as mfa_enabled',
        eb.selectFrom('hub_meta').select('value').where('key', '=', MFA_ROLES_KEY).as('mfa_roles'),
      ])
      .where('auth_sessions.id', '=', p.sessionId),
  );
}

type SessionRow = Awaited<ReturnType<ReturnType<typeof sessionLookup>>>[number];

/** Sessions whose rows one hub process keeps while the access generation is unchanged. */
const SESSION_MEMO = 4096;

export class AuthService {
  readonly #ctx: AccessContext;
  readonly #mfa: MfaService;
  readonly #serviceAccounts: ServiceAccountService;

  /**
   * The per-request lookup (the session, its user, their second factor and the MFA policy), compiled
   * once. Revocation must take effect at once: its rows are kept only under the access generation the
   * caller read before asking, which any change to these tables bumps (migration 0007).
   */
  readonly #sessionLookup;
  readonly #sessions = new GenerationMemo<SessionRow>(SESSION_MEMO);

  constructor(ctx: AccessContext, mfa: MfaService, serviceAccounts: ServiceAccountService) {
    this.#ctx = ctx;
    this.#mfa = mfa;
    this.#serviceAccounts = serviceAccounts;
    this.#sessionLookup = sessionLookup(ctx.hub.db);
  }

  async login(input: LoginInput, meta: RequestMeta = {}): Promise<LoginResult> {
    const name = input.username.trim().toLowerCase();
    const target = `user:${name}`;
    const ctx = this.#ctx;
    const user = await ctx.hub.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    const stored =
      user === undefined
        ? undefined
        : await ctx.hub.db
            .selectFrom('user_passwords')
            .select('hash')
            .where('user_id', '=', user.id)
            .executeTakeFirst();
    if (user === undefined || user.disabled_at !== null || stored === undefined) {
      await spendVerifyTime(input.password);
      const reason =
        user === undefined
          ? 'unknown user'
          : user.disabled_at !== null
            ? 'account disabled'
            : 'no local password';
      await ctx.audit.record({
        actor: UNAUTHENTICATED,
        action: 'auth.login',
        target,
        outcome: 'failure',
        details: { reason, ...meta },
      });
      throw AccessErrors.AUTH_INVALID_CREDENTIALS('the user name or password is wrong');
    }
    const now = ctx.now();
    if (user.locked_until !== null && user.locked_until > now.toISOString()) {
      await ctx.audit.record({
        actor: UNAUTHENTICATED,
        action: 'auth.login',
        target,
        outcome: 'denied',
        details: { reason: 'account locked', lockedUntil: user.locked_until, ...meta },
      });
      throw AccessErrors.AUTH_LOCKED(`the account ${name} is locked until ${user.locked_until}`, {
        details: { lockedUntil: user.locked_until },
      });
    }
    if (!(await verifyPassword(stored.hash, input.password))) {
      throw await this.#failure(user, 'wrong password', meta);
    }
    const mfaEnabled = await this.#mfa.enabled(ctx.hub.db, user.id);
    if (mfaEnabled && (input.totp === undefined || input.totp === '')) {
      await ctx.audit.record({
        actor: UNAUTHENTICATED,
        action: 'auth.login',
        target,
        outcome: 'failure',
        details: { reason: 'second factor missing', ...meta },
      });
      throw AccessErrors.AUTH_MFA_REQUIRED(
        `${name} has a second factor: send the current TOTP code as "totp"`,
      );
    }
    // The step update is one conditional statement, so two logins racing with the same code cannot both pass.
    if (mfaEnabled && !(await this.#mfa.acceptLoginCode(ctx.hub.db, user.id, input.totp!))) {
      throw await this.#failure(user, 'wrong or replayed TOTP code', meta, () =>
        AccessErrors.AUTH_MFA_INVALID('the TOTP code is wrong, too old or already used'),
      );
    }
    const requiredRoles = await mfaRequiredRoles(ctx.hub.db, ctx.config.mfa.requiredRoles);
    const enrolmentRequired = !mfaEnabled && requiredRoles.includes(user.role as Role);
    const session = await ctx.audit.withEntry(
      {
        actor: user.name,
        action: 'auth.login',
        target,
        details: { method: 'password', mfa: mfaEnabled, ...meta },
      },
      async (trx) => {
        await trx
          .updateTable('users')
          .set({ failed_count: 0, failed_since: null, locked_until: null, last_login_at: now.toISOString() })
          .where('id', '=', user.id)
          .execute();
        return openSession(trx, ctx, { userId: user.id, method: 'password', mfa: mfaEnabled });
      },
    );
    const pair = await tokenPair(ctx, user, session);
    return {
      ...pair,
      user: { name: user.name, role: user.role as Role },
      mfaEnrolmentRequired: enrolmentRequired,
    };
  }

  /** Exchanges a refresh token for a new pair; the old one is retired, and reusing it ends the session. */
  async refresh(refreshToken: string, meta: RequestMeta = {}): Promise<TokenPair> {
    const ctx = this.#ctx;
    const now = ctx.now().toISOString();
    const row = refreshToken.startsWith(REFRESH_PREFIX)
      ? await ctx.hub.db
          .selectFrom('refresh_tokens')
          .innerJoin('auth_sessions', 'auth_sessions.id', 'refresh_tokens.session_id')
          .innerJoin('users', 'users.id', 'auth_sessions.user_id')
          .select([
            'refresh_tokens.token_hash',
            'refresh_tokens.used_at',
            'refresh_tokens.expires_at',
            'auth_sessions.id as session_id',
            'auth_sessions.revoked_at',
            'auth_sessions.revoked_reason',
            'users.id as user_id',
            'users.name',
            'users.role',
            'users.disabled_at',
          ])
          .where('refresh_tokens.token_hash', '=', tokenDigest(refreshToken))
          .executeTakeFirst()
      : undefined;
    if (row === undefined) {
      await ctx.audit.record({
        actor: UNAUTHENTICATED,
        action: 'auth.refresh',
        target: 'session:unknown',
        outcome: 'failure',
        details: { reason: 'unknown refresh token', ...meta },
      });
      throw AccessErrors.AUTH_TOKEN_INVALID('the refresh token was not issued by this hub');
    }
    const target = `session:${row.session_id}`;
    const refuse = async (reason: string, error: Error): Promise<never> => {
      await ctx.audit.record({
        actor: row.name,
        action: 'auth.refresh',
        target,
        outcome: 'denied',
        details: { reason, ...meta },
      });
      throw error;
    };
    if (row.revoked_at !== null) {
      return refuse(
        'session revoked',
        AccessErrors.AUTH_TOKEN_REVOKED(`the session was revoked (${row.revoked_reason ?? 'no reason'})`),
      );
    }
    if (row.used_at !== null) {
      // A retired token coming back means two parties hold it: end the session for both (RFC 9700 §4.14.2).
      await ctx.audit.withEntry(
        {
          actor: row.name,
          action: 'auth.refresh',
          target,
          outcome: 'denied',
          details: { reason: 'refresh token reused: session revoked', ...meta },
        },
        (trx) => revokeSessions(trx, { sessionId: row.session_id }, 'refresh token reused', now),
      );
      throw AccessErrors.AUTH_TOKEN_REVOKED(
        'this refresh token was already used; the session is revoked, sign in again',
      );
    }
    if (row.disabled_at !== null) {
      return refuse(
        'account disabled',
        AccessErrors.AUTH_TOKEN_REVOKED(`the account ${row.name} is disabled`),
      );
    }
    if (row.expires_at <= now) {
      return refuse(
        'session expired',
        AccessErrors.AUTH_TOKEN_EXPIRED('the session has expired; sign in again'),
      );
    }
    const next = await ctx.audit.withEntry(
      { actor: row.name, action: 'auth.refresh', target, details: { ...meta } },
      async (trx) => {
        const used = await trx
          .updateTable('refresh_tokens')
          .set({ used_at: now })
          .where('token_hash', '=', row.token_hash)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) {
          throw AccessErrors.AUTH_TOKEN_REVOKED('this refresh token was used concurrently; sign in again');
        }
        await trx
          .updateTable('auth_sessions')
          .set({ refreshed_at: now })
          .where('id', '=', row.session_id)
          .execute();
        return issueRefreshToken(trx, row.session_id, now, row.expires_at);
      },
    );
    return tokenPair(
      ctx,
      { id: row.user_id, name: row.name, role: row.role },
      {
        sessionId: row.session_id,
        refreshToken: next,
        refreshExpiresAt: row.expires_at,
      },
    );
  }

  /**
   * Ends the caller's session (or all their sessions), or the session of a refresh token when the
   * access token has already expired. Idempotent.
   */
  async logout(
    principal: Principal | undefined,
    options: { readonly refreshToken?: string; readonly all?: boolean } = {},
    meta: RequestMeta = {},
  ): Promise<{ sessionsRevoked: number }> {
    const ctx = this.#ctx;
    if (principal !== undefined && principal.kind !== 'user') {
      throw CoreErrors.INPUT_INVALID(
        `${principal.actor} has no session to end: an operator revokes API tokens`,
      );
    }
    const now = ctx.now().toISOString();
    let userId = principal?.kind === 'user' ? principal.id : undefined;
    let sessionId = principal?.sessionId;
    let actor = principal?.actor;
    if (options.refreshToken !== undefined) {
      const row = await ctx.hub.db
        .selectFrom('refresh_tokens')
        .innerJoin('auth_sessions', 'auth_sessions.id', 'refresh_tokens.session_id')
        .innerJoin('users', 'users.id', 'auth_sessions.user_id')
        .select(['auth_sessions.id as session_id', 'users.id as user_id', 'users.name'])
        .where('refresh_tokens.token_hash', '=', tokenDigest(options.refreshToken))
        .executeTakeFirst();
      if (row === undefined || (userId !== undefined && row.user_id !== userId)) {
        throw AccessErrors.AUTH_TOKEN_INVALID('the refresh token was not issued by this hub to this user');
      }
      userId = row.user_id;
      sessionId = row.session_id;
      actor ??= row.name;
    }
    if (userId === undefined || actor === undefined) {
      throw AccessErrors.AUTH_REQUIRED('logout needs an access token or a refresh token');
    }
    const target = options.all === true ? `user:${actor}` : `session:${sessionId ?? 'none'}`;
    const revoked = await ctx.audit.withEntry(
      { actor, action: 'auth.logout', target, details: { all: options.all === true, ...meta } },
      async (trx) => {
        if (options.all === true) {
          return revokeSessions(trx, { userId: userId }, 'logout everywhere', now);
        }
        return sessionId === undefined ? 0 : revokeSessions(trx, { sessionId }, 'logout', now);
      },
      (n) => ({ sessionsRevoked: n }),
    );
    return { sessionsRevoked: revoked };
  }

  /**
   * Turns a bearer token into the principal it stands for, checking it against the database.
   * `accessGeneration`, read from the database before this call (db/generations.ts), lets the session's
   * row be reused while nothing it depends on has changed; every check still runs on every call.
   */
  async authenticate(bearer: string | undefined, accessGeneration?: number): Promise<Principal> {
    const token = bearer?.trim() ?? '';
    if (token === '') {
      throw AccessErrors.AUTH_REQUIRED('no bearer token was sent');
    }
    if (token.startsWith(API_TOKEN_PREFIX)) {
      return this.#serviceAccounts.authenticate(token);
    }
    if (token.startsWith(REFRESH_PREFIX)) {
      throw AccessErrors.AUTH_TOKEN_INVALID('a refresh token cannot be used as an access token');
    }
    const claims = await verifyAccessToken(this.#ctx, token);
    return this.#principal(claims, await this.#session(claims.sessionId, accessGeneration));
  }

  /**
   * {@link authenticate}, done at once when all it needs is in memory: an access token this process
   * has verified before, and its session's row kept under `accessGeneration` (read just before).
   * Otherwise undefined, and the caller awaits `authenticate`. The same checks run on the same row and
   * throw the same errors: expiry of the token and the session, revocation, a disabled account, MFA.
   */
  authenticateKept(bearer: string, accessGeneration: number): Principal | undefined {
    const token = bearer.trim();
    if (token === '' || token.startsWith(API_TOKEN_PREFIX) || token.startsWith(REFRESH_PREFIX)) {
      return undefined;
    }
    const claims = knownAccessToken(this.#ctx, token);
    if (claims === undefined) {
      return undefined;
    }
    const row = this.#sessions.get(accessGeneration, claims.sessionId);
    return row === undefined ? undefined : this.#principal(claims, row);
  }

  /** The checks every request's session goes through, and the principal it stands for. */
  #principal(claims: AccessClaims, row: SessionRow | undefined): Principal {
    if (row === undefined || row.user_id !== claims.userId) {
      throw AccessErrors.AUTH_TOKEN_INVALID('the access token names no session of this hub');
    }
    if (row.revoked_at !== null) {
      throw AccessErrors.AUTH_TOKEN_REVOKED(`the session was revoked (${row.revoked_reason ?? 'no reason'})`);
    }
    if (row.disabled_at !== null) {
      throw AccessErrors.AUTH_TOKEN_REVOKED(`the account ${row.name} is disabled`);
    }
    if (row.expires_at <= this.#ctx.now().toISOString()) {
      throw AccessErrors.AUTH_TOKEN_EXPIRED('the session has expired; sign in again');
    }
    const sessionMfa = row.mfa === 1;
    const enrolmentRequired =
      !sessionMfa &&
      row.mfa_enabled !== 1 &&
      parseMfaRoles(row.mfa_roles, this.#ctx.config.mfa.requiredRoles).includes(row.role as Role);
    return {
      kind: 'user',
      id: row.user_id,
      name: row.name,
      role: row.role as Role,
      actor: row.name,
      mfa: sessionMfa,
      mfaEnrolmentRequired: enrolmentRequired,
      sessionId: claims.sessionId,
    };
  }

  /** The session, its user, their second factor and the MFA policy: one query, or none if kept. */
  async #session(sessionId: string, generation: number | undefined): Promise<SessionRow | undefined> {
    const kept = generation === undefined ? undefined : this.#sessions.get(generation, sessionId);
    if (kept !== undefined) {
      return kept;
    }
    const [row] = await this.#sessionLookup({ sessionId });
    // A session id that names no session is not kept: ids come from (signed) tokens, but it is not a
    // row to serve again.
    return row === undefined || generation === undefined
      ? row
      : this.#sessions.set(generation, sessionId, row);
  }

  /**
   * The principal of a named user, for the CLI acting on someone's behalf (`--as NAME`): the audit log
   * names both, e.g. `cli:root as bob`. No second factor is claimed.
   */
  async principalForUser(name: string, via: string): Promise<Principal> {
    const user = await this.#ctx.hub.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (user === undefined) {
      throw AccessErrors.USER_NOT_FOUND(`no user named ${name}`);
    }
    if (user.disabled_at !== null) {
      throw AccessErrors.ACCESS_DENIED(`the account ${name} is disabled`);
    }
    return {
      kind: 'user',
      id: user.id,
      name: user.name,
      role: user.role as Role,
      actor: `${via} as ${user.name}`,
      mfa: false,
      mfaEnrolmentRequired: false,
    };
  }

  /** Counts a failure in the sliding window and locks the account when it reaches the limit. */
  async #failure<E extends Error>(
    user: UsersTable,
    reason: string,
    meta: RequestMeta,
    error?: () => E,
  ): Promise<E | Error> {
    const ctx = this.#ctx;
    const { maxFailures, windowMinutes, lockMinutes } = ctx.config.lockout;
    const now = ctx.now();
    const target = `user:${user.name}`;
    const state = await ctx.audit.withEntry(
      {
        actor: UNAUTHENTICATED,
        action: 'auth.login',
        target,
        outcome: 'failure',
        details: { reason, ...meta },
      },
      async (trx) => {
        const current = await trx
          .selectFrom('users')
          .select(['failed_count', 'failed_since'])
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        const windowOpen =
          current.failed_since !== null &&
          now.getTime() - Date.parse(current.failed_since) < windowMinutes * MINUTE;
        const failures = windowOpen ? current.failed_count + 1 : 1;
        const lockedUntil = failures >= maxFailures ? addMs(now, lockMinutes * MINUTE).toISOString() : null;
        await trx
          .updateTable('users')
          .set({
            failed_count: lockedUntil === null ? failures : 0,
            failed_since:
              lockedUntil === null ? (windowOpen ? current.failed_since : now.toISOString()) : null,
            ...(lockedUntil === null ? {} : { locked_until: lockedUntil }),
          })
          .where('id', '=', user.id)
          .execute();
        return { failures, lockedUntil };
      },
      (s) => ({ failures: s.failures }),
    );
    if (state.lockedUntil !== null) {
      await ctx.audit.record({
        actor: 'system',
        action: 'auth.lockout',
        target,
        details: { failures: state.failures, windowMinutes, lockedUntil: state.lockedUntil },
      });
      return AccessErrors.AUTH_LOCKED(
        `${state.failures} failed logins within ${windowMinutes} minutes: ${user.name} is locked until ${state.lockedUntil}`,
        { details: { lockedUntil: state.lockedUntil } },
      );
    }
    return error?.() ?? AccessErrors.AUTH_INVALID_CREDENTIALS('the user name or password is wrong');
  }
}
