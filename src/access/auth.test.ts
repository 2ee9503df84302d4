import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { codeFor, PASSWORD, setupAccess, userWithSession, type TestHub } from './testing.js';

const dialects = await testDialects();
const code = (e: unknown) => (isHdhError(e) ? e.code : String(e));
const MINUTE = 60_000;

describe.each(dialects)('$name: authentication', (dialect) => {
  let hub: TestDb;
  let t: TestHub;
  const opened: TestDb[] = [];

  beforeEach(async () => {
    hub = await dialect.open();
    opened.push(hub);
    t = await setupAccess(hub);
  });
  afterAll(async () => {
    for (const h of opened) {
      await h.close();
    }
  });

  it('adds a user with a generated password shown once, stored as argon2id, never audited', async () => {
    const { user, generatedPassword } = await t.access.users.add(t.operator, {
      name: 'alice',
      role: 'researcher',
    });
    expect(user).toMatchObject({
      name: 'alice',
      role: 'researcher',
      source: 'local',
      mfaEnabled: false,
      disabled: false,
    });
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const stored = await hub.db.selectFrom('user_passwords').select('hash').executeTakeFirstOrThrow();
    expect(stored.hash).toMatch(/^\$argon2id\$/);
    const login = await t.access.auth.login({ username: 'alice', password: generatedPassword! });
    expect(login.user).toEqual({ name: 'alice', role: 'researcher' });
    const withPassword = await t.access.users.add(t.operator, {
      name: 'bob',
      role: 'reviewer',
      password: PASSWORD,
    });
    expect(withPassword.generatedPassword).toBeUndefined();
    await t.access.auth.login({ username: 'bob', password: 'wrong password!' }).catch(() => undefined);
    const audit = await hub.db.selectFrom('audit_log').select(['details', 'target']).execute();
    const text = JSON.stringify(audit);
    expect(text).not.toContain(generatedPassword);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('wrong password!');
    expect(audit.map((a) => a.target)).toContain('user:alice');
  });

  it('refuses weak passwords, bad names, unknown roles and duplicates', async () => {
    await expect(
      t.access.users.add(t.operator, { name: 'a', role: 'researcher', password: 'short' }),
    ).rejects.toSatisfy((e) => code(e) === 'AUTH_PASSWORD_WEAK');
    await expect(t.access.users.add(t.operator, { name: 'Bad Name', role: 'researcher' })).rejects.toSatisfy(
      (e) => code(e) === 'INPUT_INVALID',
    );
    await expect(t.access.users.add(t.operator, { name: 'x', role: 'king' })).rejects.toThrow(
      /role "king" is not one of/,
    );
    await t.access.users.add(t.operator, { name: 'dup', role: 'auditor' });
    await expect(t.access.users.add(t.operator, { name: 'dup', role: 'auditor' })).rejects.toSatisfy(
      (e) => code(e) === 'USER_EXISTS',
    );
    expect((await hub.db.selectFrom('users').select('name').execute()).map((u) => u.name)).toEqual(['dup']);
  });

  it('answers a wrong password and an unknown user the same way, and audits both', async () => {
    await t.access.users.add(t.operator, { name: 'carol', role: 'researcher', password: PASSWORD });
    const wrong = await t.access.auth
      .login({ username: 'carol', password: 'nope nope nope' })
      .catch((e: unknown) => e);
    const unknown = await t.access.auth
      .login({ username: 'nobody', password: 'nope nope nope' })
      .catch((e: unknown) => e);
    expect(code(wrong)).toBe('AUTH_INVALID_CREDENTIALS');
    expect(code(unknown)).toBe('AUTH_INVALID_CREDENTIALS');
    expect((wrong as Error).message).toBe((unknown as Error).message);
    const failures = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'auth.login')
      .where('outcome', '=', 'failure')
      .execute();
    expect(failures.map((f) => [f.target, (JSON.parse(f.details) as { reason: string }).reason])).toEqual([
      ['user:carol', 'wrong password'],
      ['user:nobody', 'unknown user'],
    ]);
  });

  it('locks an account after 5 failures within 15 minutes, audits it, and unlocks after 15 minutes', async () => {
    await t.access.users.add(t.operator, { name: 'dave', role: 'researcher', password: PASSWORD });
    const attempt = (password: string) =>
      t.access.auth.login({ username: 'dave', password }).then(() => 'ok', code);
    expect(await attempt('bad password 1')).toBe('AUTH_INVALID_CREDENTIALS');
    t.clock.advance(16 * MINUTE); // outside the window: the count starts again
    for (let i = 0; i < 4; i++) {
      expect(await attempt('bad password 2')).toBe('AUTH_INVALID_CREDENTIALS');
    }
    expect(await attempt('bad password 3')).toBe('AUTH_LOCKED');
    expect(await attempt(PASSWORD)).toBe('AUTH_LOCKED'); // even the right password, while locked
    const lockouts = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'auth.lockout')
      .execute();
    expect(lockouts).toHaveLength(1);
    expect(JSON.parse(lockouts[0]!.details)).toMatchObject({ failures: 5 });
    expect((await t.access.users.get(t.operator, 'dave')).lockedUntil).not.toBeNull();
    t.clock.advance(15 * MINUTE + 1000);
    expect(await attempt(PASSWORD)).toBe('ok');
    expect(await attempt('bad password 4')).toBe('AUTH_INVALID_CREDENTIALS'); // counter was reset
  });

  it('enrols TOTP, then requires it, refuses wrong and replayed codes', async () => {
    const { principal } = await userWithSession(t, 'erin', 'researcher');
    const enrolment = await t.access.mfa.enrol(principal);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(JSON.stringify(await hub.db.selectFrom('user_mfa').selectAll().execute())).not.toContain(
      enrolment.secret,
    );
    await expect(t.access.mfa.verify(principal, '000000')).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_MFA_INVALID',
    );
    await t.access.mfa.verify(principal, codeFor(t, enrolment.secret));
    expect(
      (
        await t.access.auth.authenticate(
          (
            await t.access.auth.login({
              username: 'erin',
              password: PASSWORD,
              totp: codeFor(t, enrolment.secret, 1),
            })
          ).accessToken,
        )
      ).mfa,
    ).toBe(true);
    await expect(t.access.mfa.enrol(principal)).rejects.toSatisfy((e) => code(e) === 'AUTH_MFA_STATE');

    t.clock.advance(90_000);
    await expect(t.access.auth.login({ username: 'erin', password: PASSWORD })).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_MFA_REQUIRED',
    );
    const good = codeFor(t, enrolment.secret);
    const login = await t.access.auth.login({ username: 'erin', password: PASSWORD, totp: good });
    expect((await t.access.auth.authenticate(login.accessToken)).mfa).toBe(true);
    await expect(t.access.auth.login({ username: 'erin', password: PASSWORD, totp: good })).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_MFA_INVALID',
    );
    const replay = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'auth.login')
      .where('outcome', '=', 'failure')
      .execute();
    expect(replay.map((r) => (JSON.parse(r.details) as { reason: string }).reason)).toContain(
      'wrong or replayed TOTP code',
    );

    await t.access.users.resetMfa(t.operator, 'erin');
    await expect(t.access.auth.authenticate(login.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await t.access.auth.login({ username: 'erin', password: PASSWORD });
  });

  it('lets an operator require MFA for a role: until enrolment only self-service is allowed', async () => {
    await t.access.users.setMfaRequired(t.operator, 'reviewer', true);
    expect(await t.access.users.mfaPolicy(t.operator)).toEqual(['reviewer']);
    const { principal, login } = await userWithSession(t, 'rita', 'reviewer');
    expect(login.mfaEnrolmentRequired).toBe(true);
    expect(principal.mfaEnrolmentRequired).toBe(true);
    await expect(t.access.applications.list(principal)).rejects.toThrow(/requires a second factor/);
    expect((await t.access.users.self(principal)).name).toBe('rita');
    const enrolment = await t.access.mfa.enrol(principal);
    await t.access.mfa.verify(principal, codeFor(t, enrolment.secret));
    const after = await t.access.auth.authenticate(login.accessToken);
    expect(after).toMatchObject({ mfa: true, mfaEnrolmentRequired: false });
    expect((await t.access.applications.list(after)).items).toEqual([]);
  });

  it('rotates refresh tokens, ends the session when a used one comes back, and logs out', async () => {
    const { login } = await userWithSession(t, 'fred', 'researcher');
    const second = await t.access.auth.refresh(login.refreshToken);
    expect(second.refreshToken).not.toBe(login.refreshToken);
    const third = await t.access.auth.refresh(second.refreshToken);
    await expect(t.access.auth.refresh(second.refreshToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    // The thief's reuse ended the session for the legitimate holder too.
    await expect(t.access.auth.refresh(third.refreshToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await expect(t.access.auth.authenticate(third.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await expect(t.access.auth.refresh('hdh_rt_forged')).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_INVALID',
    );

    const again = await t.access.auth.login({ username: 'fred', password: PASSWORD });
    const principal = await t.access.auth.authenticate(again.accessToken);
    expect(await t.access.auth.logout(principal)).toEqual({ sessionsRevoked: 1 });
    await expect(t.access.auth.authenticate(again.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await expect(t.access.auth.refresh(again.refreshToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    const actions = await hub.db
      .selectFrom('audit_log')
      .select(['action', 'outcome'])
      .where('action', 'like', 'auth.%')
      .execute();
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'auth.refresh', outcome: 'success' },
        { action: 'auth.refresh', outcome: 'denied' },
        { action: 'auth.logout', outcome: 'success' },
      ]),
    );
  });

  it('expires access tokens after 15 minutes and sessions after 12 hours', async () => {
    const { login } = await userWithSession(t, 'gina', 'auditor');
    expect(login.expiresIn).toBe(900);
    t.clock.advance(14 * MINUTE);
    await t.access.auth.authenticate(login.accessToken);
    t.clock.advance(2 * MINUTE);
    await expect(t.access.auth.authenticate(login.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_EXPIRED',
    );
    const fresh = await t.access.auth.refresh(login.refreshToken);
    await t.access.auth.authenticate(fresh.accessToken);
    t.clock.advance(12 * 60 * MINUTE);
    await expect(t.access.auth.refresh(fresh.refreshToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_EXPIRED',
    );
  });

  it('refuses tampered, foreign and misplaced tokens', async () => {
    const { login } = await userWithSession(t, 'hank', 'researcher');
    const [h, p, s] = login.accessToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'operator' })).toString('base64url')}.${s}`;
    await expect(t.access.auth.authenticate(forged)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_INVALID',
    );
    await expect(t.access.auth.authenticate(login.refreshToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_INVALID',
    );
    await expect(t.access.auth.authenticate('')).rejects.toSatisfy((e) => code(e) === 'AUTH_REQUIRED');
    await expect(t.access.auth.authenticate('not.a.jwt')).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_INVALID',
    );
    const other = await setupAccess(
      await (async () => {
        const h2 = await dialect.open();
        opened.push(h2);
        return h2;
      })(),
    );
    await other.access.users.add(other.operator, { name: 'hank', role: 'operator', password: PASSWORD });
    const foreign = await other.access.auth.login({ username: 'hank', password: PASSWORD });
    await expect(t.access.auth.authenticate(foreign.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_INVALID',
    );
  });

  it('disabling a user ends their sessions at once and refuses their login', async () => {
    const { login } = await userWithSession(t, 'ivan', 'producer');
    await t.access.users.disable(t.operator, 'ivan');
    await expect(t.access.auth.authenticate(login.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await expect(t.access.auth.login({ username: 'ivan', password: PASSWORD })).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_INVALID_CREDENTIALS',
    );
    expect((await t.access.users.list(t.operator)).items.map((u) => u.name)).toEqual([]);
    expect(
      (await t.access.users.list(t.operator, { includeDisabled: true })).items.map((u) => u.name),
    ).toEqual(['ivan']);
    await t.access.users.enable(t.operator, 'ivan');
    await t.access.auth.login({ username: 'ivan', password: PASSWORD });
  });

  it('changes one’s own password and ends the other sessions', async () => {
    const { principal, login } = await userWithSession(t, 'jo', 'researcher');
    const other = await t.access.auth.login({ username: 'jo', password: PASSWORD });
    await expect(
      t.access.users.changeOwnPassword(principal, 'not it at all', 'a brand new passphrase'),
    ).rejects.toSatisfy((e) => code(e) === 'AUTH_INVALID_CREDENTIALS');
    await t.access.users.changeOwnPassword(principal, PASSWORD, 'a brand new passphrase');
    await t.access.auth.authenticate(login.accessToken);
    await expect(t.access.auth.authenticate(other.accessToken)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await t.access.auth.login({ username: 'jo', password: 'a brand new passphrase' });
  });

  it('issues service-account tokens shown once, stored hashed, scoped to a role, revocable', async () => {
    await expect(
      t.access.serviceAccounts.create(t.operator, { name: 'bot', role: 'operator' }),
    ).rejects.toThrow(/producer or auditor/);
    await t.access.serviceAccounts.create(t.operator, {
      name: 'ingest-bot',
      role: 'producer',
      description: 'nightly load',
    });
    const issued = await t.access.serviceAccounts.issueToken(t.operator, 'ingest-bot', {
      label: 'prod',
      expiresInDays: 30,
    });
    expect(issued.token).toMatch(/^hdh_at_/);
    expect(JSON.stringify(await hub.db.selectFrom('api_tokens').selectAll().execute())).not.toContain(
      issued.token,
    );
    const principal = await t.access.auth.authenticate(issued.token);
    expect(principal).toMatchObject({ kind: 'service', role: 'producer', actor: 'service:ingest-bot' });
    expect(
      (await t.access.authorize(principal, 'dataset.write', { type: 'dataset', name: 'cohort' })).allowed,
    ).toBe(true);
    expect((await t.access.authorize(principal, 'users.manage', { type: 'hub' })).allowed).toBe(false);
    expect((await t.access.serviceAccounts.tokens(t.operator, 'ingest-bot'))[0]).toMatchObject({
      label: 'prod',
      revoked: false,
    });
    await t.access.serviceAccounts.revokeToken(t.operator, 'ingest-bot', issued.id);
    await expect(t.access.auth.authenticate(issued.token)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
    await expect(
      t.access.serviceAccounts.revokeToken(t.operator, 'ingest-bot', 'tok_nope'),
    ).rejects.toSatisfy((e) => code(e) === 'API_TOKEN_NOT_FOUND');

    const short = await t.access.serviceAccounts.issueToken(t.operator, 'ingest-bot', {
      label: 'short',
      expiresInDays: 1,
    });
    await t.access.auth.authenticate(short.token);
    t.clock.advance(25 * 60 * MINUTE);
    await expect(t.access.auth.authenticate(short.token)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_EXPIRED',
    );
    const long = await t.access.serviceAccounts.issueToken(t.operator, 'ingest-bot', { label: 'long' });
    await t.access.serviceAccounts.disable(t.operator, 'ingest-bot');
    await expect(t.access.auth.authenticate(long.token)).rejects.toSatisfy(
      (e) => code(e) === 'AUTH_TOKEN_REVOKED',
    );
  });

  it('only operators manage users, and a denial is audited', async () => {
    const { principal } = await userWithSession(t, 'kim', 'auditor');
    await expect(t.access.users.add(principal, { name: 'x', role: 'operator' })).rejects.toSatisfy(
      (e) => code(e) === 'ACCESS_DENIED',
    );
    const denied = await hub.db.selectFrom('audit_log').selectAll().where('outcome', '=', 'denied').execute();
    expect(denied.map((d) => [d.actor, d.action, d.target])).toEqual([['kim', 'users.manage', 'user:x']]);
    expect((await t.audit.verify()).ok).toBe(true);
  });
});
