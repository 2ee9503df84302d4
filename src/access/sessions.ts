/**
 * Sign-in sessions, their rotating refresh tokens and short-lived access tokens.
 *
 * Access tokens are JWTs signed HS256 with a key derived from the hub's access secret: only the hub
 * issues and checks them, so a symmetric key shared through the database serves every hub process
 * without a key-distribution step. Each request still looks up the session and the user, so logout,
 * revocation and disabling an account take effect at once, not when the token expires.
 * @module
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import { newId } from '../core/index.js';
import type { Database } from '../db/index.js';
import { addMs, HOUR, type AccessContext } from './context.js';
import { AccessErrors } from './errors.js';
import { newOpaqueToken, tokenDigest } from './secrets.js';

export const REFRESH_PREFIX = 'hdh_rt_';
const AUDIENCE = 'hdh-api';

export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly expiresAt: string;
  /** Opaque, single use: each refresh returns a new one and retires the old. */
  readonly refreshToken: string;
  readonly refreshExpiresAt: string;
}

export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly role: string;
}

export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
}

/** Opens a session and its first refresh token inside the caller's transaction. */
export async function openSession(
  trx: Kysely<Database>,
  ctx: AccessContext,
  input: { readonly userId: string; readonly method: string; readonly mfa: boolean },
): Promise<{ sessionId: string; refreshToken: string; refreshExpiresAt: string }> {
  const now = ctx.now();
  const sessionId = newId('ses');
  const expiresAt = addMs(now, ctx.config.tokens.sessionTtlHours * HOUR).toISOString();
  await trx
    .insertInto('auth_sessions')
    .values({
      id: sessionId,
      user_id: input.userId,
      method: input.method,
      mfa: input.mfa ? 1 : 0,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      refreshed_at: null,
      revoked_at: null,
      revoked_reason: null,
    })
    .execute();
  const refreshToken = await issueRefreshToken(trx, sessionId, now.toISOString(), expiresAt);
  return { sessionId, refreshToken, refreshExpiresAt: expiresAt };
}

export async function issueRefreshToken(
  trx: Kysely<Database>,
  sessionId: string,
  nowIso: string,
  expiresAt: string,
): Promise<string> {
  const token = newOpaqueToken(REFRESH_PREFIX);
  await trx
    .insertInto('refresh_tokens')
    .values({
      token_hash: tokenDigest(token),
      session_id: sessionId,
      created_at: nowIso,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return token;
}

export async function signAccessToken(
  ctx: AccessContext,
  user: SessionUser,
  sessionId: string,
): Promise<{ token: string; expiresAt: string; expiresIn: number }> {
  const now = ctx.now();
  const ttl = ctx.config.tokens.accessTtlSeconds;
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ sid: sessionId, name: user.name, role: user.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(ctx.config.tokens.issuer)
    .setAudience(AUDIENCE)
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(newId('jti'))
    .sign(ctx.keys.tokenKey);
  return { token, expiresAt: new Date((iat + ttl) * 1000).toISOString(), expiresIn: ttl };
}

export async function tokenPair(
  ctx: AccessContext,
  user: SessionUser,
  session: { sessionId: string; refreshToken: string; refreshExpiresAt: string },
): Promise<TokenPair> {
  const access = await signAccessToken(ctx, user, session.sessionId);
  return {
    accessToken: access.token,
    tokenType: 'Bearer',
    expiresIn: access.expiresIn,
    expiresAt: access.expiresAt,
    refreshToken: session.refreshToken,
    refreshExpiresAt: session.refreshExpiresAt,
  };
}

/**
 * Tokens whose signature already verified, by their exact text, with their expiry. Verifying with
 * jose goes through WebCrypto (hundreds of microseconds); a client reuses one access token for its
 * whole life, so each token is verified once. Any change to a token changes its text: a miss.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, AccessClaims & { expiresMs: number }>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(token: string): (AccessClaims & { expiresMs: number }) | undefined {
    return this.#entries.get(token);
  }

  set(token: string, claims: AccessClaims & { expiresMs: number }): void {
    // Oldest first out: the map keeps insertion order.
    if (this.#entries.size >= this.#capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(token, claims);
  }

  delete(token: string): void {
    this.#entries.delete(token);
  }
}

/**
 * The claims of a token this process has verified before, or undefined if it has not; throws if it
 * has expired since (expiry is checked on every use, not only when it was verified).
 */
export function knownAccessToken(ctx: AccessContext, token: string): AccessClaims | undefined {
  const known = ctx.verifiedTokens.get(token);
  if (known === undefined) {
    return undefined;
  }
  if (known.expiresMs <= ctx.now().getTime()) {
    ctx.verifiedTokens.delete(token);
    throw AccessErrors.AUTH_TOKEN_EXPIRED('the access token has expired; refresh it');
  }
  return { userId: known.userId, sessionId: known.sessionId };
}

/** Checks signature, issuer, audience and expiry; says which of expired or invalid it is. */
export async function verifyAccessToken(ctx: AccessContext, token: string): Promise<AccessClaims> {
  const known = knownAccessToken(ctx, token);
  if (known !== undefined) {
    return known;
  }
  try {
    const { payload } = await jwtVerify(token, ctx.keys.tokenKey, {
      algorithms: ['HS256'],
      issuer: ctx.config.tokens.issuer,
      audience: AUDIENCE,
      typ: 'at+jwt',
      currentDate: ctx.now(),
      requiredClaims: ['sub', 'exp', 'sid'],
    });
    if (
      typeof payload.sid !== 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.exp !== 'number'
    ) {
      throw AccessErrors.AUTH_TOKEN_INVALID('the access token lacks its session, subject or expiry');
    }
    const claims = { userId: payload.sub, sessionId: payload.sid };
    ctx.verifiedTokens.set(token, { ...claims, expiresMs: payload.exp * 1000 });
    return claims;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw AccessErrors.AUTH_TOKEN_EXPIRED('the access token has expired; refresh it', { cause: err });
    }
    if (err instanceof joseErrors.JOSEError) {
      throw AccessErrors.AUTH_TOKEN_INVALID(`the access token is not valid here (${err.code})`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Revokes one session, or every live session of a user, inside the caller's transaction. */
export async function revokeSessions(
  trx: Kysely<Database>,
  target: { readonly sessionId: string } | { readonly userId: string },
  reason: string,
  atIso: string,
): Promise<number> {
  let q = trx
    .updateTable('auth_sessions')
    .set({ revoked_at: atIso, revoked_reason: reason })
    .where('revoked_at', 'is', null);
  q = 'sessionId' in target ? q.where('id', '=', target.sessionId) : q.where('user_id', '=', target.userId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
