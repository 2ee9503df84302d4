/**
 * The route × principal matrix of the routes that act on the hub itself, over a real hub (fs
 * store, development keyring) on each database: every such route answers the listed principals,
 * 403 ACCESS_DENIED (audited) to the others and 401 to anonymous callers, and the cases cover every
 * route that the application has beyond the access and catalogue routes of matrix.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../db/testing.js';
import { createHubApp } from './serve.js';
import { hubServerFixture, type HubServerFixture } from './testing/hub-server.js';
import { documentedRoutes, expectAnonymousRefused, expectMatrix } from './testing/matrix.js';
import { OPERATION_CASES } from './testing/matrix-cases/index.js';

const dialects = await testDialects();

describe.each(dialects)('$name: operations route × principal matrix', (dialect) => {
  let fx: HubServerFixture;

  beforeAll(async () => {
    fx = await hubServerFixture(dialect.name);
  });
  afterAll(async () => {
    await fx.close();
  });

  it('covers every route the hub adds to the access and catalogue routes', async () => {
    const accessOnly = await createHubApp(fx.hub, { operations: false });
    await accessOnly.ready();
    const base = new Set(documentedRoutes(accessOnly));
    await accessOnly.close();
    const added = documentedRoutes(fx.app).filter((r) => !base.has(r));
    const covered = OPERATION_CASES.map((c) => `${c.method} ${c.route}`);
    expect(new Set(covered).size).toBe(covered.length);
    expect(added.sort()).toEqual([...covered].sort());
    expect(added.length).toBeGreaterThan(0);
  });

  it('answers anonymous callers 401 on every operations route', async () => {
    await expectAnonymousRefused(fx.app, OPERATION_CASES, fx);
  });

  it('allows exactly the listed principals on every operations route, denies and audits the others', async () => {
    const deniedBefore = await countDenied();
    const denials = await expectMatrix(fx.app, OPERATION_CASES, fx, fx.tokens);
    expect(denials).toBeGreaterThan(0);
    expect((await countDenied()) - deniedBefore).toBe(denials);
  });

  async function countDenied(): Promise<number> {
    const rows = await fx.hub.db.db
      .selectFrom('audit_log')
      .select('id')
      .where('outcome', '=', 'denied')
      .execute();
    return rows.length;
  }
});
