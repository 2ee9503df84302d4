/**
 * Matrix cases of `/api/migrations`: operators drive migrations, auditors (people or service
 * accounts) read them. A case that changes a migration gets one of its own, made once per hub and
 * brought to the stage the route needs: only the operator acts on it, everyone else is refused
 * before anything changes.
 * @module
 */
import type { HubServerFixture } from '../hub-server.js';
import { each, type Fx } from '../matrix.js';
import { planBody, prepareMigration, type MigrationStage } from '../migrations.js';
import type { OperationCase } from './index.js';

const made = new WeakMap<HubServerFixture, Map<string, Promise<void>>>();

/** Migration `name` at `stage`, made the first time a case of this hub asks for it. */
function migration(name: string, stage: MigrationStage): (fx: HubServerFixture) => Promise<Fx> {
  return async (fx) => {
    let byName = made.get(fx);
    if (byName === undefined) {
      byName = new Map();
      made.set(fx, byName);
    }
    let ready = byName.get(name);
    if (ready === undefined) {
      ready = prepareMigration(fx, name, stage);
      byName.set(name, ready);
    }
    await ready;
    return { name };
  };
}

const readers = each(['operator', 'auditor', 'service:auditor'], 200);
const done = migration('mx-done', 'decommissioned');
const path =
  (suffix = '') =>
  (fx: Fx) =>
    `/api/migrations/${fx['name']!}${suffix}`;

export const MIGRATION_CASES: readonly OperationCase[] = [
  { method: 'GET', route: '/api/migrations', url: () => '/api/migrations', allow: readers },
  {
    method: 'POST',
    route: '/api/migrations',
    url: () => '/api/migrations',
    prepare: migration('mx-plan', 'source'),
    body: (fx) => planBody(fx['name']!),
    allow: { operator: 201 },
  },
  { method: 'GET', route: '/api/migrations/:name', url: path(), prepare: done, allow: readers },
  {
    method: 'GET',
    route: '/api/migrations/:name/report',
    url: path('/report?format=json'),
    prepare: done,
    allow: readers,
  },
  {
    method: 'GET',
    route: '/api/migrations/:name/certificate',
    url: path('/certificate'),
    prepare: done,
    allow: readers,
  },
  ...(['run', 'sync', 'verify'] as const).map((step): OperationCase => ({
    method: 'POST',
    route: `/api/migrations/:name/${step}`,
    url: path(`/${step}`),
    prepare: migration(`mx-${step}`, 'planned'),
    body: () => ({}),
    allow: { operator: 202 },
  })),
  {
    method: 'POST',
    route: '/api/migrations/:name/cutover',
    url: path('/cutover'),
    prepare: migration('mx-cutover', 'verified'),
    allow: { operator: 200 },
  },
  {
    method: 'POST',
    route: '/api/migrations/:name/rollback',
    url: path('/rollback'),
    prepare: migration('mx-rollback', 'cut-over'),
    allow: { operator: 200 },
  },
  {
    method: 'POST',
    route: '/api/migrations/:name/decommission',
    url: path('/decommission'),
    prepare: migration('mx-decommission', 'cut-over'),
    body: (fx) => ({ confirm: fx['name'] }),
    allow: { operator: 200 },
  },
];
