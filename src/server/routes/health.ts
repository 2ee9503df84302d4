/** `GET /health` and `GET /api/errors`: no authentication. */
import { sql } from 'kysely';
import { Type } from 'typebox';
import { registeredErrors } from '../../core/index.js';
import { DbErrors } from '../../db/index.js';
import type { RouteModule } from '../context.js';
import { responses } from '../schemas.js';

export const healthRoutes: RouteModule = (app, { deps }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['hub'],
        summary: 'Liveness and database reachability',
        response: responses({ 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }) }),
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(deps.hub.db);
      } catch (err) {
        throw DbErrors.DB_UNAVAILABLE(`the hub database does not answer: ${(err as Error).message}`, {
          cause: err,
        });
      }
      return { status: 'ok' as const, database: deps.hub.dialect };
    },
  );

  app.get(
    '/api/errors',
    {
      schema: {
        tags: ['hub'],
        summary: 'Every error code with its HTTP status (the `type` of problem documents points here)',
        response: responses({
          200: Type.Array(
            Type.Object({
              code: Type.String(),
              status: Type.Integer(),
              description: Type.String(),
              retryable: Type.Boolean(),
            }),
          ),
        }),
      },
    },
    () =>
      Promise.resolve(
        registeredErrors().map((e) => ({
          code: e.code,
          status: e.status,
          description: e.description,
          retryable: e.retryable ?? false,
        })),
      ),
  );
};
