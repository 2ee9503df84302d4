/**
 * OpenID Connect login against a real provider (oidc-provider on 127.0.0.1), driven over HTTP end to
 * end: the hub listens on a real port, the test plays the browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDb } from '../db/testing.js';
import { freePort, startTestProvider, TestBrowser, type TestProvider } from './testing/oidc-browser.js';
import { serverFixture, type ServerFixture } from './testing/server-fixture.js';

const dialects = await testDialects();

describe.each(dialects)('$name: OIDC login with a real provider', (dialect) => {
  let hub: TestDb;
  let fx: ServerFixture;
  let provider: TestProvider;
  let hubUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    provider = await startTestProvider([
      {
        clientId: 'hdh-kc',
        clientSecret: 'kc-secret-for-tests',
        redirectUri: `${hubUrl}/api/auth/oidc/keycloak/callback`,
        authMethod: 'client_secret_basic',
      },
      {
        clientId: 'hdh-pc',
        clientSecret: 'pc-secret-for-tests',
        redirectUri: `${hubUrl}/api/auth/oidc/proconnect/callback`,
        authMethod: 'client_secret_post',
      },
    ]);
    hub = await dialect.open();
    fx = await serverFixture(hub, {
      env: { KC_SECRET: 'kc-secret-for-tests', PC_SECRET: 'pc-secret-for-tests' },
      access: {
        publicUrl: hubUrl,
        oidc: [
          {
            name: 'keycloak',
            label: 'Keycloak',
            issuer: provider.issuer,
            clientId: 'hdh-kc',
            clientSecretEnv: 'KC_SECRET',
            scope: 'openid profile email roles',
            usernameClaim: 'preferred_username',
            roleClaim: 'realm_access.roles',
            roleMap: { 'hdh-reviewer': 'reviewer', 'hdh-researcher': 'researcher' },
            allowHttp: true,
          },
          {
            name: 'proconnect',
            issuer: provider.issuer,
            clientId: 'hdh-pc',
            clientSecretEnv: 'PC_SECRET',
            tokenEndpointAuthMethod: 'client_secret_post',
            userinfo: true,
            defaultRole: 'researcher',
            trustMfa: true,
            allowHttp: true,
          },
        ],
      },
    });
    await fx.app.listen({ host: '127.0.0.1', port });
    provider.accounts.set('u-101', {
      preferred_username: 'Marie.Curie',
      email: 'marie@example.org',
      name: 'Marie Curie',
      realm_access: { roles: ['offline', 'hdh-reviewer'] },
    });
    provider.accounts.set('u-102', {
      preferred_username: 'nobody',
      email: 'nobody@example.org',
      realm_access: { roles: ['other'] },
    });
    provider.accounts.set('u-103', { email: 'Pierre@Example.org', name: 'Pierre' });
  });
  afterAll(async () => {
    await fx.app.close();
    await provider.close();
    await hub.close();
  });

  const isCallback = (url: URL) => url.origin === hubUrl && url.pathname.endsWith('/callback');

  async function login(name: string, account: string, browser = new TestBrowser()) {
    const callback = await browser.walk(`${hubUrl}/api/auth/oidc/${name}/start`, account, isCallback);
    const response = await browser.request(callback.toString());
    return { browser, callback, response, body: (await response.json()) as Record<string, unknown> };
  }

  it('lists the providers', async () => {
    const response = await fetch(`${hubUrl}/api/auth/oidc`);
    expect(await response.json()).toEqual([
      { name: 'keycloak', label: 'Keycloak', issuer: provider.issuer },
      { name: 'proconnect', label: 'proconnect', issuer: provider.issuer },
    ]);
  });

  it('runs the code flow with PKCE, maps claims to a local user, and audits it', async () => {
    const start = await new TestBrowser().request(`${hubUrl}/api/auth/oidc/keycloak/start`);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${hubUrl}/api/auth/oidc/keycloak/callback`);
    expect(start.headers.get('set-cookie')).toMatch(
      /^hdh_oidc_state=[^;]+; Path=\/api\/auth\/oidc; HttpOnly; SameSite=Lax/,
    );

    const { response, body } = await login('keycloak', 'u-101');
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      user: { name: 'marie.curie', role: 'reviewer' },
      mfaEnrolmentRequired: false,
    });
    const me = await fetch(`${hubUrl}/api/me`, {
      headers: { authorization: `Bearer ${body['accessToken'] as string}` },
    });
    expect(await me.json()).toMatchObject({
      name: 'marie.curie',
      role: 'reviewer',
      mfa: false,
      user: { source: 'oidc', email: 'marie@example.org', displayName: 'Marie Curie' },
    });
    const again = await login('keycloak', 'u-101');
    expect(again.body['user']).toEqual({ name: 'marie.curie', role: 'reviewer' });
    const users = await hub.db
      .selectFrom('users')
      .select(['name', 'oidc_subject'])
      .where('oidc_subject', '=', 'u-101')
      .execute();
    expect(users).toEqual([{ name: 'marie.curie', oidc_subject: 'u-101' }]);
    const audit = await hub.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'auth.login')
      .where('actor', '=', 'marie.curie')
      .execute();
    expect(audit.map((a) => JSON.parse(a.details) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ method: 'oidc', provider: 'keycloak', created: true }),
      expect.objectContaining({ method: 'oidc', provider: 'keycloak', created: false }),
    ]);
  });

  it('reads claims from userinfo, authenticates with client_secret_post and applies the default role', async () => {
    const { body } = await login('proconnect', 'u-103');
    expect(body['user']).toEqual({ name: 'pierre@example.org', role: 'researcher' });
    const me = await fetch(`${hubUrl}/api/me`, {
      headers: { authorization: `Bearer ${body['accessToken'] as string}` },
    });
    // This provider is trusted to enforce a second factor itself.
    expect(await me.json()).toMatchObject({ mfa: true });
  });

  it('refuses a callback from another browser, a replayed callback and an unmapped role', async () => {
    const browser = new TestBrowser();
    const url = await browser.walk(`${hubUrl}/api/auth/oidc/keycloak/start`, 'u-101', isCallback);
    const state = browser.cookies(hubUrl).get('hdh_oidc_state')!;
    // Another browser (no state cookie) presenting the callback: a login CSRF attempt.
    const forged = await fetch(url);
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      code: 'AUTH_OIDC_FAILED',
      detail: expect.stringContaining('state mismatch'),
    });
    // The browser that started the login finishes it; the state and the code are then spent.
    expect((await browser.request(url.toString())).status).toBe(200);
    expect(browser.cookies(hubUrl).has('hdh_oidc_state')).toBe(false);
    browser.cookies(hubUrl).set('hdh_oidc_state', state);
    const replay = await browser.request(url.toString());
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ detail: expect.stringContaining('no pending login') });

    const unmapped = await login('keycloak', 'u-102');
    expect(unmapped.response.status).toBe(403);
    expect(unmapped.body).toMatchObject({ code: 'AUTH_OIDC_NO_ROLE' });
    const failures = await hub.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'auth.login')
      .where('outcome', '=', 'failure')
      .execute();
    expect(failures.map((f) => (JSON.parse(f.details) as { reason: string }).reason)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('state mismatch'),
        'no pending login for this state',
        'no role for nobody',
      ]),
    );
    const unknown = await fetch(`${hubUrl}/api/auth/oidc/nope/start`, { redirect: 'manual' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'AUTH_OIDC_UNKNOWN_PROVIDER' });
  });

  it('refuses a role that requires a second factor when the provider asserted none', async () => {
    await fx.t.access.users.setMfaRequired(fx.t.operator, 'reviewer', true);
    const { response, body } = await login('keycloak', 'u-101');
    expect(response.status).toBe(401);
    expect(body).toMatchObject({ code: 'AUTH_MFA_REQUIRED' });
    await fx.t.access.users.setMfaRequired(fx.t.operator, 'reviewer', false);
  });
});
