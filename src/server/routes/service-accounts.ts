/** Service accounts and their API tokens (operators): `/api/service-accounts`. */
import { Type } from 'typebox';
import { SERVICE_ACCOUNT_ROLES } from '../../access/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { ApiToken, Bearer, IssuedApiToken, Name, NamePath, responses, ServiceAccount } from '../schemas.js';

export const serviceAccountRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { serviceAccounts } = deps.access;
  const tags = ['service accounts'];

  app.get(
    '/api/service-accounts',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'List service accounts',
        security: Bearer,
        response: responses({ 200: Type.Array(ServiceAccount) }),
      },
    },
    async (request) => serviceAccounts.list(principalOf(request)),
  );

  app.post(
    '/api/service-accounts',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Create a service account for a machine',
        security: Bearer,
        body: Type.Object(
          {
            name: Name,
            role: Type.Enum([...SERVICE_ACCOUNT_ROLES]),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: ServiceAccount }),
      },
    },
    async (request, reply) =>
      reply.code(201).send(await serviceAccounts.create(principalOf(request), request.body)),
  );

  app.get(
    '/api/service-accounts/:name',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'One service account',
        security: Bearer,
        params: NamePath,
        response: responses({ 200: ServiceAccount }),
      },
    },
    async (request) => serviceAccounts.get(principalOf(request), request.params.name),
  );

  app.post(
    '/api/service-accounts/:name/disable',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Disable a service account: all its tokens stop at once',
        security: Bearer,
        params: NamePath,
        response: responses({ 200: ServiceAccount }),
      },
    },
    async (request) => serviceAccounts.disable(principalOf(request), request.params.name),
  );

  app.get(
    '/api/service-accounts/:name/tokens',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Tokens of a service account (never the secrets)',
        security: Bearer,
        params: NamePath,
        response: responses({ 200: Type.Array(ApiToken) }),
      },
    },
    async (request) => serviceAccounts.tokens(principalOf(request), request.params.name),
  );

  app.post(
    '/api/service-accounts/:name/tokens',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Issue an API token: the token is in this answer only',
        security: Bearer,
        params: NamePath,
        body: Type.Object(
          {
            label: Type.String({ minLength: 1, maxLength: 200 }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: IssuedApiToken }),
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await serviceAccounts.issueToken(principalOf(request), request.params.name, request.body)),
  );

  app.delete(
    '/api/service-accounts/:name/tokens/:tokenId',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Revoke an API token, at once',
        security: Bearer,
        params: Type.Object(
          { name: Name, tokenId: Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' }) },
          { additionalProperties: false },
        ),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await serviceAccounts.revokeToken(principalOf(request), request.params.name, request.params.tokenId);
      return reply.code(204).send(null);
    },
  );
};
