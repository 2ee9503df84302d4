/** User administration (operators): `/api/users`, `/api/settings/mfa`. */
import { Type } from 'typebox';
import type { Principal, UserView } from '../../access/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, Name, NamePath, Page, PageQuery, Role, responses, User } from '../schemas.js';

export const userRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { users } = deps.access;
  const tags = ['users'];

  app.get(
    '/api/users',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'List users',
        security: Bearer,
        querystring: Type.Object(
          { ...PageQuery, role: Type.Optional(Role), includeDisabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Page(User) }),
      },
    },
    async (request) => users.list(principalOf(request), request.query),
  );

  app.post(
    '/api/users',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Add a local user; without a password one is generated and returned once',
        security: Bearer,
        body: Type.Object(
          {
            name: Name,
            role: Role,
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Object({ user: User, generatedPassword: Type.Optional(Type.String()) }),
        }),
      },
    },
    async (request, reply) => reply.code(201).send(await users.add(principalOf(request), request.body)),
  );

  app.get(
    '/api/users/:name',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'One user',
        security: Bearer,
        params: NamePath,
        response: responses({ 200: User }),
      },
    },
    async (request) => users.get(principalOf(request), request.params.name),
  );

  const action = (
    path: string,
    summary: string,
    run: (principal: Principal, name: string) => Promise<UserView>,
  ) =>
    app.post(
      `/api/users/:name/${path}`,
      {
        onRequest: authenticate,
        schema: { tags, summary, security: Bearer, params: NamePath, response: responses({ 200: User }) },
      },
      async (request) => run(principalOf(request), request.params.name),
    );
  action('disable', 'Disable a user; their sessions end at once', (p, n) => users.disable(p, n));
  action('enable', 'Re-enable a user and clear a lockout', (p, n) => users.enable(p, n));
  action('reset-mfa', 'Remove a user’s second factor and end their sessions', (p, n) => users.resetMfa(p, n));

  const MfaPolicy = Type.Object({ requiredRoles: Type.Array(Role) });
  app.get(
    '/api/settings/mfa',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Roles that must use a second factor',
        security: Bearer,
        response: responses({ 200: MfaPolicy }),
      },
    },
    async (request) => ({ requiredRoles: [...(await users.mfaPolicy(principalOf(request)))] }),
  );
  app.put(
    '/api/settings/mfa/:role',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Require (or stop requiring) a second factor for a role',
        security: Bearer,
        params: Type.Object({ role: Role }, { additionalProperties: false }),
        body: Type.Object({ required: Type.Boolean() }, { additionalProperties: false }),
        response: responses({ 200: MfaPolicy }),
      },
    },
    async (request) => ({
      requiredRoles: [
        ...(await users.setMfaRequired(principalOf(request), request.params.role, request.body.required)),
      ],
    }),
  );
};
