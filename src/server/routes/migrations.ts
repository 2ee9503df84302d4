/**
 * Migrations between stores: `/api/migrations`. Plan, cutover, rollback and decommission answer
 * when done; run, sync and verify answer 202 at once and go on in the server (one step at a time
 * per migration), seen through `GET /api/migrations/{name}` until they end.
 * @module
 */
import { Type } from 'typebox';
import { parseRate } from '../../core/index.js';
import {
  copyOptions,
  HubMigrations,
  MigrationSteps,
  type SettingNames,
  type StepKind,
} from '../../hub/index.js';
import { createClassMap, type CutoverResult as CutoverResultOf } from '../../migration/index.js';
import { DATA_CLASSES } from '../../sovereignty/index.js';
import type { RouteModule } from '../context.js';
import { principalOf } from '../context.js';
import { Bearer, Page, PageQuery, responses } from '../schemas.js';
import {
  Certificate,
  CutoverResult,
  DecommissionBody,
  DecommissionResult,
  MigrationCopyBody,
  MigrationPath,
  MigrationPlanBody,
  MigrationStatus,
  MigrationStep,
  MigrationSummary,
  MigrationVerifyBody,
  PlanReport,
  ReportQuery,
} from '../schemas-migrations.js';

/** Bad copy settings name the body field. */
const FIELD_NAMES: SettingNames = {
  phase: 'body/phase',
  workers: 'body/workers',
  bwlimit: 'body/bwlimit',
  maxTransfer: 'body/maxTransfer',
  maxDuration: 'body/maxDuration',
};

const REPORT_TYPES = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
} as const;

function cutoverView(r: CutoverResultOf): CutoverResultOf & { datasets: string[] } {
  return { ...r, datasets: [...r.datasets] };
}

export const migrationRoutes: RouteModule = (app, { deps, authenticate }) => {
  const hub = deps.operations;
  if (hub === undefined) {
    return;
  }
  const migrations = new HubMigrations(
    hub,
    deps.access.authorizer,
    new MigrationSteps({
      onFailure: (name, kind, err) => app.log.error({ err, migration: name, step: kind }, `${kind} failed`),
    }),
  );
  // Closing the server stops the steps it runs; the journal lets the next step resume.
  app.addHook('onClose', () => migrations.steps.close());
  const tags = ['migrations'];
  const location = (name: string): string => `/api/migrations/${encodeURIComponent(name)}`;

  app.get(
    '/api/migrations',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Migrations, oldest first, with their state and object counts',
        security: Bearer,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: responses({ 200: Page(MigrationSummary) }),
      },
    },
    async (request) => migrations.list(principalOf(request), request.query),
  );

  app.post(
    '/api/migrations',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary:
          'Plan a migration: list the source, classify, check placement, estimate (a refused plan is a 403 or 400 problem)',
        security: Bearer,
        body: MigrationPlanBody,
        response: responses({ 201: PlanReport }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const report = await migrations.plan(principalOf(request), {
        name: b.name,
        from: b.from,
        to: b.to,
        ...(b.classMap === undefined
          ? {}
          : { classMap: createClassMap(b.classMap, DATA_CLASSES, 'body/classMap') }),
        ...(b.defaultClass === undefined ? {} : { defaultClass: b.defaultClass }),
        ...(b.defaultDataset === undefined ? {} : { defaultDataset: b.defaultDataset }),
        estimate: {
          pricePerGb: b.pricePerGb ?? 0,
          bytesPerSecond: parseRate(b.expectedRate ?? '100MiB/s', 'body/expectedRate'),
          objectsPerSecond: b.expectedOps ?? 300,
        },
      });
      const refusal = migrations.refusal(report);
      if (refusal !== undefined) {
        throw refusal;
      }
      return reply.code(201).header('location', location(report.name)).send(report);
    },
  );

  app.get(
    '/api/migrations/:name',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary:
          'Status: counts per phase and state, errors, last verify and sync, and the step the server runs or last ran',
        security: Bearer,
        params: MigrationPath,
        response: responses({ 200: MigrationStatus }),
      },
    },
    async (request) => migrations.view(principalOf(request), request.params.name),
  );

  app.get(
    '/api/migrations/:name/report',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'The migration report (as `hdh migrate report` writes it), as JSON, Markdown or HTML',
        security: Bearer,
        params: MigrationPath,
        querystring: ReportQuery,
        response: responses({ 200: Type.String({ description: 'the report in the asked format' }) }),
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'md';
      const text = await migrations.report(principalOf(request), request.params.name, format);
      return reply.type(REPORT_TYPES[format]).send(text);
    },
  );

  app.get(
    '/api/migrations/:name/certificate',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'The signed certificate that the data has left the source (once decommissioned)',
        security: Bearer,
        params: MigrationPath,
        response: responses({ 200: Certificate }),
      },
    },
    async (request) => migrations.certificate(principalOf(request), request.params.name),
  );

  const step = (
    kind: StepKind,
    summary: string,
    body: typeof MigrationCopyBody | typeof MigrationVerifyBody,
  ) =>
    app.post(
      `/api/migrations/:name/${kind}`,
      {
        onRequest: authenticate,
        schema: {
          tags,
          summary: `${summary}; answers 202 at once, the status shows the step until it ends (409 while another runs)`,
          security: Bearer,
          params: MigrationPath,
          body,
          response: responses({ 202: MigrationStep }),
        },
      },
      async (request, reply) => {
        const name = request.params.name;
        const options =
          kind === 'verify'
            ? (request.body as { deep?: boolean; source?: boolean })
            : copyOptions(request.body as Record<string, string | number>, FIELD_NAMES);
        const view = await migrations.startStep(principalOf(request), name, kind, options);
        return reply.code(202).header('location', location(name)).send(view);
      },
    );
  step('run', 'Copy what is pending (resumes whatever an earlier run left)', MigrationCopyBody);
  step('sync', 'Copy what was created or changed at the source since the last pass', MigrationCopyBody);
  step('verify', 'Check the destination against the journal', MigrationVerifyBody);

  app.post(
    '/api/migrations/:name/cutover',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: "Switch the hub's datasets and object records to the destination (needs a clean verify)",
        security: Bearer,
        params: MigrationPath,
        response: responses({ 200: CutoverResult }),
      },
    },
    async (request) => cutoverView(await migrations.cutover(principalOf(request), request.params.name)),
  );

  app.post(
    '/api/migrations/:name/rollback',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary: 'Switch the datasets back to the source (until it is decommissioned)',
        security: Bearer,
        params: MigrationPath,
        response: responses({ 200: CutoverResult }),
      },
    },
    async (request) => cutoverView(await migrations.rollback(principalOf(request), request.params.name)),
  );

  app.post(
    '/api/migrations/:name/decommission',
    {
      onRequest: authenticate,
      schema: {
        tags,
        summary:
          'Delete the source objects and issue the signed certificate; irreversible, so confirm must repeat the name',
        security: Bearer,
        params: MigrationPath,
        body: DecommissionBody,
        response: responses({ 200: DecommissionResult }),
      },
    },
    async (request) => {
      const r = await migrations.decommission(principalOf(request), request.params.name, {
        confirm: request.body.confirm,
      });
      return { deleted: r.deleted, failed: [...r.failed], certificate: r.certificate ?? null };
    },
  );
};
