/** Data permits: `/api/permits`. */
import { Type } from 'typebox';
import type { PermitView, Principal } from '../../access/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, Id, IdPath, Page, PageQuery, Permit, PermitStatus, Reason, responses } from '../schemas.js';

export const permitRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { permits } = deps.access;
  const tags = ['permits'];

  app.get(
    '/api/permits',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Permits, newest first (researchers see those naming them); status is as of now',
        security: Bearer,
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(PermitStatus), applicationId: Type.Optional(Id) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Page(Permit) }),
      },
    },
    async (request) => permits.list(principalOf(request), request.query),
  );

  app.get(
    '/api/permits/:id',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'One permit',
        security: Bearer,
        params: IdPath,
        response: responses({ 200: Permit }),
      },
    },
    async (request) => permits.get(principalOf(request), request.params.id),
  );

  const change = (
    path: string,
    summary: string,
    run: (principal: Principal, id: string, reason: string) => Promise<PermitView>,
  ) =>
    app.post(
      `/api/permits/:id/${path}`,
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary,
          security: Bearer,
          params: IdPath,
          body: Reason,
          response: responses({ 200: Permit }),
        },
      },
      async (request) => run(principalOf(request), request.params.id, request.body.reason),
    );
  change('suspend', 'Halt the permit at once (EHDS Art. 63)', (p, id, r) => permits.suspend(p, id, r));
  change('reinstate', 'Lift a suspension', (p, id, r) => permits.reinstate(p, id, r));
  change('revoke', 'Revoke the permit for good; takes effect at once', (p, id, r) =>
    permits.revoke(p, id, r),
  );
};
