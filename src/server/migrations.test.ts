/**
 * `/api/migrations` over a real hub: a migration driven from plan to decommission through the API
 * (the long steps as 202 and a status to follow), the step that refuses a second one at the same
 * time, a server shutdown that stops a run so that the next one resumes it, and bad input answered
 * with a precise problem.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../db/testing.js';
import { verifyDetached } from '../kms/index.js';
import { createHubApp } from './serve.js';
import { hubServerFixture, type HubServerFixture } from './testing/hub-server.js';
import { MIGRATION_CLASS, migrationsOf, seedSource, sourcePrefix } from './testing/migrations.js';
import { bearer } from './testing/server-fixture.js';
import type { HubApp } from './context.js';

const dialects = await testDialects();

interface Step {
  kind: string;
  state: string;
  actor: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  progress: Record<string, unknown> | null;
}
interface Status {
  name: string;
  state: string;
  states: Record<string, { objects: number }>;
  lastVerify: Record<string, unknown> | null;
  step: Step | null;
}

describe.each(dialects)('$name: /api/migrations', (dialect) => {
  let fx: HubServerFixture;
  let op: Record<string, string>;
  let opActor: string;

  beforeAll(async () => {
    fx = await hubServerFixture(dialect.name, {
      fsStores: { archive: 'on-premises', abroad: 'azure-france-central' },
    });
    mkdirSync(join(fx.home, 'archive-objects'), { recursive: true });
    mkdirSync(join(fx.home, 'abroad-objects'), { recursive: true });
    op = bearer(fx.tokens.get('operator')!);
    opActor = fx.principals.get('operator')!.actor;
  });
  afterAll(async () => {
    await fx.close();
  });

  const call = (
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    app: HubApp = fx.app,
    headers: Record<string, string> = op,
  ): Promise<LightMyRequestResponse> =>
    app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });

  const plan = (name: string, extra: object = {}): Promise<LightMyRequestResponse> =>
    call('POST', '/api/migrations', {
      name,
      from: { store: 'local', prefix: sourcePrefix(name) },
      to: { store: 'archive', prefix: `${name}/` },
      classMap: { [sourcePrefix(name)]: { class: MIGRATION_CLASS, dataset: name } },
      ...extra,
    });

  /** Polls the status until the step is no longer running (a step of a few small objects ends). */
  async function settled(name: string, app: HubApp = fx.app): Promise<Status> {
    for (let i = 0; i < 2000; i++) {
      const status = (await call('GET', `/api/migrations/${name}`, undefined, app)).json<Status>();
      if (status.step?.state !== 'running') {
        return status;
      }
      await sleep(20);
    }
    throw new Error(`the step of ${name} never ended`);
  }

  const problem = (r: LightMyRequestResponse) => ({
    status: r.statusCode,
    type: String(r.headers['content-type']).split(';')[0],
    code: r.json<{ code: string }>().code,
  });

  it('plans, runs, verifies, reports, cuts over and decommissions with a signed certificate', async () => {
    await seedSource(fx, 'cohort', 4);
    const planned = await plan('cohort');
    expect(planned.statusCode, planned.body).toBe(201);
    expect(planned.headers['location']).toBe('/api/migrations/cohort');
    expect(planned.json()).toMatchObject({
      name: 'cohort',
      state: 'planned',
      objects: 4,
      phases: [{ class: MIGRATION_CLASS, objects: 4 }],
      destination: { store: 'archive', prefix: 'cohort/' },
    });

    const started = await call('POST', '/api/migrations/cohort/run', { workers: 2 });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.headers['location']).toBe('/api/migrations/cohort');
    expect(started.json()).toMatchObject({ kind: 'run', state: 'running', actor: opActor });
    const ran = await settled('cohort');
    expect(ran.step).toMatchObject({
      kind: 'run',
      state: 'finished',
      result: { copied: 4, failed: 0, stoppedBy: 'completed' },
      error: null,
    });
    expect(ran.states['copied']!.objects).toBe(4);

    // Copied but not verified: not yet.
    const early = await call('POST', '/api/migrations/cohort/cutover');
    expect(problem(early)).toEqual({
      status: 409,
      type: 'application/problem+json',
      code: 'MIGRATION_NOT_CLEAN',
    });

    const listed = await call('GET', '/api/migrations');
    expect(listed.json<{ items: unknown[] }>().items).toContainEqual(
      expect.objectContaining({
        name: 'cohort',
        state: 'running',
        objects: 4,
        states: expect.objectContaining({ copied: 4 }),
      }),
    );

    for (const [step, body] of [
      ['sync', {}],
      ['verify', { deep: true }],
    ] as const) {
      expect((await call('POST', `/api/migrations/cohort/${step}`, body)).statusCode).toBe(202);
      const s = await settled('cohort');
      expect(s.step, step).toMatchObject({ kind: step, state: 'finished', error: null });
    }
    const verified = await settled('cohort');
    expect(verified.step!.result).toMatchObject({ clean: true, deep: true, verified: 4 });
    expect(verified.lastVerify).toMatchObject({ clean: true });

    // The report is the one the CLI writes, in each format.
    const service = migrationsOf(fx);
    for (const [format, type] of [
      ['json', 'application/json'],
      ['md', 'text/markdown'],
      ['html', 'text/html'],
    ] as const) {
      const r = await call('GET', `/api/migrations/cohort/report?format=${format}`);
      expect(r.statusCode).toBe(200);
      expect(String(r.headers['content-type'])).toContain(type);
      expect(r.body).toBe(await service.report(fx.operator, 'cohort', format));
    }
    expect((await call('GET', '/api/migrations/cohort/report')).body).toContain('# Migration cohort');

    const noCert = await call('GET', '/api/migrations/cohort/certificate');
    expect(problem(noCert)).toMatchObject({ status: 409, code: 'MIGRATION_STATE' });

    const cut = await call('POST', '/api/migrations/cohort/cutover');
    expect(cut.statusCode, cut.body).toBe(200);
    // The hub had no record of these objects (a legacy source): cutover creates them, in no hub dataset.
    expect(cut.json()).toMatchObject({ migration: 'cohort', datasets: [], recordsCreated: 4 });

    const wrong = await call('POST', '/api/migrations/cohort/decommission', { confirm: 'cohrot' });
    expect(problem(wrong)).toMatchObject({ status: 400, code: 'INPUT_INVALID' });
    expect(wrong.json<{ detail: string }>().detail).toContain('confirm: "cohort"');
    const missing = await call('POST', '/api/migrations/cohort/decommission', {});
    expect(problem(missing)).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const source = await fx.hub.stores.backend('local');
    expect(await source.head(`${sourcePrefix('cohort')}f0.bin`)).toBeDefined();

    const gone = await call('POST', '/api/migrations/cohort/decommission', { confirm: 'cohort' });
    expect(gone.statusCode, gone.body).toBe(200);
    const result = gone.json<{
      deleted: number;
      failed: unknown[];
      certificate: { signature: string; signedJson: string };
    }>();
    expect(result).toMatchObject({ deleted: 4, failed: [] });
    await verifyDetached(result.certificate.signature, Buffer.from(result.certificate.signedJson));
    expect(JSON.parse(result.certificate.signedJson)).toMatchObject({ objects: 4 });
    expect(await source.head(`${sourcePrefix('cohort')}f0.bin`)).toBeUndefined();

    // An auditor reads the certificate and the status, but may not act.
    const auditor = bearer(fx.tokens.get('auditor')!);
    const cert = await call('GET', '/api/migrations/cohort/certificate', undefined, fx.app, auditor);
    expect(cert.json()).toEqual(result.certificate);
    const status = await call('GET', '/api/migrations/cohort', undefined, fx.app, auditor);
    expect(status.json()).toMatchObject({ state: 'decommissioned', states: { verified: { objects: 4 } } });
    const refused = await call('POST', '/api/migrations/cohort/rollback', undefined, fx.app, auditor);
    expect(problem(refused)).toMatchObject({ status: 403, code: 'ACCESS_DENIED' });

    const audit = await fx.hub.db.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('target', '=', 'cohort')
      .execute();
    expect(audit).toEqual(
      expect.arrayContaining(
        ['migration.run', 'migration.sync', 'migration.cutover', 'migration.decommission'].map((action) => ({
          actor: opActor,
          action,
        })),
      ),
    );
  });

  it('runs one step at a time per migration; closing the server stops a run that the next one resumes', async () => {
    await seedSource(fx, 'slow', 3);
    expect((await plan('slow')).statusCode).toBe(201);
    // A second server over the same hub, closed while its run is throttled to a crawl.
    const other = await createHubApp(fx.hub);
    await other.ready();
    const first = await call('POST', '/api/migrations/slow/run', { bwlimit: '64B/s' }, other);
    expect(first.statusCode, first.body).toBe(202);

    const second = await call('POST', '/api/migrations/slow/run', {}, other);
    expect(problem(second)).toEqual({
      status: 409,
      type: 'application/problem+json',
      code: 'MIGRATION_BUSY',
    });
    expect(second.json<{ detail: string }>().detail).toMatch(/has a run running since .* \(started by op\)/);
    for (const step of ['sync', 'verify']) {
      expect(problem(await call('POST', `/api/migrations/slow/${step}`, {}, other)).code).toBe(
        'MIGRATION_BUSY',
      );
    }
    expect(problem(await call('POST', '/api/migrations/slow/cutover', undefined, other)).code).toBe(
      'MIGRATION_BUSY',
    );
    expect((await call('GET', '/api/migrations/slow', undefined, other)).json<Status>().step).toMatchObject({
      kind: 'run',
      state: 'running',
    });

    await other.close();
    const stopped = await migrationsOf(fx).status(fx.operator, 'slow');
    expect(stopped.states.copied.objects).toBeLessThan(3);
    expect(stopped.timeline.at(-1)).toMatchObject({ kind: 'run', details: { stoppedBy: 'stopped' } });

    expect((await call('POST', '/api/migrations/slow/run', {})).statusCode).toBe(202);
    const resumed = await settled('slow');
    expect(resumed.step).toMatchObject({ state: 'finished', result: { failed: 0, stoppedBy: 'completed' } });
    expect(resumed.states['copied']!.objects).toBe(3);
  });

  it('answers bad input with a precise problem and writes nothing', async () => {
    await seedSource(fx, 'bad', 2);
    const unknownStore = await call('POST', '/api/migrations', {
      name: 'bad',
      from: { store: 'nowhere', prefix: '' },
      to: { store: 'archive', prefix: 'bad/' },
    });
    expect(problem(unknownStore)).toMatchObject({ status: 404, code: 'HUB_STORE_UNKNOWN' });
    expect(unknownStore.json<{ detail: string }>().detail).toContain('no store "nowhere"');
    expect(problem(await call('GET', '/api/migrations/bad'))).toMatchObject({
      status: 404,
      code: 'MIGRATION_NOT_FOUND',
    });

    const abroad = await call('POST', '/api/migrations', {
      name: 'bad',
      from: { store: 'local', prefix: sourcePrefix('bad') },
      to: { store: 'abroad', prefix: 'bad/' },
      defaultClass: MIGRATION_CLASS,
    });
    expect(problem(abroad)).toMatchObject({ status: 403, code: 'MIGRATION_PLACEMENT_REFUSED' });
    expect(abroad.json()).toMatchObject({ details: { refused: [{ class: MIGRATION_CLASS, objects: 2 }] } });
    // The refused plan stays in the journal, as the CLI leaves it, and nothing may copy it.
    expect((await call('GET', '/api/migrations/bad')).json()).toMatchObject({ state: 'refused' });
    expect(problem(await call('POST', '/api/migrations/bad/run', {}))).toMatchObject({
      status: 409,
      code: 'MIGRATION_STATE',
    });

    const unclassified = await call('POST', '/api/migrations', {
      name: 'bad',
      from: { store: 'local', prefix: sourcePrefix('bad') },
      to: { store: 'archive', prefix: 'bad/' },
    });
    expect(problem(unclassified)).toMatchObject({ status: 400, code: 'MIGRATION_CLASS_UNKNOWN' });

    const badMap = await plan('bad', { classMap: { 'x/': 'secret' } });
    expect(problem(badMap)).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const extra = await plan('bad', { inventory: 'inventory.csv' });
    expect(extra.json()).toMatchObject({
      code: 'REQUEST_INVALID',
      errors: [{ field: 'body/inventory', message: 'is not a known field' }],
    });

    expect((await plan('bad')).statusCode).toBe(201);
    const rate = await call('POST', '/api/migrations/bad/run', { bwlimit: 'fast' });
    expect(problem(rate)).toMatchObject({ status: 400, code: 'INPUT_INVALID' });
    expect(rate.json<{ detail: string }>().detail).toContain('body/bwlimit');
    expect(problem(await call('POST', '/api/migrations/bad/run', { phase: 'secret' }))).toMatchObject({
      status: 400,
      code: 'INPUT_INVALID',
    });
    expect(problem(await call('POST', '/api/migrations/bad/run', { speed: 1 }))).toMatchObject({
      status: 400,
      code: 'REQUEST_INVALID',
    });
    expect(problem(await call('GET', '/api/migrations/bad/report?format=pdf'))).toMatchObject({
      status: 400,
      code: 'REQUEST_INVALID',
    });
    expect(problem(await call('POST', '/api/migrations/nothing/run', {}))).toMatchObject({
      status: 404,
      code: 'MIGRATION_NOT_FOUND',
    });
    expect(problem(await call('POST', '/api/migrations/bad/decommission', { confirm: 'bad' }))).toMatchObject(
      {
        status: 409,
        code: 'MIGRATION_STATE',
      },
    );
    // Nothing above started a copy.
    expect((await call('GET', '/api/migrations/bad')).json<Status>()).toMatchObject({
      state: 'planned',
      step: null,
      states: { pending: { objects: 2 } },
    });
  });
});
