/**
 * A real OpenID Connect provider for tests (oidc-provider on 127.0.0.1, random port) and a minimal
 * browser that walks its login: follows redirects, keeps cookies per origin, and answers the
 * provider's development login and consent forms.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider, type ClaimsAccount } from 'oidc-provider';

export interface TestProvider {
  readonly issuer: string;
  /** Claims the provider will vouch for, per login name typed in its form. */
  readonly accounts: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly authMethod: 'client_secret_basic' | 'client_secret_post';
}

/** Reserves a port on 127.0.0.1 (listen on 0, read it, close) for a server started right after. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startTestProvider(clients: readonly TestClient[]): Promise<TestProvider> {
  // The provider needs its own URL (with the port) before it can answer: it is attached once listening.
  const route: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server: Server = createServer((req, res) => route.handler?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, Record<string, unknown>>();
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.authMethod,
    })),
    findAccount: (_ctx: unknown, id: string): ClaimsAccount => ({
      accountId: id,
      claims: () => ({ sub: id, ...(accounts.get(id) ?? {}) }),
    }),
    claims: {
      openid: ['sub'],
      email: ['email'],
      profile: ['name', 'preferred_username'],
      roles: ['realm_access'],
    },
    // Claims in the ID token itself, as Keycloak does by default.
    conformIdTokenClaims: false,
    cookies: { keys: ['test-cookie-signing-key'] },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
  });
  route.handler = provider.callback();
  return {
    issuer,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A cookie jar keyed by origin, and redirect following with the provider's forms answered. */
export class TestBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let jar = this.#jar.get(origin);
    if (jar === undefined) {
      jar = new Map();
      this.#jar.set(origin, jar);
    }
    return jar;
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const target = new URL(url);
    const jar = this.cookies(target.origin);
    const headers: Record<string, string> = {};
    if (jar.size > 0) {
      headers['cookie'] = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body: string | undefined;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const [name, ...value] = pair!.trim().split('=');
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a),
      );
      if (expired || value.join('=') === '') {
        jar.delete(name!);
      } else {
        jar.set(name!, value.join('='));
      }
    }
    return response;
  }

  /**
   * Follows redirects from `url`, answering the provider's login (typing `login` as the user name) and
   * consent forms, until the next URL satisfies `stopAt`; returns that URL without requesting it.
   */
  async walk(url: string, login: string, stopAt: (url: URL) => boolean): Promise<URL> {
    let current = new URL(url);
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt(current)) {
        return current;
      }
      const response = await this.request(current.toString());
      const location = response.headers.get('location');
      if (location !== null && response.status >= 300 && response.status < 400) {
        current = new URL(location, current);
        continue;
      }
      const page = await response.text();
      const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
      if (response.status !== 200 || prompt === undefined) {
        throw new Error(
          `the provider answered ${response.status} at ${current.toString()}: ${page.slice(0, 300)}`,
        );
      }
      const form: Record<string, string> =
        prompt === 'login' ? { prompt, login, password: 'any' } : { prompt };
      const submitted = await this.request(current.toString(), { method: 'POST', form });
      const next = submitted.headers.get('location');
      if (next === null) {
        throw new Error(`the ${prompt} form did not redirect (${submitted.status})`);
      }
      current = new URL(next, current);
    }
    throw new Error('too many redirects');
  }
}
