/** Access applications: `/api/applications`, and the purposes they may name (`/api/purposes`). */
import { Type } from 'typebox';
import { PURPOSES } from '../../access/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import {
  Application,
  ApplicationCreate,
  ApplicationDetail,
  ApplicationPatch,
  ApplicationState,
  Bearer,
  DecisionBody,
  IdPath,
  Page,
  PageQuery,
  Purpose,
  Reason,
  responses,
} from '../schemas.js';

export const applicationRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { applications } = deps.access;
  const tags = ['applications'];
  const detail = responses({ 200: ApplicationDetail });

  app.get(
    '/api/purposes',
    {
      schema: {
        tags,
        summary: 'The purposes of EHDS Art. 53(1) an application may name',
        response: responses({ 200: Type.Array(Purpose) }),
      },
    },
    () => Promise.resolve([...PURPOSES]),
  );

  app.get(
    '/api/applications',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Applications, newest first (researchers see those of their teams)',
        security: Bearer,
        querystring: Type.Object(
          { ...PageQuery, state: Type.Optional(ApplicationState) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Page(Application) }),
      },
    },
    async (request) => applications.list(principalOf(request), request.query),
  );

  app.post(
    '/api/applications',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Draft an application',
        security: Bearer,
        body: ApplicationCreate,
        response: responses({ 201: ApplicationDetail }),
      },
    },
    async (request, reply) =>
      reply.code(201).send(await applications.create(principalOf(request), request.body)),
  );

  app.get(
    '/api/applications/:id',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'An application with its events and statutory clock',
        security: Bearer,
        params: IdPath,
        response: detail,
      },
    },
    async (request) => applications.get(principalOf(request), request.params.id),
  );

  app.patch(
    '/api/applications/:id',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Edit a draft (or an application returned for information)',
        security: Bearer,
        params: IdPath,
        body: ApplicationPatch,
        response: detail,
      },
    },
    async (request) => applications.update(principalOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/applications/:id/submit',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Submit (the statutory clock starts) or resubmit after a request for information',
        security: Bearer,
        params: IdPath,
        body: Type.Object(
          { comment: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })) },
          { additionalProperties: false },
        ),
        response: detail,
      },
    },
    async (request) => applications.submit(principalOf(request), request.params.id, request.body.comment),
  );

  app.post(
    '/api/applications/:id/review',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Take the application under review',
        security: Bearer,
        params: IdPath,
        response: detail,
      },
    },
    async (request) => applications.review(principalOf(request), request.params.id),
  );

  app.post(
    '/api/applications/:id/decision',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Approve (issues the permit), reject, or request information; reasons in the comment',
        security: Bearer,
        params: IdPath,
        body: DecisionBody,
        response: detail,
      },
    },
    async (request) => applications.decide(principalOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/applications/:id/extend',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Extend the decision period once by 3 months, with a reason',
        security: Bearer,
        params: IdPath,
        body: Reason,
        response: detail,
      },
    },
    async (request) => applications.extend(principalOf(request), request.params.id, request.body.reason),
  );

  app.post(
    '/api/applications/:id/comments',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Comment on an application',
        security: Bearer,
        params: IdPath,
        body: Type.Object(
          { text: Type.String({ minLength: 1, maxLength: 20_000 }) },
          { additionalProperties: false },
        ),
        response: detail,
      },
    },
    async (request) => applications.comment(principalOf(request), request.params.id, request.body.text),
  );
};
