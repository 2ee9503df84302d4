/** Sign-in, token refresh and logout (`/api/auth/…`). */
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { requestMeta } from '../context.js';
import { LoginBody, LoginResult, responses, TokenPair } from '../schemas.js';

export const authRoutes: RouteModule = (app, { deps, authenticateRequest, authRateLimit }) => {
  const { auth } = deps.access;

  app.post(
    '/api/auth/login',
    {
      config: authRateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a user name, password and (if enrolled) a TOTP code',
        body: LoginBody,
        response: responses({ 200: LoginResult }),
      },
    },
    async (request) => auth.login(request.body, requestMeta(request)),
  );

  app.post(
    '/api/auth/refresh',
    {
      config: authRateLimit,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new access and refresh token (the old one is retired)',
        body: Type.Object(
          { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object(TokenPair) }),
      },
    },
    async (request) => auth.refresh(request.body.refreshToken, requestMeta(request)),
  );

  app.post(
    '/api/auth/logout',
    {
      // The access token is optional here: an expired one should not stop a logout by refresh token.
      onRequest: async (request) => {
        if (request.headers.authorization !== undefined) {
          await authenticateRequest(request);
        }
      },
      schema: {
        tags: ['auth'],
        summary: 'End this session (or all of the user’s sessions); takes effect at once',
        body: Type.Object(
          {
            refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            all: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Object({ sessionsRevoked: Type.Integer() }) }),
      },
    },
    async (request) =>
      auth.logout(
        request.principal ?? undefined,
        {
          ...(request.body.refreshToken === undefined ? {} : { refreshToken: request.body.refreshToken }),
          ...(request.body.all === undefined ? {} : { all: request.body.all }),
        },
        requestMeta(request),
      ),
  );
};
