/**
 * `/api/audit/export`: the whole audit log (or a filtered part) as JSON lines, streamed in order, as
 * `hdh audit export` writes it. `/api/audit` pages the same entries for screens; an export for an
 * auditor's own tools should not need hundreds of page requests.
 */
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, responses } from '../schemas.js';
import { AuditExportQuery } from '../schemas-ops.js';
import { jsonLines, NDJSON } from '../streaming.js';

export const auditExportRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const { authorizer } = deps.access;

  app.get(
    '/api/audit/export',
    {
      onRequest: authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The audit log as JSON lines, one entry per line, oldest first (streamed)',
        security: Bearer,
        querystring: AuditExportQuery,
        produces: [NDJSON],
        response: responses({ 200: Type.Unknown({ description: 'JSON lines' }) }),
      },
    },
    async (request, reply) => {
      await authorizer.enforce(principalOf(request), 'audit.read', { type: 'collection', of: 'audit' });
      const { since, action, actor, target } = request.query;
      const entries = hub.audit.entries({
        ...(since === undefined ? {} : { since }),
        ...(action === undefined ? {} : { action }),
        ...(actor === undefined ? {} : { actor }),
        ...(target === undefined ? {} : { target }),
      });
      return reply.type(NDJSON).header('cache-control', 'no-store').send(jsonLines(entries));
    },
  );
};
