/** The signed-in principal: identity, password change, TOTP enrolment, and "may I?" checks. */
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Action, Decision, Me, responses } from '../schemas.js';

export const meRoutes: RouteModule = (app, { deps, authenticate, authRateLimit }) => {
  const { users, mfa, authorizer } = deps.access;

  app.get(
    '/api/me',
    {
      onRequest: authenticate,
      schema: {
        tags: ['me'],
        summary: 'Who am I',
        security: [{ bearer: [] }],
        response: responses({ 200: Me }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const base = {
        kind: principal.kind,
        name: principal.name,
        role: principal.role,
        actor: principal.actor,
        mfa: principal.mfa,
        mfaEnrolmentRequired: principal.mfaEnrolmentRequired,
      };
      return principal.kind === 'user' ? { ...base, user: await users.self(principal) } : base;
    },
  );

  app.post(
    '/api/me/password',
    {
      onRequest: authenticate,
      config: authRateLimit,
      schema: {
        tags: ['me'],
        summary: 'Change my password (my other sessions end)',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
            newPassword: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await users.changeOwnPassword(
        principalOf(request),
        request.body.currentPassword,
        request.body.newPassword,
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/me/mfa/enrol',
    {
      onRequest: authenticate,
      schema: {
        tags: ['me'],
        summary: 'Start TOTP enrolment: the secret and otpauth URI are shown once',
        security: [{ bearer: [] }],
        response: responses({ 200: Type.Object({ secret: Type.String(), otpauthUri: Type.String() }) }),
      },
    },
    async (request) => mfa.enrol(principalOf(request)),
  );

  app.post(
    '/api/me/mfa/verify',
    {
      onRequest: authenticate,
      config: authRateLimit,
      schema: {
        tags: ['me'],
        summary: 'Turn TOTP on with a first valid code',
        security: [{ bearer: [] }],
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await mfa.verify(principalOf(request), request.body.code);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/access/check',
    {
      onRequest: authenticate,
      schema: {
        tags: ['me'],
        summary:
          'Would I be allowed this action on this dataset (and which permit allows it)? Nothing is audited',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            action: Action,
            dataset: Type.Object(
              {
                name: Type.String({ minLength: 1, maxLength: 200 }),
                version: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
                table: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
                columns: Type.Optional(
                  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 2000 }),
                ),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Decision }),
      },
    },
    async (request) =>
      authorizer.authorize(principalOf(request), request.body.action, {
        type: 'dataset',
        ...request.body.dataset,
      }),
  );
};
