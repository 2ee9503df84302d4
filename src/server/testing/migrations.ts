/**
 * Small migrations for the tests of `/api/migrations`: a few objects written raw into the hub's fs
 * store (as a legacy system would have left them) and a migration to another prefix of the same
 * store, brought to a chosen stage through the migration service (not through the routes).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createClassMap } from '../../migration/index.js';
import { HubMigrations } from '../../hub/index.js';
import { DATA_CLASSES } from '../../sovereignty/index.js';
import type { HubServerFixture } from './hub-server.js';

export type MigrationStage = 'source' | 'planned' | 'verified' | 'cut-over' | 'decommissioned';

export const MIGRATION_CLASS = 'pseudonymised-health';

/** The source and destination prefixes of migration `name` in the fixture's `local` store. */
export const sourcePrefix = (name: string): string => `legacy-${name}/`;
export const destinationPrefix = (name: string): string => `moved-${name}/`;

export function migrationsOf(fx: HubServerFixture): HubMigrations {
  return new HubMigrations(fx.hub, fx.access.authorizer);
}

/** The plan request of `name` (as the API's body takes it). */
export function planBody(name: string): Record<string, unknown> {
  return {
    name,
    from: { store: 'local', prefix: sourcePrefix(name) },
    to: { store: 'local', prefix: destinationPrefix(name) },
    classMap: { [sourcePrefix(name)]: { class: MIGRATION_CLASS, dataset: `ds-${name}`.toLowerCase() } },
  };
}

/** Writes `objects` small objects under the source prefix of `name`. */
export async function seedSource(fx: HubServerFixture, name: string, objects = 3): Promise<void> {
  const store = await fx.hub.stores.backend('local');
  for (let i = 0; i < objects; i++) {
    await store.put(`${sourcePrefix(name)}f${i}.bin`, randomBytes(200 + i * 300));
  }
}

/** A migration `name` at `stage`, through the service as the CLI operator. */
export async function prepareMigration(
  fx: HubServerFixture,
  name: string,
  stage: MigrationStage,
): Promise<void> {
  await seedSource(fx, name);
  if (stage === 'source') {
    return;
  }
  const migrations = migrationsOf(fx);
  const op = fx.operator;
  const body = planBody(name) as { classMap: Record<string, unknown> };
  await migrations.plan(op, {
    name,
    from: { store: 'local', prefix: sourcePrefix(name) },
    to: { store: 'local', prefix: destinationPrefix(name) },
    classMap: createClassMap(body.classMap, DATA_CLASSES),
  });
  if (stage === 'planned') {
    return;
  }
  await migrations.run(op, name);
  await migrations.sync(op, name);
  await migrations.verify(op, name);
  if (stage === 'verified') {
    return;
  }
  await migrations.cutover(op, name);
  if (stage === 'cut-over') {
    return;
  }
  await migrations.decommission(op, name, { confirm: name });
}
