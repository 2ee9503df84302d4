/** The catalogue: `/api/datasets` and the HealthDCAT-AP export `/api/catalog/dcat`. Never row-level data. */
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import {
  Bearer,
  DatasetDetail,
  DatasetPath,
  DatasetVersionDetail,
  DatasetVersionPath,
  DatasetQuery,
  DatasetSummary,
  Page,
  responses,
} from '../schemas.js';

export const catalogueRoutes: RouteModule = (app, { deps, authenticate }) => {
  const { catalogue } = deps;
  const tags = ['catalogue'];
  // The view hands out the same frozen page or description while the catalogue is unchanged: its
  // bytes, made by the route's own response serialiser, are kept beside it and go once per change.
  // When the page or description is kept and the principal's access needs no database read, the
  // handler answers without a promise (listKept, getKept); otherwise it awaits the same steps.
  const serialised = new WeakMap<object, Buffer>();
  const sendShared = (reply: FastifyReply, view: object): void => {
    let body = serialised.get(view);
    if (body === undefined) {
      const text = reply.serialize(view);
      body = typeof text === 'string' ? Buffer.from(text) : Buffer.from(new Uint8Array(text));
      serialised.set(view, body);
    }
    reply.type('application/json; charset=utf-8').send(body);
  };

  app.get(
    '/api/datasets',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Datasets in name order; q searches name, title, description, keywords and themes',
        security: Bearer,
        querystring: DatasetQuery,
        response: responses({ 200: Page(DatasetSummary) }),
      },
    },
    (request, reply) => {
      const principal = principalOf(request);
      const generation = request.generations?.catalogue;
      const kept =
        generation === undefined ? undefined : catalogue.listKept(principal, request.query, generation);
      if (kept !== undefined) {
        sendShared(reply, kept);
        return;
      }
      return catalogue.list(principal, request.query, generation).then((page) => {
        sendShared(reply, page);
      });
    },
  );

  app.get(
    '/api/datasets/:name',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'A dataset: metadata, versions, tables and columns, lineage (never rows)',
        security: Bearer,
        params: DatasetPath,
        response: responses({ 200: DatasetDetail }),
      },
    },
    (request, reply) => {
      const principal = principalOf(request);
      const { name } = request.params;
      const generation = request.generations?.catalogue;
      const kept = generation === undefined ? undefined : catalogue.getKept(principal, name, generation);
      if (kept !== undefined) {
        sendShared(reply, kept);
        return;
      }
      return catalogue.get(principal, name, generation).then((view) => {
        sendShared(reply, view);
      });
    },
  );

  app.get(
    '/api/datasets/:name/versions/:version',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Any version of a dataset in full: tables and columns, counts, lineage (never rows)',
        security: Bearer,
        params: DatasetVersionPath,
        response: responses({ 200: DatasetVersionDetail }),
      },
    },
    async (request) => catalogue.version(principalOf(request), request.params.name, request.params.version),
  );

  app.get(
    '/api/catalog/dcat',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'The whole catalogue as HealthDCAT-AP JSON-LD, for federation (HealthData@EU)',
        security: Bearer,
        response: responses({
          200: Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON-LD document' }),
        }),
      },
    },
    async (request, reply) =>
      reply.type('application/ld+json').send(await catalogue.dcat(principalOf(request))),
  );
};
