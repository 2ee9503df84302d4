/** OpenID Connect sign-in: provider list, start (redirect) and callback. */
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { requestMeta } from '../context.js';
import { LoginResult, responses } from '../schemas.js';

const COOKIE = 'hdh_oidc_state';
const COOKIE_PATH = '/api/auth/oidc';

const Provider = Type.Object(
  { provider: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }) },
  { additionalProperties: false },
);

export const oidcRoutes: RouteModule = (app, { deps, authRateLimit }) => {
  const { oidc } = deps.access;
  const secure = deps.access.config.publicUrl.startsWith('https:') ? '; Secure' : '';

  app.get(
    '/api/auth/oidc',
    {
      schema: {
        tags: ['auth'],
        summary: 'Configured OpenID Connect providers',
        response: responses({
          200: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), issuer: Type.String() })),
        }),
      },
    },
    () => Promise.resolve(oidc.providers()),
  );

  app.get(
    '/api/auth/oidc/:provider/start',
    {
      config: authRateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Start a login at the provider: answers 302 to its authorisation endpoint',
        params: Provider,
        response: responses({ 302: Type.Null() }),
      },
    },
    async (request, reply) => {
      const start = await oidc.start(request.params.provider);
      // The state is bound to this browser: a callback arriving without it is a forged login.
      reply.header(
        'set-cookie',
        `${COOKIE}=${start.state}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=600${secure}`,
      );
      return reply.redirect(start.url, 302);
    },
  );

  app.get(
    '/api/auth/oidc/:provider/callback',
    {
      config: authRateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Where the provider sends the browser back; answers with hub tokens',
        params: Provider,
        querystring: Type.Record(Type.String(), Type.String()),
        response: responses({ 200: LoginResult }),
      },
    },
    async (request, reply) => {
      reply.header(
        'set-cookie',
        `${COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0${secure}`,
      );
      const current = new URL(request.url, oidc.redirectUri(request.params.provider));
      return oidc.callback(
        request.params.provider,
        current,
        readCookie(request.headers.cookie, COOKIE),
        requestMeta(request),
      );
    },
  );
};

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return rest.join('=');
    }
  }
  return undefined;
}
