/**
 * Every route × every kind of principal × with or without a matching permit. The expectations are
 * written out by hand below (not derived from the policy under test): a route answers the listed
 * status to the listed principals, 403 ACCESS_DENIED to every other signed-in principal, and 401 to
 * anonymous callers. Each denial must also be in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDb } from '../db/testing.js';
import { codeFor, PASSWORD, type TestHub } from '../access/testing.js';
import type { Principal } from '../access/index.js';
import { bearer, serverFixture, type ServerFixture } from './testing/server-fixture.js';
import {
  ALL,
  documentedRoutes,
  each,
  expectAnonymousRefused,
  expectMatrix,
  PRINCIPALS,
  signInEveryone,
  USERS,
  type Case as MatrixCase,
  type Who,
} from './testing/matrix.js';

const dialects = await testDialects();

type Case = MatrixCase<TestHub>;

const REQUEST = {
  project: 'Matrix study',
  purpose: 'scientific-research',
  datasets: [{ dataset: 'cohort', tables: [{ name: 'stays', columns: ['stay_id', 'diagnosis'] }] }],
  justification: 'to walk the matrix',
  declaration: true,
};

describe.each(dialects)('$name: route × principal × permit matrix', (dialect) => {
  let hub: TestDb;
  let fx: ServerFixture;
  const tokens = new Map<Who, string>();
  const principals = new Map<Who, Principal>();
  const enrolments = new Map<Who, string>();
  let standing: { appId: string; permitId: string };

  beforeAll(async () => {
    hub = await dialect.open();
    fx = await serverFixture(hub, { server: { authRateLimit: { max: 10_000, windowMs: 60_000 } } });
    const signedIn = await signInEveryone(fx.t.access, fx.t.operator, PASSWORD, (secret) =>
      codeFor(fx.t, secret),
    );
    signedIn.tokens.forEach((token, who) => tokens.set(who, token));
    signedIn.principals.forEach((principal, who) => principals.set(who, principal));
    standing = await approvedPermit(fx.t);
  });
  afterAll(async () => {
    await fx.app.close();
    await hub.close();
  });

  const res = () => principals.get('researcher+permit')!;
  const rev = () => principals.get('reviewer')!;

  async function draft(t: TestHub) {
    return t.access.applications.create(res(), REQUEST);
  }
  async function submitted(t: TestHub) {
    const a = await draft(t);
    await t.access.applications.submit(res(), a.id);
    return a;
  }
  async function underReview(t: TestHub) {
    const a = await submitted(t);
    await t.access.applications.review(rev(), a.id);
    return a;
  }
  async function approvedPermit(t: TestHub) {
    const a = await underReview(t);
    const done = await t.access.applications.decide(rev(), a.id, { decision: 'approve' });
    return { appId: a.id, permitId: done.permitId! };
  }

  const CASES: Case[] = [
    { method: 'GET', route: '/api/me', url: () => '/api/me', allow: each(ALL, 200) },
    {
      method: 'POST',
      route: '/api/me/password',
      url: () => '/api/me/password',
      body: () => ({ currentPassword: PASSWORD, newPassword: PASSWORD }),
      allow: each(USERS, 204),
    },
    {
      method: 'POST',
      route: '/api/me/mfa/enrol',
      url: () => '/api/me/mfa/enrol',
      // The researchers already have a second factor: allowed, but the state refuses a second one.
      allow: { ...each(USERS, 200), 'researcher+permit': 409, 'researcher-permit': 409 },
    },
    {
      method: 'POST',
      route: '/api/me/mfa/verify',
      url: () => '/api/me/mfa/verify',
      body: (_fx, who) => ({ code: enrolments.has(who) ? codeFor(fx.t, enrolments.get(who)!) : '123456' }),
      allow: { ...each(USERS, 204), 'researcher+permit': 409, 'researcher-permit': 409 },
    },
    {
      method: 'POST',
      route: '/api/access/check',
      url: () => '/api/access/check',
      body: () => ({
        action: 'dataset.read-data',
        dataset: { name: 'cohort', table: 'stays', columns: ['diagnosis'] },
      }),
      allow: each(ALL, 200),
    },
    { method: 'GET', route: '/api/users', url: () => '/api/users', allow: { operator: 200 } },
    {
      method: 'POST',
      route: '/api/users',
      url: () => '/api/users',
      body: (_fx, who) => ({ name: `new-${who.replace(/[^a-z]/g, '')}`, role: 'checker' }),
      allow: { operator: 201 },
    },
    { method: 'GET', route: '/api/users/:name', url: () => '/api/users/res', allow: { operator: 200 } },
    ...(['disable', 'enable', 'reset-mfa'] as const).map((step): Case => ({
      method: 'POST',
      route: `/api/users/:name/${step}`,
      prepare: async (t, n) => {
        const name = `target-${step}-${n}`;
        await t.access.users.add(t.operator, { name, role: 'checker', password: PASSWORD });
        return { user: name };
      },
      url: (f) => `/api/users/${f.user}/${step}`,
      allow: { operator: 200 },
    })),
    { method: 'GET', route: '/api/settings/mfa', url: () => '/api/settings/mfa', allow: { operator: 200 } },
    {
      method: 'PUT',
      route: '/api/settings/mfa/:role',
      url: () => '/api/settings/mfa/checker',
      body: () => ({ required: false }),
      allow: { operator: 200 },
    },
    {
      method: 'GET',
      route: '/api/service-accounts',
      url: () => '/api/service-accounts',
      allow: { operator: 200 },
    },
    {
      method: 'POST',
      route: '/api/service-accounts',
      url: () => '/api/service-accounts',
      body: (_fx, who) => ({ name: `sa-${who.replace(/[^a-z]/g, '')}`, role: 'producer' }),
      allow: { operator: 201 },
    },
    {
      method: 'GET',
      route: '/api/service-accounts/:name',
      url: () => '/api/service-accounts/svc-producer',
      allow: { operator: 200 },
    },
    {
      method: 'POST',
      route: '/api/service-accounts/:name/disable',
      prepare: async (t, n) => {
        await t.access.serviceAccounts.create(t.operator, { name: `sa-off-${n}`, role: 'producer' });
        return { account: `sa-off-${n}` };
      },
      url: (f) => `/api/service-accounts/${f.account}/disable`,
      allow: { operator: 200 },
    },
    {
      method: 'GET',
      route: '/api/service-accounts/:name/tokens',
      url: () => '/api/service-accounts/svc-producer/tokens',
      allow: { operator: 200 },
    },
    {
      method: 'POST',
      route: '/api/service-accounts/:name/tokens',
      url: () => '/api/service-accounts/svc-auditor/tokens',
      body: () => ({ label: 'another' }),
      allow: { operator: 201 },
    },
    {
      method: 'DELETE',
      route: '/api/service-accounts/:name/tokens/:tokenId',
      prepare: async (t) => {
        const issued = await t.access.serviceAccounts.issueToken(t.operator, 'svc-auditor', {
          label: 'to revoke',
        });
        return { tokenId: issued.id };
      },
      url: (f) => `/api/service-accounts/svc-auditor/tokens/${f.tokenId}`,
      allow: { operator: 204 },
    },
    {
      method: 'GET',
      route: '/api/applications',
      url: () => '/api/applications',
      allow: each(['operator', 'reviewer', 'researcher+permit', 'researcher-permit', 'auditor'], 200),
    },
    {
      method: 'POST',
      route: '/api/applications',
      url: () => '/api/applications',
      body: () => REQUEST,
      allow: each(['researcher+permit', 'researcher-permit'], 201),
    },
    {
      method: 'GET',
      route: '/api/applications/:id',
      url: () => `/api/applications/${standing.appId}`,
      allow: each(['operator', 'reviewer', 'researcher+permit', 'auditor'], 200),
    },
    {
      method: 'PATCH',
      route: '/api/applications/:id',
      prepare: async (t) => ({ appId: (await draft(t)).id }),
      url: (f) => `/api/applications/${f.appId}`,
      body: () => ({ project: 'renamed' }),
      allow: { 'researcher+permit': 200 },
    },
    {
      method: 'POST',
      route: '/api/applications/:id/submit',
      prepare: async (t) => ({ appId: (await draft(t)).id }),
      url: (f) => `/api/applications/${f.appId}/submit`,
      allow: { 'researcher+permit': 200 },
    },
    {
      method: 'POST',
      route: '/api/applications/:id/review',
      prepare: async (t) => ({ appId: (await submitted(t)).id }),
      url: (f) => `/api/applications/${f.appId}/review`,
      allow: { reviewer: 200 },
    },
    {
      method: 'POST',
      route: '/api/applications/:id/decision',
      prepare: async (t) => ({ appId: (await underReview(t)).id }),
      url: (f) => `/api/applications/${f.appId}/decision`,
      body: () => ({ decision: 'approve', comment: 'fine' }),
      allow: { reviewer: 200 },
    },
    {
      method: 'POST',
      route: '/api/applications/:id/extend',
      prepare: async (t) => ({ appId: (await submitted(t)).id }),
      url: (f) => `/api/applications/${f.appId}/extend`,
      body: () => ({ reason: 'an expert opinion is needed' }),
      allow: { reviewer: 200 },
    },
    {
      method: 'POST',
      route: '/api/applications/:id/comments',
      url: () => `/api/applications/${standing.appId}/comments`,
      body: () => ({ text: 'a remark' }),
      allow: each(['reviewer', 'researcher+permit'], 200),
    },
    {
      method: 'GET',
      route: '/api/permits',
      url: () => '/api/permits',
      allow: each(
        ['operator', 'reviewer', 'researcher+permit', 'researcher-permit', 'auditor', 'service:auditor'],
        200,
      ),
    },
    {
      method: 'GET',
      route: '/api/permits/:id',
      url: () => `/api/permits/${standing.permitId}`,
      allow: each(['operator', 'reviewer', 'researcher+permit', 'auditor', 'service:auditor'], 200),
    },
    {
      method: 'POST',
      route: '/api/permits/:id/suspend',
      prepare: async (t) => approvedPermit(t),
      url: (f) => `/api/permits/${f.permitId}/suspend`,
      body: () => ({ reason: 'incident' }),
      allow: each(['operator', 'reviewer'], 200),
    },
    {
      method: 'POST',
      route: '/api/permits/:id/reinstate',
      prepare: async (t) => {
        const p = await approvedPermit(t);
        await t.access.permits.suspend(t.operator, p.permitId, 'incident');
        return p;
      },
      url: (f) => `/api/permits/${f.permitId}/reinstate`,
      body: () => ({ reason: 'cleared' }),
      allow: { reviewer: 200 },
    },
    {
      method: 'POST',
      route: '/api/permits/:id/revoke',
      prepare: async (t) => approvedPermit(t),
      url: (f) => `/api/permits/${f.permitId}/revoke`,
      body: () => ({ reason: 'breach' }),
      allow: each(['operator', 'reviewer'], 200),
    },
    // The catalogue is open to every signed-in principal (metadata only, never rows).
    { method: 'GET', route: '/api/datasets', url: () => '/api/datasets?q=stays', allow: each(ALL, 200) },
    {
      method: 'GET',
      route: '/api/datasets/:name',
      url: () => '/api/datasets/cohort',
      allow: each(ALL, 200),
    },
    {
      method: 'GET',
      route: '/api/datasets/:name/versions/:version',
      url: () => '/api/datasets/cohort/versions/1',
      allow: each(ALL, 200),
    },
    { method: 'GET', route: '/api/catalog/dcat', url: () => '/api/catalog/dcat', allow: each(ALL, 200) },
    {
      method: 'GET',
      route: '/api/audit',
      url: () => '/api/audit',
      allow: each(['auditor', 'service:auditor'], 200),
    },
    {
      method: 'GET',
      route: '/api/audit/verify',
      url: () => '/api/audit/verify',
      allow: each(['operator', 'auditor', 'service:auditor'], 200),
    },
  ];

  /** Routes without authentication; tested for what they do in app.test.ts and oidc.test.ts. */
  const PUBLIC = [
    'GET /health',
    'GET /api/errors',
    'GET /api/purposes',
    'POST /api/auth/login',
    'POST /api/auth/refresh',
    'POST /api/auth/logout',
    'GET /api/auth/oidc',
    'GET /api/auth/oidc/:provider/start',
    'GET /api/auth/oidc/:provider/callback',
  ];

  it('covers every route of the API', () => {
    const covered = [...CASES.map((c) => `${c.method} ${c.route}`), ...PUBLIC];
    expect(new Set(covered).size).toBe(covered.length);
    expect(documentedRoutes(fx.app).sort()).toEqual([...covered].sort());
  });

  it('answers anonymous callers 401 on every protected route', async () => {
    await expectAnonymousRefused(fx.app, CASES, fx.t);
  });

  it('allows exactly the listed principals on every route, denies the others and audits each denial', async () => {
    const deniedBefore = await countDenied();
    const denials = await expectMatrix(fx.app, CASES, fx.t, tokens, (c, who, response) => {
      if (c.route === '/api/me/mfa/enrol' && response.statusCode === 200) {
        enrolments.set(who, response.json<{ secret: string }>().secret);
      }
    });
    expect(denials).toBeGreaterThan(150);
    expect((await countDenied()) - deniedBefore).toBe(denials);
  });

  it('lets only a researcher named in an active permit covering the columns read data', async () => {
    const check = async (who: Who, dataset: Record<string, unknown>) =>
      (
        await fx.app.inject({
          method: 'POST',
          url: '/api/access/check',
          headers: bearer(tokens.get(who)!),
          payload: { action: 'dataset.read-data', dataset },
        })
      ).json<{ allowed: boolean; reason: string; permit?: { id: string } }>();
    const covered = { name: 'cohort', table: 'stays', columns: ['diagnosis'] };
    for (const who of PRINCIPALS) {
      const decision = await check(who, covered);
      expect({ who, allowed: decision.allowed }).toEqual({ who, allowed: who === 'researcher+permit' });
    }
    expect((await check('researcher+permit', covered)).permit?.id).toBe(standing.permitId);
    expect((await check('researcher+permit', { name: 'cohort', table: 'patients' })).allowed).toBe(false);
    expect(
      (await check('researcher+permit', { name: 'cohort', table: 'stays', columns: ['admitted'] })).allowed,
    ).toBe(false);
    expect((await check('researcher-permit', covered)).reason).toContain('no active permit names out');
    // A permit only covers what it names, and stops at once when revoked.
    await fx.t.access.permits.revoke(fx.t.operator, standing.permitId, 'end of matrix');
    const others = await fx.t.access.permits.list(fx.t.operator, { status: 'active', limit: 200 });
    for (const p of others.items) {
      await fx.t.access.permits.revoke(fx.t.operator, p.id, 'end of matrix');
    }
    expect((await check('researcher+permit', covered)).allowed).toBe(false);
  });

  async function countDenied(): Promise<number> {
    const rows = await hub.db.selectFrom('audit_log').select('id').where('outcome', '=', 'denied').execute();
    return rows.length;
  }
});
