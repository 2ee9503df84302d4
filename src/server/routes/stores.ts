/**
 * The hub's stores: `/api/stores` and their objects. Writes go through the same HubStores.put as
 * `hdh store put` (placement guard before a byte is stored, sealing, record, audit); reading an
 * object's plaintext out is for operators only and audited before the first byte leaves.
 */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  listObjectsPage,
  openObject,
  storeSummaries,
  verifyObjects,
  type VerifyOutcome,
} from '../../hub/index.js';
import type { RouteModule } from '../context.js';
import { ServerErrors } from '../errors.js';
import { principalOf } from '../context.js';
import { Bearer, Page, responses } from '../schemas.js';
import {
  ObjectListQuery,
  ObjectPath,
  ObjectRecord,
  ObjectView,
  PutObjectQuery,
  StorePath,
  StoreSummary,
  VerifyBody,
} from '../schemas-ops.js';
import { clientGone, jsonLines, NDJSON } from '../streaming.js';

const OCTETS = 'application/octet-stream';

export const storeRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const { authorizer } = deps.access;
  const tags = ['stores'];

  app.get(
    '/api/stores',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Configured stores: provider, its jurisdictions and qualifications, classes allowed',
        security: Bearer,
        response: responses({ 200: Type.Array(StoreSummary) }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'store.read', { type: 'hub' });
      return storeSummaries(hub);
    },
  );

  app.get(
    '/api/stores/:store/objects',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Objects under a prefix, in key order: dataset, class, size (never content)',
        security: Bearer,
        params: StorePath,
        querystring: ObjectListQuery,
        response: responses({ 200: Page(ObjectView) }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'store.read', { type: 'hub' });
      return listObjectsPage(hub, request.params.store, request.query);
    },
  );

  // The upload is handed to the seal as a stream, never buffered: its own scope, so this raw parser
  // applies to this route alone.
  app.register((plain, _options, done) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    if (scope.hasContentTypeParser(OCTETS)) {
      scope.removeContentTypeParser(OCTETS);
    }
    scope.addContentTypeParser(OCTETS, (_request, payload, done) => done(null, payload));
    scope.put(
      '/api/stores/:store/objects/:key',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary:
            'Seal an upload (application/octet-stream) under a dataset and class, through the placement guard',
          description:
            'A placement the policy forbids is refused (403 SOVEREIGNTY_PLACEMENT_REFUSED) before a byte is stored. The class defaults to the dataset’s, or identifying-health for a new dataset.',
          security: Bearer,
          params: ObjectPath,
          querystring: PutObjectQuery,
          consumes: [OCTETS],
          response: responses({ 201: ObjectRecord }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        await authorizer.enforce(principal, 'store.write', { type: 'hub' });
        if (!(request.body instanceof Readable)) {
          throw ServerErrors.REQUEST_UNSUPPORTED_MEDIA_TYPE(
            `send the object's bytes as ${OCTETS}, not ${request.headers['content-type'] ?? 'without a content type'}`,
          );
        }
        const length = Number(request.headers['content-length']);
        const record = await hub.stores.put({
          store: request.params.store,
          key: request.params.key,
          body: request.body,
          ...(Number.isSafeInteger(length) && length >= 0 ? { size: length } : {}),
          dataset: request.query.dataset,
          ...(request.query.class !== undefined ? { dataClass: request.query.class } : {}),
          actor: principal.actor,
          signal: clientGone(reply),
        });
        return reply.code(201).send(record);
      },
    );
    done();
  });

  app.get(
    '/api/stores/:store/objects/:key',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Read an object’s plaintext, authenticated, streamed (operators only; audited)',
        security: Bearer,
        params: ObjectPath,
        produces: [OCTETS],
        response: responses({ 200: Type.Unknown({ description: 'the object’s bytes' }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await authorizer.enforce(principal, 'store.read-content', { type: 'hub' });
      const body = await openObject(hub, {
        store: request.params.store,
        key: request.params.key,
        actor: principal.actor,
        signal: clientGone(reply),
      });
      return reply.type(OCTETS).header('cache-control', 'no-store').send(body);
    },
  );

  app.delete(
    '/api/stores/:store/objects/:key',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Remove an object and the hub’s record of it',
        security: Bearer,
        params: ObjectPath,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await authorizer.enforce(principal, 'store.write', { type: 'hub' });
      await hub.stores.remove(request.params.store, request.params.key, principal.actor);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/stores/:store/verify',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Open every object under a prefix through every check; JSON lines, one per object',
        description:
          'Streamed as application/x-ndjson: one line per object ({key, ok, code?, message?, …}) as it is checked, then {"done": true, "ok": n, "failed": n}. Closing the connection stops the walk; one audit entry records the counts.',
        security: Bearer,
        params: StorePath,
        body: VerifyBody,
        produces: [NDJSON],
        response: responses({ 200: Type.Unknown({ description: 'JSON lines' }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await authorizer.enforce(principal, 'store.verify', { type: 'hub' });
      const store = request.params.store;
      hub.stores.config(store);
      const outcomes = verifyObjects(hub, {
        store,
        prefix: request.body.prefix ?? '',
        actor: principal.actor,
        signal: clientGone(reply),
      });
      return reply.type(NDJSON).send(jsonLines(withSummary(outcomes)));
    },
  );
};

async function* withSummary(outcomes: AsyncIterable<VerifyOutcome>): AsyncIterable<unknown> {
  let ok = 0;
  let failed = 0;
  for await (const v of outcomes) {
    if (v.ok) {
      ok++;
    } else {
      failed++;
    }
    yield v;
  }
  yield { done: true, ok, failed };
}
