/**
 * Ingestion and quarantine: `POST /api/datasets/{name}/ingest` (a file streamed to disk, then what
 * `hdh ingest` runs, in the request) and `/api/datasets/{name}/quarantine…` (what `hdh quarantine`
 * does). The upload and the corrected record are raw bodies: each lives in its own scope whose only
 * parser hands the body over unread, so that authorisation and placement are refused before a byte
 * is read and the media type is checked here with a precise answer.
 * @module
 */
import { Readable } from 'node:stream';
import type { Static } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../access/index.js';
import {
  dismissQuarantined,
  ingestCounts,
  ingestUpload,
  listQuarantined,
  reingestQuarantined,
  showQuarantined,
  type HubIngestResult,
  type UploadFormat,
} from '../../hub/index.js';
import type { HubApp, RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { ServerErrors } from '../errors.js';
import { Bearer, DatasetPath, responses } from '../schemas.js';
import {
  DismissBody,
  IngestHeaders,
  IngestQuery,
  IngestResult,
  QuarantineEntry,
  QuarantinePage,
  QuarantinePath,
  QuarantineQuery,
  QuarantinedRecord,
  ReingestResult,
} from '../schemas-ingest.js';

/** Media types of an upload, and what the pipeline reads them as. */
const UPLOAD_TYPES: Readonly<Record<string, UploadFormat>> = {
  'application/fhir+ndjson': 'ndjson',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/fhir+json': 'json',
  'application/json': 'json',
  'text/csv': 'csv',
};
/** Media types of a corrected record: one FHIR resource (or Bundle entry), or one CSV row. */
const RECORD_TYPES = ['application/fhir+json', 'application/json', 'text/csv'];

function mediaType(request: FastifyRequest): string | undefined {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

function unsupported(type: string | undefined, accepted: readonly string[]) {
  return ServerErrors.REQUEST_UNSUPPORTED_MEDIA_TYPE(
    `${type === undefined ? 'no Content-Type was sent' : `Content-Type ${type} is not read here`}: send ${accepted.join(', ')}`,
    { details: { accepted } },
  );
}

/** Aborted when the client goes away before the answer is sent, so a long ingest stops with it. */
function abortOnHangUp(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) {
      controller.abort(new Error('the client closed the connection'));
    }
  });
  return controller.signal;
}

export const ingestRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const { authorizer } = deps.access;
  const tags = ['ingestion'];
  const may = (
    principal: Principal,
    action: 'dataset.write' | 'quarantine.read' | 'quarantine.manage',
    name: string,
  ) => authorizer.enforce(principal, action, { type: 'dataset', name });

  const ingest = async (
    request: FastifyRequest<{
      Params: Static<typeof DatasetPath>;
      Querystring: Static<typeof IngestQuery>;
      Headers: Static<typeof IngestHeaders>;
    }>,
    reply: FastifyReply,
  ) => {
    const principal = principalOf(request);
    const { name } = request.params;
    await may(principal, 'dataset.write', name);
    const type = mediaType(request);
    const format = type === undefined ? undefined : UPLOAD_TYPES[type];
    if (format === undefined) {
      throw unsupported(type, Object.keys(UPLOAD_TYPES));
    }
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== 'identity' && encoding !== 'gzip') {
      throw unsupported(`with Content-Encoding ${encoding}`, ['gzip or no Content-Encoding']);
    }
    const schema = request.headers['hdh-csv-schema'];
    const declared = request.headers['content-length'];
    const q = request.query;
    const result = await ingestUpload(hub, {
      dataset: name,
      body:
        request.body instanceof Readable
          ? request.body.iterator({ destroyOnReturn: false })
          : Readable.from([]),
      format,
      gzip: encoding === 'gzip',
      maxBytes: hub.config.server.ingestUploadLimitBytes,
      actor: principal.actor,
      signal: abortOnHangUp(reply),
      ...(declared !== undefined ? { declaredBytes: Number(declared) } : {}),
      ...(schema !== undefined ? { csvSchema: Buffer.from(schema, 'base64').toString('utf8') } : {}),
      ...(q.create !== undefined ? { create: q.create } : {}),
      ...(q.fileName !== undefined ? { fileName: q.fileName } : {}),
      ...(q.title !== undefined ? { title: q.title } : {}),
      ...(q.description !== undefined ? { description: q.description } : {}),
      ...(q.store !== undefined ? { store: q.store } : {}),
      ...(q.quarantineStore !== undefined ? { quarantineStore: q.quarantineStore } : {}),
    });
    return reply.code(result.version === undefined ? 200 : 201).send(ingestAnswer(result));
  };

  void app.register((scope: HubApp, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, next) => next(null, payload));
    scope.post(
      '/api/datasets/:name/ingest',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary:
            'Ingest one file (FHIR NDJSON, FHIR JSON, CSV; gzip as Content-Encoding) as a new version of the dataset',
          description:
            'The body is streamed to disk (up to server.ingestUploadLimitBytes, 413 beyond), then validated, pseudonymised and sealed in the request, as `hdh ingest` does. 201 with the new version; 200 when the same bytes are already in the dataset.',
          security: Bearer,
          consumes: Object.keys(UPLOAD_TYPES),
          params: DatasetPath,
          querystring: IngestQuery,
          headers: IngestHeaders,
          response: responses({ 200: IngestResult, 201: IngestResult }),
        },
      },
      async (request, reply) => {
        try {
          return await ingest(request, reply);
        } catch (err) {
          // The rest of a refused upload is not worth reading: the connection closes after the answer.
          void reply.header('connection', 'close');
          throw err;
        }
      },
    );
    done();
  });

  app.get(
    '/api/datasets/:name/quarantine',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Records ingests set aside, with their reason, file and line (default: the open ones)',
        security: Bearer,
        params: DatasetPath,
        querystring: QuarantineQuery,
        response: responses({ 200: QuarantinePage }),
      },
    },
    async (request) => {
      const { name } = request.params;
      await may(principalOf(request), 'quarantine.read', name);
      const { status = 'open', code, limit, cursor } = request.query;
      const page = await listQuarantined(hub, name, {
        limit: limit ?? 50,
        ...(status !== 'all' ? { status } : {}),
        ...(code !== undefined ? { code } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { ...page, items: [...page.items] };
    },
  );

  app.get(
    '/api/datasets/:name/quarantine/:id',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'A quarantined record: every problem found and its original content (identifying: audited)',
        security: Bearer,
        params: QuarantinePath,
        response: responses({ 200: QuarantinedRecord }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { name, id } = request.params;
      await may(principal, 'quarantine.read', name);
      const { entry, record, content } = await showQuarantined(hub, {
        dataset: name,
        id,
        actor: principal.actor,
      });
      return {
        ...entry,
        issues: [...record.issues],
        origin: record.origin,
        truncated: record.truncated,
        profile: { name: record.profile.name, version: record.profile.version },
        content: content.toString('utf8'),
      };
    },
  );

  void app.register((scope: HubApp, _opts, done) => {
    scope.removeAllContentTypeParsers();
    // The record is small: read whole, within the server's body limit (413 beyond).
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
    scope.post(
      '/api/datasets/:name/quarantine/:id/reingest',
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: 'Re-ingest the corrected record (the body) into a new version of the dataset',
          security: Bearer,
          consumes: RECORD_TYPES,
          params: QuarantinePath,
          response: responses({ 201: ReingestResult }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { name, id } = request.params;
        await may(principal, 'quarantine.manage', name);
        const type = mediaType(request);
        if (type === undefined || !RECORD_TYPES.includes(type)) {
          throw unsupported(type, RECORD_TYPES);
        }
        const content = request.body;
        if (!Buffer.isBuffer(content) || content.length === 0) {
          throw ServerErrors.REQUEST_INVALID('the body is empty: send the corrected record');
        }
        const r = await reingestQuarantined(hub, { dataset: name, id, content, actor: principal.actor });
        return reply.code(201).send({
          dataset: r.dataset,
          id: r.id,
          ingestId: r.ingestId,
          version: r.version,
          read: r.summary.read,
          accepted: r.summary.accepted,
          quarantined: r.summary.quarantined,
          tables: r.tables.map((t) => ({ name: t.name, rows: t.rows })),
        });
      },
    );
    done();
  });

  app.post(
    '/api/datasets/:name/quarantine/:id/dismiss',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Close a quarantined record without re-ingesting it; the reason is kept and audited',
        security: Bearer,
        params: QuarantinePath,
        body: DismissBody,
        response: responses({ 200: QuarantineEntry }),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { name, id } = request.params;
      await may(principal, 'quarantine.manage', name);
      return dismissQuarantined(hub, {
        dataset: name,
        id,
        reason: request.body.reason,
        actor: principal.actor,
      });
    },
  );
};

/** What `hdh ingest --json` prints, without the object keys and key id the catalogue also keeps to itself. */
function ingestAnswer(r: HubIngestResult) {
  return {
    ...ingestCounts(r),
    tables: r.tables.map((t) => ({ name: t.name, rows: t.rows })),
    inputs: r.inputs.map((i) => ({ fileName: i.path, sha256: i.sha256, bytes: i.bytes })),
    skipped: r.skipped.map((s) => ({
      fileName: s.path,
      sha256: s.sha256,
      ...(s.version !== undefined ? { version: s.version } : {}),
    })),
    profile: { name: r.profile.name, version: r.profile.version },
  };
}
