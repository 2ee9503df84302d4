/** The audit log: `/api/audit` (auditors) and `/api/audit/verify`. */
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { AuditEntry, Bearer, Page, PageQuery, responses, VerifyResult } from '../schemas.js';

export const auditRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { auditTrail } = deps.access;
  const tags = ['audit'];

  app.get(
    '/api/audit',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Audit entries, oldest first, filtered',
        security: Bearer,
        querystring: Type.Object(
          {
            ...PageQuery,
            actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            action: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'exact, or a prefix ending in *' }),
            ),
            target: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Page(AuditEntry) }),
      },
    },
    async (request) => auditTrail.entries(principalOf(request), request.query),
  );

  app.get(
    '/api/audit/verify',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Verify the hash chain of the whole log',
        security: Bearer,
        response: responses({ 200: VerifyResult }),
      },
    },
    async (request) => auditTrail.verify(principalOf(request)),
  );
};
