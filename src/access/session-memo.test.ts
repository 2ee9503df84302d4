/**
 * Sessions kept in memory under the access generation (migration 0007): a change made through another
 * connection — as another hub process would — to the session, its user, their second factor or the
 * MFA policy stops or changes the next request, and the session's expiry still applies to a kept row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { generationsReader, openDb, type HubDb } from '../db/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { MFA_ROLES_KEY } from './settings.js';
import { setupAccess, userWithSession, type TestHub } from './testing.js';

const dialects = await testDialects();
const code = (e: unknown) => (isHdhError(e) ? e.code : String(e));
const MINUTE = 60_000;

describe.each(dialects)('$name: sessions kept under the access generation', (dialect) => {
  let hub: TestDb;
  let other: HubDb;
  let t: TestHub;
  let generation: () => Promise<number>;

  beforeAll(async () => {
    hub = await dialect.open();
    other = await openDb(hub.url);
    t = await setupAccess(hub);
    const read = generationsReader(hub.db);
    generation = async () => (await read()).access;
  });
  afterAll(async () => {
    await other.close();
    await hub.close();
  });

  /** What a request does: read the generations, then authenticate under them. */
  const request = async (token: string) => t.access.auth.authenticate(token, await generation());

  it('keeps a session while nothing changes, and only while the generation it was read under holds', async () => {
    const { login, principal } = await userWithSession(t, 'ann', 'researcher');
    const before = await generation();
    expect(await request(login.accessToken)).toEqual(principal);
    expect(await request(login.accessToken)).toEqual(principal);
    expect(await generation()).toBe(before);

    await other.db
      .updateTable('auth_sessions')
      .set({ revoked_at: t.clock.now().toISOString(), revoked_reason: 'revoked elsewhere' })
      .where('id', '=', principal.sessionId!)
      .execute();
    expect(await generation()).toBeGreaterThan(before);
    // A caller still holding the old generation is served what was kept under it; the next request
    // reads the new one and sees the revocation.
    expect(await t.access.auth.authenticate(login.accessToken, before)).toEqual(principal);
    await expect(request(login.accessToken)).rejects.toSatisfy((e) => code(e) === 'AUTH_TOKEN_REVOKED');
  });

  it('stops the next request of a user disabled through another connection', async () => {
    const { login, principal } = await userWithSession(t, 'bob', 'researcher');
    expect(await request(login.accessToken)).toEqual(principal);
    await other.db
      .updateTable('users')
      .set({ disabled_at: t.clock.now().toISOString() })
      .where('name', '=', 'bob')
      .execute();
    await expect(request(login.accessToken)).rejects.toSatisfy((e) => code(e) === 'AUTH_TOKEN_REVOKED');
  });

  it('applies an MFA policy and a second factor changed through another connection', async () => {
    const { login } = await userWithSession(t, 'cy', 'researcher');
    expect((await request(login.accessToken)).mfaEnrolmentRequired).toBe(false);
    await other.db
      .insertInto('hub_meta')
      .values({ key: MFA_ROLES_KEY, value: JSON.stringify(['researcher']) })
      .execute();
    expect((await request(login.accessToken)).mfaEnrolmentRequired).toBe(true);

    const user = await other.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'cy')
      .executeTakeFirstOrThrow();
    await other.db
      .insertInto('user_mfa')
      .values({
        user_id: user.id,
        secret_sealed: 'not read by authentication',
        enabled: 1,
        created_at: t.clock.now().toISOString(),
      })
      .execute();
    expect((await request(login.accessToken)).mfaEnrolmentRequired).toBe(false);
    await other.db.deleteFrom('hub_meta').where('key', '=', MFA_ROLES_KEY).execute();
  });

  it('ends a kept session when it expires, with no change in the database', async () => {
    const { login, principal } = await userWithSession(t, 'dee', 'researcher');
    await other.db
      .updateTable('auth_sessions')
      .set({ expires_at: new Date(t.clock.now().getTime() + MINUTE).toISOString() })
      .where('id', '=', principal.sessionId!)
      .execute();
    const at = await generation();
    expect(await t.access.auth.authenticate(login.accessToken, at)).toEqual(principal);
    t.clock.advance(2 * MINUTE);
    expect(await generation()).toBe(at);
    await expect(t.access.auth.authenticate(login.accessToken, at)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_EXPIRED',
    );
  });

  it('answers at once only from memory, with the principal and the errors of authenticate', async () => {
    const auth = t.access.auth;
    const { login, principal } = await userWithSession(t, 'eve', 'researcher');
    const token = login.accessToken;
    let at = await generation();
    // Verified, but its session not yet kept under this generation: the caller must await.
    expect(auth.authenticateKept(token, at)).toBeUndefined();
    expect(await request(token)).toEqual(principal);
    expect(auth.authenticateKept(token, at)).toEqual(principal);
    expect(auth.authenticateKept(` ${token} `, at)).toEqual(principal);
    // Not for a generation it was not kept under, nor for tokens it has not verified.
    expect(auth.authenticateKept(token, at + 1)).toBeUndefined();
    const fay = await userWithSession(t, 'fay', 'researcher');
    expect(auth.authenticateKept(fay.login.refreshToken, at)).toBeUndefined();
    expect(auth.authenticateKept('', at)).toBeUndefined();
    expect(auth.authenticateKept(`${token.slice(0, -2)}xx`, at)).toBeUndefined();

    // A revocation bumps the generation: nothing is kept under the new one, and awaiting refuses.
    await other.db
      .updateTable('auth_sessions')
      .set({ revoked_at: t.clock.now().toISOString(), revoked_reason: 'revoked elsewhere' })
      .where('id', '=', principal.sessionId!)
      .execute();
    at = await generation();
    expect(auth.authenticateKept(token, at)).toBeUndefined();
    await expect(request(token)).rejects.toSatisfy((e) => code(e) === 'AUTH_TOKEN_REVOKED');

    // The session's expiry and the token's are checked on a kept row too, with the same errors.
    const kept = await userWithSession(t, 'gus', 'researcher');
    await other.db
      .updateTable('auth_sessions')
      .set({ expires_at: new Date(t.clock.now().getTime() + MINUTE).toISOString() })
      .where('id', '=', kept.principal.sessionId!)
      .execute();
    at = await generation();
    expect(await request(kept.login.accessToken)).toEqual(kept.principal);
    expect(auth.authenticateKept(kept.login.accessToken, at)).toEqual(kept.principal);
    t.clock.advance(2 * MINUTE);
    expect(() => auth.authenticateKept(kept.login.accessToken, at)).toThrow(
      expect.objectContaining({ code: 'AUTH_TOKEN_EXPIRED', message: expect.stringMatching(/session/) }),
    );
    const later = await userWithSession(t, 'hal', 'researcher');
    at = await generation();
    expect(await request(later.login.accessToken)).toEqual(later.principal);
    t.clock.advance(16 * MINUTE);
    expect(() => auth.authenticateKept(later.login.accessToken, at)).toThrow(
      expect.objectContaining({ code: 'AUTH_TOKEN_EXPIRED', message: expect.stringMatching(/access token/) }),
    );
  });
});
