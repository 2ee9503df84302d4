/**
 * Cutover and rollback: the hub's datasets and object records move from the source store to the
 * destination (and back) in one database transaction, so the hub reads one store or the other,
 * never a mix. Cutover requires a clean verify after the last copy and a sync after the last copy
 * that found nothing new.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { MigrationErrors } from './errors.js';
import type { Journal, MigrationRow } from './journal.js';
import type { MigrationDeps } from './types.js';

export interface CutoverResult {
  readonly migration: string;
  readonly datasets: readonly string[];
  /** Hub object records moved from the source store to the destination. */
  readonly recordsMoved: number;
  /** Hub object records created for objects the hub had no record of (a legacy source). */
  readonly recordsCreated: number;
  readonly at: string;
}

/** Why the migration may not be cut over (or decommissioned) now; empty when it may. */
export async function cleanliness(journal: Journal, m: MigrationRow): Promise<string[]> {
  const problems: string[] = [];
  if (m.last_verify_at === null) {
    problems.push('no verification has run');
  } else if (m.last_verify_clean !== 1) {
    problems.push('the last verification found problems');
  }
  if (m.last_copy_at !== null && m.last_verify_at !== null && m.last_copy_at > m.last_verify_at) {
    problems.push('objects were copied after the last verification');
  }
  if (m.last_sync_at === null) {
    problems.push('no sync has run');
  } else if ((m.last_sync_found ?? 0) > 0) {
    problems.push(`the last sync found ${m.last_sync_found} new, changed or deleted objects`);
  }
  if (m.last_copy_at !== null && m.last_sync_at !== null && m.last_copy_at > m.last_sync_at) {
    problems.push('objects were copied after the last sync');
  }
  const open = await journal.db
    .selectFrom('migration_objects')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('migration', '=', m.name)
    .where('state', 'in', ['pending', 'copying', 'failed', 'blocked', 'copied'])
    .groupBy('state')
    .execute();
  for (const o of open) {
    problems.push(`${o.n} objects are ${o.state}`);
  }
  return problems;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _char of text) {
    n++;
  }
  return n;
}

function rekey(column: string, fromPrefix: string, toPrefix: string) {
  // substr counts characters on both dialects, as does String.length for these prefixes.
  return sql<string>`${toPrefix} || substr(${sql.ref(column)}, ${codePoints(fromPrefix) + 1})`;
}

export async function cutover(
  deps: MigrationDeps,
  journal: Journal,
  m: MigrationRow,
): Promise<CutoverResult> {
  const now = deps.now ?? (() => new Date());
  if (m.state !== 'running' && m.state !== 'rolled-back') {
    throw MigrationErrors.MIGRATION_STATE(
      `migration "${m.name}" is ${m.state}; cutover needs a migration that has run`,
    );
  }
  const problems = await cleanliness(journal, m);
  if (problems.length > 0) {
    throw MigrationErrors.MIGRATION_NOT_CLEAN(
      `migration "${m.name}" cannot be cut over: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    );
  }
  const at = now().toISOString();
  const result = await journal.transaction(async (trx) => {
    const datasets = await datasetsOf(trx, m, m.source_store);
    if (datasets.length > 0) {
      await trx.updateTable('datasets').set({ store: m.dest_store }).where('name', 'in', datasets).execute();
    }
    const copiedKeys = trx
      .selectFrom('migration_objects')
      .select('source_key')
      .where('migration', '=', m.name)
      .where('state', '=', 'verified');
    await trx
      .updateTable('migration_objects')
      .set({ hub_record: 'moved' })
      .where('migration', '=', m.name)
      .where('state', '=', 'verified')
      .where('source_key', 'in', trx.selectFrom('objects').select('key').where('store', '=', m.source_store))
      .execute();
    const moved = await trx
      .updateTable('objects')
      .set({ store: m.dest_store, key: rekey('key', m.source_prefix, m.dest_prefix) })
      .where('store', '=', m.source_store)
      .where('key', 'in', copiedKeys)
      .executeTakeFirst();
    const created = await trx
      .insertInto('objects')
      .columns([
        'store',
        'key',
        'object_id',
        'dataset',
        'class',
        'sealed',
        'key_id',
        'plain_size',
        'plain_sha256',
        'sealed_size',
        'sealed_sha256',
        'created_at',
      ])
      .expression(
        trx
          .selectFrom('migration_objects')
          .select((eb) => [
            eb.val(m.dest_store).as('store'),
            'dest_key',
            'object_id',
            'dataset',
            'class',
            eb.lit(1).as('sealed'),
            'key_id',
            eb.fn.coalesce('plain_size', eb.lit(0)).as('plain_size'),
            eb.fn.coalesce('plain_sha256', eb.val('')).as('plain_sha256'),
            eb.fn.coalesce('sealed_size', eb.lit(0)).as('sealed_size'),
            eb.fn.coalesce('sealed_sha256', eb.val('')).as('sealed_sha256'),
            eb.val(at).as('created_at'),
          ])
          .where('migration', '=', m.name)
          .where('state', '=', 'verified')
          .where('hub_record', 'is', null),
      )
      .executeTakeFirst();
    await trx
      .updateTable('migration_objects')
      .set({ hub_record: 'inserted' })
      .where('migration', '=', m.name)
      .where('state', '=', 'verified')
      .where('hub_record', 'is', null)
      .execute();
    await journal.update(
      m.name,
      { state: 'cut-over', cutover_at: at, cutover: JSON.stringify({ datasets }) },
      trx,
    );
    await journal.addEvent(m.name, 'cutover', { datasets }, now(), trx);
    return {
      migration: m.name,
      datasets,
      recordsMoved: Number(moved.numUpdatedRows),
      recordsCreated: Number(created.numInsertedOrUpdatedRows ?? 0),
      at,
    };
  });
  await deps.audit.record({
    actor: deps.actor,
    action: 'migration.cutover',
    target: m.name,
    details: { from: m.source_store, to: m.dest_store, ...result },
  });
  return result;
}

/** Datasets held in `store` that have objects in this migration. */
async function datasetsOf(trx: Kysely<Database>, m: MigrationRow, store: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('datasets')
    .select('name')
    .where('store', '=', store)
    .where(
      'name',
      'in',
      trx.selectFrom('migration_objects').select('dataset').distinct().where('migration', '=', m.name),
    )
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

export async function rollback(
  deps: MigrationDeps,
  journal: Journal,
  m: MigrationRow,
): Promise<CutoverResult> {
  const now = deps.now ?? (() => new Date());
  if (m.state !== 'cut-over') {
    throw MigrationErrors.MIGRATION_STATE(
      m.state === 'decommissioned'
        ? `migration "${m.name}" is decommissioned: its source objects are deleted, there is nothing to roll back to`
        : `migration "${m.name}" is ${m.state}; only a cut-over migration can be rolled back`,
    );
  }
  const at = now().toISOString();
  const recorded = JSON.parse(m.cutover ?? '{}') as { datasets?: string[] };
  const result = await journal.transaction(async (trx) => {
    const datasets = recorded.datasets ?? [];
    if (datasets.length > 0) {
      await trx
        .updateTable('datasets')
        .set({ store: m.source_store })
        .where('name', 'in', datasets)
        .where('store', '=', m.dest_store)
        .execute();
    }
    const keysOf = (kind: string) =>
      trx
        .selectFrom('migration_objects')
        .select('dest_key')
        .where('migration', '=', m.name)
        .where('hub_record', '=', kind);
    const moved = await trx
      .updateTable('objects')
      .set({ store: m.source_store, key: rekey('key', m.dest_prefix, m.source_prefix) })
      .where('store', '=', m.dest_store)
      .where('key', 'in', keysOf('moved'))
      .executeTakeFirst();
    const removed = await trx
      .deleteFrom('objects')
      .where('store', '=', m.dest_store)
      .where('key', 'in', keysOf('inserted'))
      .executeTakeFirst();
    await trx
      .updateTable('migration_objects')
      .set({ hub_record: null })
      .where('migration', '=', m.name)
      .execute();
    await journal.update(m.name, { state: 'rolled-back', rollback_at: at }, trx);
    await journal.addEvent(m.name, 'rollback', { datasets }, now(), trx);
    return {
      migration: m.name,
      datasets,
      recordsMoved: Number(moved.numUpdatedRows),
      recordsCreated: -Number(removed.numDeletedRows),
      at,
    };
  });
  await deps.audit.record({
    actor: deps.actor,
    action: 'migration.rollback',
    target: m.name,
    details: { from: m.dest_store, to: m.source_store, ...result },
  });
  return result;
}
