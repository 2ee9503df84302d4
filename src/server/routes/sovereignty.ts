/**
 * Sovereignty: the provider registry, placement checks, the signed compliance report and its
 * verification, the hub's public signing key; the same functions `hdh sovereignty …` runs.
 * `import-credential` stays CLI-only: it edits hdh.yaml (configuration, read at start), see docs/api.md.
 */
import {
  auditedComplianceReport,
  checkPlacement,
  hubPublicKey,
  providerListing,
  verifyReport,
} from '../../hub/index.js';
import { renderReport } from '../../sovereignty/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, responses } from '../schemas.js';
import {
  CheckBody,
  PlacementCheck,
  ProviderListing,
  PublicJwk,
  ReportQuery,
  ReportVerification,
  SignedReport,
  VerifyReportBody,
} from '../schemas-ops.js';
import { clientGone } from '../streaming.js';
import { wire } from '../wire.js';

const MEDIA = { md: 'text/markdown; charset=utf-8', html: 'text/html; charset=utf-8' } as const;

export const sovereigntyRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const { authorizer } = deps.access;
  const tags = ['sovereignty'];

  app.get(
    '/api/sovereignty/providers',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'The provider registry: each offering, the laws that reach it, qualifications, evidence',
        security: Bearer,
        response: responses({ 200: ProviderListing }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'sovereignty.read', { type: 'hub' });
      return providerListing(hub.sovereignty);
    },
  );

  app.post(
    '/api/sovereignty/check',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Would this store be allowed to hold this class? Every reason, each naming its requirement',
        description: 'A question, not a change: 200 with allowed true or false; nothing is written.',
        security: Bearer,
        body: CheckBody,
        response: responses({ 200: PlacementCheck }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'sovereignty.check', { type: 'hub' });
      return wire(checkPlacement(hub, request.body.store, request.body.class));
    },
  );

  app.get(
    '/api/sovereignty/report',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'The compliance report, signed by the hub (json), or rendered (md, html); audited',
        description:
          'Scans every store (each object’s first bytes) in the request; closing the connection stops the scan. The JSON is what `hdh sovereignty report` writes.',
        security: Bearer,
        querystring: ReportQuery,
        produces: ['application/json', MEDIA.md, MEDIA.html],
        response: responses({ 200: SignedReport }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await authorizer.enforce(principal, 'sovereignty.read', { type: 'hub' });
      const signed = await auditedComplianceReport(hub, principal.actor, { signal: clientGone(reply) });
      const format = request.query.format ?? 'json';
      if (format === 'json') {
        return signed;
      }
      return reply.type(MEDIA[format]).send(renderReport(signed.report, format));
    },
  );

  app.post(
    '/api/sovereignty/verify-report',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: "Check a signed report's signature: with the key given, else the hub's own key",
        security: Bearer,
        body: VerifyReportBody,
        response: responses({ 200: ReportVerification }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'sovereignty.read', { type: 'hub' });
      const { report, key } = request.body;
      return verifyReport(report, {
        name: 'the report',
        hub,
        ...(key === undefined ? {} : { key: { jwk: key, from: 'the key given in the request' } }),
      });
    },
  );

  app.get(
    '/api/sovereignty/public-key',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: "The hub's public signing key (JWK), to check reports and certificates with",
        security: Bearer,
        response: responses({ 200: PublicJwk }),
      },
    },
    async (request) => {
      await authorizer.enforce(principalOf(request), 'sovereignty.read', { type: 'hub' });
      return hubPublicKey(hub);
    },
  );
};
