/**
 * The route × principal × permit walk, shared by the matrix tests of the access routes
 * (matrix.test.ts) and of the hub's operations (matrix-operations.test.ts). Expectations are
 * written out by hand in each case (not derived from the policy under test): a route answers the
 * listed status to the listed principals, 403 ACCESS_DENIED to every other signed-in principal, and
 * 401 to anonymous callers.
 * @module
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Access, Principal } from '../../access/index.js';
import type { HubApp } from '../context.js';
import { bearer } from './server-fixture.js';

export const PRINCIPALS = [
  'operator',
  'producer',
  'reviewer',
  'researcher+permit',
  'researcher-permit',
  'checker',
  'auditor',
  'service:producer',
  'service:auditor',
] as const;
export type Who = (typeof PRINCIPALS)[number];
export const USERS: readonly Who[] = PRINCIPALS.filter((p) => !p.startsWith('service:'));
export const ALL: readonly Who[] = PRINCIPALS;

/** The user names the walk signs in as. */
export const USER_NAMES: Readonly<Record<string, string>> = {
  operator: 'op',
  producer: 'pro',
  reviewer: 'rev',
  'researcher+permit': 'res',
  'researcher-permit': 'out',
  checker: 'chk',
  auditor: 'aud',
};

/** Fresh resources a case acts on, built by the services (not by the routes under test). */
export type Fx = Readonly<Record<string, string>>;

export interface Case<C> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route as Fastify declares it. */
  readonly route: string;
  readonly url: (fx: Fx, who: Who) => string;
  readonly body?: (fx: Fx, who: Who) => unknown;
  /** Raw body and its content type, for routes that take files rather than JSON. */
  readonly upload?: (fx: Fx, who: Who) => { readonly contentType: string; readonly payload: string | Buffer };
  readonly prepare?: (ctx: C, n: number) => Promise<Fx>;
  /** Who may, and the status they get; everyone else signed in gets 403. */
  readonly allow: Partial<Record<Who, number>>;
}

export const each = (who: readonly Who[], status: number): Partial<Record<Who, number>> =>
  Object.fromEntries(who.map((w) => [w, status]));

export interface SignedIn {
  readonly tokens: Map<Who, string>;
  readonly principals: Map<Who, Principal>;
}

/**
 * Adds one user per role and two service accounts, signs each in, and gives the researchers a
 * second factor (they read data only with one). `code` turns an enrolment secret into a TOTP code.
 */
export async function signInEveryone(
  access: Access,
  operator: Principal,
  password: string,
  code: (secret: string) => string,
): Promise<SignedIn> {
  const tokens = new Map<Who, string>();
  const principals = new Map<Who, Principal>();
  for (const who of USERS) {
    const role = who.startsWith('researcher') ? 'researcher' : who;
    await access.users.add(operator, { name: USER_NAMES[who]!, role, password });
    const login = await access.auth.login({ username: USER_NAMES[who]!, password });
    tokens.set(who, login.accessToken);
    principals.set(who, await access.auth.authenticate(login.accessToken));
  }
  for (const who of ['researcher+permit', 'researcher-permit'] as const) {
    const p = principals.get(who)!;
    const enrolment = await access.mfa.enrol(p);
    await access.mfa.verify(p, code(enrolment.secret));
    principals.set(who, await access.auth.authenticate(tokens.get(who)));
  }
  for (const role of ['producer', 'auditor'] as const) {
    await access.serviceAccounts.create(operator, { name: `svc-${role}`, role });
    const issued = await access.serviceAccounts.issueToken(operator, `svc-${role}`, { label: 'matrix' });
    tokens.set(`service:${role}`, issued.token);
    principals.set(`service:${role}`, await access.auth.authenticate(issued.token));
  }
  return { tokens, principals };
}

/** `METHOD /path/:param` of every route the app documents in its OpenAPI. */
export function documentedRoutes(app: HubApp): string[] {
  return Object.entries((app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths).flatMap(
    ([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

function send<C>(app: HubApp, c: Case<C>, f: Fx, who: Who, token?: string) {
  const upload = c.upload?.(f, who);
  const headers: Record<string, string> = {
    ...(token === undefined ? {} : bearer(token)),
    ...(upload === undefined ? {} : { 'content-type': upload.contentType }),
  };
  return app.inject({
    method: c.method,
    url: c.url(f, who),
    headers,
    ...(upload !== undefined
      ? { payload: upload.payload }
      : c.body === undefined
        ? {}
        : { payload: c.body(f, who) as object }),
  });
}

/** Every case answers 401 AUTH_REQUIRED without a token. */
export async function expectAnonymousRefused<C>(
  app: HubApp,
  cases: readonly Case<C>[],
  ctx: C,
): Promise<void> {
  for (const c of cases) {
    const f = c.prepare === undefined ? {} : await c.prepare(ctx, 0);
    const response = await send(app, c, f, 'operator');
    expect({
      route: `${c.method} ${c.route}`,
      status: response.statusCode,
      code: response.json<{ code: string }>().code,
    }).toEqual({ route: `${c.method} ${c.route}`, status: 401, code: 'AUTH_REQUIRED' });
  }
}

/**
 * Walks every case × every principal; returns the number of 403s (each must then be found in the
 * audit log by the caller). `observe` sees each response (e.g. to keep an enrolment secret).
 */
export async function expectMatrix<C>(
  app: HubApp,
  cases: readonly Case<C>[],
  ctx: C,
  tokens: ReadonlyMap<Who, string>,
  observe?: (c: Case<C>, who: Who, response: LightMyRequestResponse) => void,
): Promise<number> {
  let denials = 0;
  let n = 1;
  for (const c of cases) {
    for (const who of PRINCIPALS) {
      const f = c.prepare === undefined ? {} : await c.prepare(ctx, n++);
      const response = await send(app, c, f, who, tokens.get(who));
      observe?.(c, who, response);
      const expected = c.allow[who] ?? 403;
      // JSON or problem+json; JSON lines (application/x-ndjson) are several documents, not one.
      const json = /(^|[/+])json\b/.test(String(response.headers['content-type'] ?? ''));
      const body = json
        ? response.json<{ code?: string; detail?: string }>()
        : { code: undefined, detail: undefined };
      expect({
        route: `${c.method} ${c.route}`,
        who,
        status: response.statusCode,
        detail: body.detail,
      }).toEqual({
        route: `${c.method} ${c.route}`,
        who,
        status: expected,
        detail: expected < 400 ? undefined : (expect.any(String) as unknown),
      });
      if (expected === 403) {
        expect(body.code).toBe('ACCESS_DENIED');
        denials++;
      }
    }
  }
  return denials;
}
