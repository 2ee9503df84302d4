import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { testDialects, type TestDb } from '../db/testing.js';
import { codeFor, PASSWORD, userWithSession } from '../access/testing.js';
import { createLogger } from './logging.js';
import { bearer, serverFixture, type ServerFixture } from './testing/server-fixture.js';

const dialects = await testDialects();
const MINUTE = 60_000;

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: { field: string; message: string }[];
  details?: Record<string, unknown>;
}

describe.each(dialects)('$name: HTTP API', (dialect) => {
  let hub: TestDb;
  let fx: ServerFixture;
  const opened: { hub: TestDb; fx: ServerFixture }[] = [];

  beforeEach(async () => {
    hub = await dialect.open();
    fx = await serverFixture(hub, {
      server: { bodyLimit: 4096, authRateLimit: { max: 5, windowMs: MINUTE } },
    });
    opened.push({ hub, fx });
  });
  afterAll(async () => {
    for (const o of opened) {
      await o.fx.app.close();
      await o.hub.close();
    }
  });

  const researcher = async (name = 'ann') =>
    (await userWithSession(fx.t, name, 'researcher')).login.accessToken;

  function expectProblem(
    response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
    status: number,
    code: string,
  ): ProblemBody {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = response.json() as ProblemBody;
    expect({ status: response.statusCode, code: body.code }).toEqual({ status, code });
    expect(body).toMatchObject({
      status,
      type: `/api/errors#${code}`,
      requestId: response.headers['x-request-id'],
    });
    expect(body.title.length).toBeGreaterThan(10);
    return body;
  }

  it('answers malformed JSON, unknown fields, wrong types and missing fields with 400 naming the field', async () => {
    const auth = bearer(await researcher());
    const post = (payload: string) =>
      fx.app.inject({
        method: 'POST',
        url: '/api/applications',
        headers: { ...auth, 'content-type': 'application/json' },
        payload,
      });
    expect(expectProblem(await post('{"project": "x", '), 400, 'REQUEST_INVALID').detail).toBe(
      'the body is not valid JSON',
    );
    expectProblem(await post(''), 400, 'REQUEST_INVALID');
    const unknown = expectProblem(
      await post('{"project":"x","purpose":"education","colour":"blue"}'),
      400,
      'REQUEST_INVALID',
    );
    expect(unknown.errors).toEqual([{ field: 'body/colour', message: 'is not a known field' }]);
    const wrongType = expectProblem(
      await post('{"project":"x","purpose":"education","durationMonths":"12"}'),
      400,
      'REQUEST_INVALID',
    );
    expect(wrongType.errors).toEqual([{ field: 'body/durationMonths', message: 'must be integer' }]);
    const missing = expectProblem(await post('{"purpose":"education"}'), 400, 'REQUEST_INVALID');
    expect(missing.errors).toEqual([{ field: 'body/project', message: 'is required' }]);
    const nested = expectProblem(
      await post(
        '{"project":"x","purpose":"education","datasets":[{"dataset":"cohort","tables":[{"name":"stays","columns":[1]}]}]}',
      ),
      400,
      'REQUEST_INVALID',
    );
    expect(nested.errors).toEqual([
      { field: 'body/datasets/0/tables/0/columns/0', message: 'must be string' },
    ]);
    const badQuery = expectProblem(
      await fx.app.inject({ url: '/api/applications?limit=abc&colour=1', headers: auth }),
      400,
      'REQUEST_INVALID',
    );
    expect(badQuery.errors?.map((e) => e.field).sort()).toEqual(['querystring/colour', 'querystring/limit']);
    expectProblem(
      await fx.app.inject({ url: '/api/applications/not-an-id!', headers: auth }),
      400,
      'REQUEST_INVALID',
    );
    expect(await hub.db.selectFrom('applications').select('id').execute()).toEqual([]);
  });

  it('answers oversized bodies 413 and other media types 415, before reading them', async () => {
    const auth = bearer(await researcher());
    const big = JSON.stringify({ project: 'x'.repeat(5000), purpose: 'education' });
    expectProblem(
      await fx.app.inject({
        method: 'POST',
        url: '/api/applications',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: big,
      }),
      413,
      'REQUEST_TOO_LARGE',
    );
    expectProblem(
      await fx.app.inject({
        method: 'POST',
        url: '/api/applications',
        headers: { ...auth, 'content-type': 'text/plain' },
        payload: 'project=x',
      }),
      415,
      'REQUEST_UNSUPPORTED_MEDIA_TYPE',
    );
    expectProblem(
      await fx.app.inject({
        method: 'POST',
        url: '/api/applications',
        headers: { ...auth, 'content-type': 'application/xml' },
        payload: '<a/>',
      }),
      415,
      'REQUEST_UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('never answers bad input with a 500', async () => {
    const auth = bearer(await researcher());
    const garbage = [
      'null',
      '[]',
      '"str"',
      '0',
      'true',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{}}}',
      '\u0000',
      '{"project":null}',
      '{"project":{"$gt":""}}',
    ];
    const routes = [
      '/api/applications',
      '/api/auth/login',
      '/api/auth/refresh',
      '/api/access/check',
      '/api/users',
    ];
    for (const url of routes) {
      for (const payload of garbage) {
        const response = await fx.app.inject({
          method: 'POST',
          url,
          headers: { ...auth, 'content-type': 'application/json' },
          payload,
        });
        expect({ url, payload, status: response.statusCode < 500 }).toEqual({ url, payload, status: true });
      }
    }
    for (const url of [
      '/api/applications/app_x',
      '/api/permits/pmt_x',
      '/api/users/%00',
      '/api/applications?cursor=%FF',
      '/api/audit?since=yesterday',
    ]) {
      const response = await fx.app.inject({ url, headers: auth });
      expect({ url, status: response.statusCode < 500 }).toEqual({ url, status: true });
    }
  });

  it('names the current state on an invalid transition (409) and writes nothing', async () => {
    const annToken = await researcher();
    const revToken = (await userWithSession(fx.t, 'rev', 'reviewer')).login.accessToken;
    const created = await fx.app.inject({
      method: 'POST',
      url: '/api/applications',
      headers: bearer(annToken),
      payload: {
        project: 'p',
        purpose: 'education',
        datasets: [{ dataset: 'registry', tables: [{ name: 'cases', columns: ['code'] }] }],
        justification: 'j',
        declaration: true,
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    const decide = () =>
      fx.app.inject({
        method: 'POST',
        url: `/api/applications/${id}/decision`,
        headers: bearer(revToken),
        payload: { decision: 'approve' },
      });
    const early = expectProblem(await decide(), 409, 'APPLICATION_INVALID_TRANSITION');
    expect(early.detail).toContain('it is draft');
    expect(early.details).toMatchObject({ state: 'draft', step: 'approve' });
    await fx.app.inject({ method: 'POST', url: `/api/applications/${id}/submit`, headers: bearer(annToken) });
    await fx.app.inject({ method: 'POST', url: `/api/applications/${id}/review`, headers: bearer(revToken) });
    expect((await decide()).statusCode).toBe(200);
    expect(expectProblem(await decide(), 409, 'APPLICATION_INVALID_TRANSITION').detail).toContain(
      'it is approved',
    );
    expect(await hub.db.selectFrom('permits').select('id').execute()).toHaveLength(1);
    expectProblem(
      await fx.app.inject({
        method: 'PATCH',
        url: `/api/applications/${id}`,
        headers: bearer(annToken),
        payload: {},
      }),
      400,
      'REQUEST_INVALID',
    );
    expectProblem(
      await fx.app.inject({ url: '/api/applications/app_missing', headers: bearer(annToken) }),
      404,
      'APPLICATION_NOT_FOUND',
    );
  });

  it('refuses expired, revoked, forged and foreign-scheme tokens with a precise 401', async () => {
    const { login } = await userWithSession(fx.t, 'bob', 'auditor');
    const me = (headers: Record<string, string>) => fx.app.inject({ url: '/api/me', headers });
    expect((await me(bearer(login.accessToken))).statusCode).toBe(200);
    const r = await me({ authorization: 'Basic Ym9iOnB3' });
    expect(expectProblem(r, 401, 'AUTH_REQUIRED').detail).toContain('Bearer');
    expect(r.headers['www-authenticate']).toBe('Bearer realm="hdh", error="invalid_token"');
    expectProblem(await me(bearer(`${login.accessToken}x`)), 401, 'AUTH_TOKEN_INVALID');
    fx.t.clock.advance(16 * MINUTE);
    expectProblem(await me(bearer(login.accessToken)), 401, 'AUTH_TOKEN_EXPIRED');
    const refreshed = await fx.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: login.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json<{ accessToken: string; refreshToken: string }>();
    const out = await fx.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(next.accessToken),
    });
    expect(out.json()).toEqual({ sessionsRevoked: 1 });
    expectProblem(await me(bearer(next.accessToken)), 401, 'AUTH_TOKEN_REVOKED');
    expectProblem(
      await fx.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken: next.refreshToken },
      }),
      401,
      'AUTH_TOKEN_REVOKED',
    );
    // An expired access token cannot stop a logout by refresh token.
    const again = await fx.t.access.auth.login({ username: 'bob', password: PASSWORD });
    const byRefresh = await fx.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refreshToken: again.refreshToken },
    });
    expect(byRefresh.json()).toEqual({ sessionsRevoked: 1 });
  });

  it('signs in with a password and TOTP over HTTP, and rate-limits login attempts', async () => {
    const { login } = await userWithSession(fx.t, 'cy', 'researcher');
    const enrol = await fx.app.inject({
      method: 'POST',
      url: '/api/me/mfa/enrol',
      headers: bearer(login.accessToken),
    });
    const { secret } = enrol.json<{ secret: string }>();
    expect(
      (
        await fx.app.inject({
          method: 'POST',
          url: '/api/me/mfa/verify',
          headers: bearer(login.accessToken),
          payload: { code: codeFor(fx.t, secret) },
        })
      ).statusCode,
    ).toBe(204);
    fx.t.clock.advance(30_000);
    const loginWith = (payload: object) => fx.app.inject({ method: 'POST', url: '/api/auth/login', payload });
    expectProblem(await loginWith({ username: 'cy', password: PASSWORD }), 401, 'AUTH_MFA_REQUIRED');
    const ok = await loginWith({ username: 'cy', password: PASSWORD, totp: codeFor(fx.t, secret) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { name: 'cy', role: 'researcher' },
    });
    expectProblem(
      await loginWith({ username: 'cy', password: PASSWORD, totp: '12345' }),
      400,
      'REQUEST_INVALID',
    );
    expectProblem(await loginWith({ username: 'cy', password: 'wrong' }), 401, 'AUTH_INVALID_CREDENTIALS');
    expectProblem(await loginWith({ username: 'cy', password: 'wrong' }), 401, 'AUTH_INVALID_CREDENTIALS');
    // That was the fifth attempt from this address within the minute (max 5 in this test).
    const limited = await loginWith({ username: 'cy', password: 'wrong' });
    const problem = expectProblem(limited, 429, 'REQUEST_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    expect(problem.details?.['retryAfterSeconds']).toBeGreaterThan(0);
  });

  it('manages service accounts and API tokens over HTTP', async () => {
    const { login } = await userWithSession(fx.t, 'op', 'operator');
    const op = bearer(login.accessToken);
    expect(
      (
        await fx.app.inject({
          method: 'POST',
          url: '/api/service-accounts',
          headers: op,
          payload: { name: 'etl', role: 'researcher' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await fx.app.inject({
          method: 'POST',
          url: '/api/service-accounts',
          headers: op,
          payload: { name: 'etl', role: 'producer' },
        })
      ).statusCode,
    ).toBe(201);
    const issued = await fx.app.inject({
      method: 'POST',
      url: '/api/service-accounts/etl/tokens',
      headers: op,
      payload: { label: 'ci' },
    });
    const token = issued.json<{ token: string; id: string }>();
    const me = await fx.app.inject({ url: '/api/me', headers: bearer(token.token) });
    expect(me.json()).toEqual({
      kind: 'service',
      name: 'etl',
      role: 'producer',
      actor: 'service:etl',
      mfa: false,
      mfaEnrolmentRequired: false,
    });
    const listed = await fx.app.inject({ url: '/api/service-accounts/etl/tokens', headers: op });
    expect(JSON.stringify(listed.json())).not.toContain(token.token);
    expect(
      (
        await fx.app.inject({
          method: 'DELETE',
          url: `/api/service-accounts/etl/tokens/${token.id}`,
          headers: op,
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(
      await fx.app.inject({ url: '/api/me', headers: bearer(token.token) }),
      401,
      'AUTH_TOKEN_REVOKED',
    );
  });

  it('pages lists and filters the audit log for auditors', async () => {
    const ann = await researcher();
    for (let i = 0; i < 3; i++) {
      await fx.app.inject({
        method: 'POST',
        url: '/api/applications',
        headers: bearer(ann),
        payload: { project: `p${i}`, purpose: 'education' },
      });
    }
    const first = (await fx.app.inject({ url: '/api/applications?limit=2', headers: bearer(ann) })).json<{
      items: { id: string }[];
      nextCursor: string;
    }>();
    expect(first.items).toHaveLength(2);
    const second = (
      await fx.app.inject({
        url: `/api/applications?limit=2&cursor=${first.nextCursor}`,
        headers: bearer(ann),
      })
    ).json<{ items: unknown[]; nextCursor?: string }>();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeUndefined();

    const aud = bearer((await userWithSession(fx.t, 'aud', 'auditor')).login.accessToken);
    const auth = (await fx.app.inject({ url: '/api/audit?action=auth.*&limit=1', headers: aud })).json<{
      items: { action: string }[];
      nextCursor: string;
    }>();
    expect(auth.items[0]!.action).toMatch(/^auth\./);
    const more = (
      await fx.app.inject({
        url: `/api/audit?action=auth.*&limit=50&cursor=${auth.nextCursor}`,
        headers: aud,
      })
    ).json<{ items: { action: string }[] }>();
    expect(more.items.every((e) => e.action.startsWith('auth.'))).toBe(true);
    expect(more.items.length).toBeGreaterThan(0);
    const byActor = (
      await fx.app.inject({ url: '/api/audit?actor=ann&action=application.create', headers: aud })
    ).json<{ items: unknown[] }>();
    expect(byActor.items).toHaveLength(3);
    const verify = await fx.app.inject({ url: '/api/audit/verify', headers: aud });
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('echoes request ids, sets security headers, serves health, errors, OpenAPI, docs and metrics', async () => {
    const given = await fx.app.inject({ url: '/health', headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers['x-request-id']).toBe('trace-42');
    expect(given.json()).toEqual({ status: 'ok', database: dialect.name });
    const made = await fx.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(made.headers['x-request-id']).toMatch(/^req_/);
    expect(made.headers['x-content-type-options']).toBe('nosniff');
    expect(made.headers['content-security-policy']).toContain("default-src 'self'");
    expect(made.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(made.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(made.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(made.headers['referrer-policy']).toBe('no-referrer');

    const errors = (await fx.app.inject({ url: '/api/errors' })).json<{ code: string; status: number }[]>();
    expect(errors).toContainEqual(expect.objectContaining({ code: 'AUTH_LOCKED', status: 423 }));
    expect(errors).toContainEqual(expect.objectContaining({ code: 'REQUEST_TOO_LARGE', status: 413 }));
    expectProblem(await fx.app.inject({ url: '/api/nowhere' }), 404, 'REQUEST_NOT_FOUND');

    const spec = (await fx.app.inject({ url: '/api/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: unknown };
    }>();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/applications/{id}/decision',
        '/api/permits/{id}/revoke',
        '/api/audit',
      ]),
    );
    expect(spec.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    const docs = await fx.app.inject({ url: '/api/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('Swagger UI');

    const metrics = await fx.app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('process_cpu_seconds_total');
    expect(metrics.body).toMatch(
      /hdh_http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} 2/,
    );
  });

  it('keeps passwords, tokens and OIDC codes out of the logs', async () => {
    const { login } = await userWithSession(fx.t, 'dee', 'researcher');
    await fx.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'dee', password: PASSWORD },
    });
    await fx.app.inject({
      url: '/api/me',
      headers: { ...bearer(login.accessToken), cookie: 'hdh_oidc_state=s3cr3t-state' },
    });
    await fx.app.inject({ url: '/api/auth/oidc/none/callback?code=SECRET-CODE&state=SECRET-STATE' });
    const text = fx.logs.join('');
    expect(fx.logs.length).toBeGreaterThan(4);
    expect(text).toContain('/api/auth/oidc/none/callback?code=[redacted]&state=[redacted]');
    for (const secret of [PASSWORD, login.accessToken, 'SECRET-CODE', 'SECRET-STATE', 's3cr3t-state']) {
      expect(text).not.toContain(secret);
    }

    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    logger.info(
      {
        body: { password: 'hunter2', refreshToken: 'hdh_rt_x', totp: '123456' },
        headers: { authorization: 'Bearer abc' },
      },
      'test',
    );
    expect(lines.join('')).not.toMatch(/hunter2|hdh_rt_x|123456|Bearer abc/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
