/**
 * `hdh migrate sync`: the catch-up pass for the cut-over window. The source listing is merged with
 * the journal in key order: new objects are added, changed ones go back to pending, deleted ones
 * are removed from the destination; then the copy loop runs over what was found.
 * @module
 */
import { isHdhError } from '../core/index.js';
import { classifyBatch, type ClassifyContext } from './classify.js';
import { createClassMap } from './class-map.js';
import { INSERT_BATCH, type Journal, type MigrationRow, type ObjectRow } from './journal.js';
import { listSource } from './planner.js';
import { DEFAULT_RETRY, withRetry } from './retry.js';
import type { SourceEntry } from './source-entry.js';
import { UnitBuilder, DEFAULT_UNIT_LIMITS, type UnitLimits } from './units.js';
import type { MigrationDeps } from './types.js';
import { mergeByKey } from './verify.js';

export interface SyncFound {
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
  /** Objects still blocked (e.g. archived and not yet rehydrated). */
  readonly blocked: number;
}

function differs(row: ObjectRow, entry: SourceEntry): boolean {
  if (row.size !== entry.size) {
    return true;
  }
  if (row.etag !== null && entry.etag !== null) {
    return row.etag !== entry.etag;
  }
  return Date.parse(row.last_modified) !== entry.lastModified.getTime();
}

/** Finds what changed at the source since the journal last looked, and records it. */
export async function findChanges(
  deps: MigrationDeps,
  journal: Journal,
  migration: MigrationRow,
  signal?: AbortSignal,
): Promise<SyncFound> {
  const source = await deps.stores.open(migration.source_store);
  const dest = await deps.stores.open(migration.dest_store);
  const options = JSON.parse(migration.options) as {
    defaultClass?: string | null;
    defaultDataset?: string | null;
    classMap?: Record<string, unknown> | null;
    unitLimits?: UnitLimits;
  };
  const generation = migration.generation + 1;
  const classMap = options.classMap
    ? createClassMap(options.classMap, deps.classOrder, 'the class map of the plan')
    : undefined;
  const ctx: ClassifyContext = {
    db: journal.db,
    migration: migration.name,
    sourceStore: migration.source_store,
    sourcePrefix: migration.source_prefix,
    destPrefix: migration.dest_prefix,
    destCapabilities: dest.capabilities,
    classOrder: deps.classOrder,
    ...(classMap ? { classMap } : {}),
    ...(options.defaultClass ? { defaultClass: options.defaultClass } : {}),
    defaultDataset: options.defaultDataset ?? migration.name,
    sealer: deps.sealer,
    generation,
  };
  const units = new UnitBuilder(
    migration.name,
    options.unitLimits ?? DEFAULT_UNIT_LIMITS,
    migration.next_seq,
    migration.next_unit,
  );
  const found = { added: 0, changed: 0, deleted: 0, blocked: 0 };
  let added: SourceEntry[] = [];
  let changed: { row: ObjectRow; entry: SourceEntry }[] = [];
  const deleted: ObjectRow[] = [];

  const flush = async (last: boolean): Promise<void> => {
    const newRows = (await classifyBatch(ctx, added)).map((c) => units.place(c));
    added = [];
    const reclassified = await classifyBatch(
      ctx,
      changed.map((c) => c.entry),
    );
    const updates = changed.map((c, i) => {
      const fresh = reclassified[i]!;
      // A changed object joins a new unit of its phase; its old unit may long be done.
      const placed = units.place(fresh);
      return { seq: c.row.seq, fresh, unit: placed.unit };
    });
    changed = [];
    const closed = units.takeClosed(last);
    await journal.transaction(async (trx) => {
      await journal.insertObjects(newRows, trx);
      for (const u of updates) {
        await trx
          .updateTable('migration_objects')
          .set({
            size: u.fresh.size,
            etag: u.fresh.etag,
            md5: u.fresh.md5,
            last_modified: u.fresh.last_modified,
            archived: u.fresh.archived,
            dataset: u.fresh.dataset,
            class: u.fresh.class,
            phase: u.fresh.phase,
            unit: u.unit,
            state: u.fresh.state,
            generation,
            error_code: u.fresh.error_code,
            error_message: u.fresh.error_message,
            retryable: 0,
            upload_id: null,
            part_size: null,
            seal_header: null,
            plain_sha256: null,
            sealed_sha256: null,
            dest_etag: null,
            copied_at: null,
            verified_at: null,
          })
          .where('migration', '=', migration.name)
          .where('seq', '=', u.seq)
          .execute();
      }
      await journal.insertUnits(closed, trx);
      await journal.update(migration.name, { next_seq: units.nextSeq, next_unit: units.nextUnit }, trx);
    });
    for (const r of newRows) {
      if (r.state === 'blocked') {
        found.blocked++;
      }
    }
    for (const u of updates) {
      if (u.fresh.state === 'blocked') {
        found.blocked++;
      }
    }
  };

  for await (const pair of mergeByKey(
    journal.objectsByKey(migration.name, 'source_key'),
    (o: ObjectRow) => o.source_key,
    listSource(source, migration.source_prefix, signal),
    (e: SourceEntry) => e.key,
  )) {
    signal?.throwIfAborted();
    const row = pair.left;
    const entry = pair.right;
    if (row === undefined) {
      found.added++;
      added.push(entry!);
    } else if (entry === undefined) {
      if (row.state !== 'deleted') {
        found.deleted++;
        deleted.push(row);
      }
    } else if (
      row.state === 'deleted' ||
      differs(row, entry) ||
      (row.state === 'blocked' && row.archived === 1 && !entry.archived)
    ) {
      found.changed++;
      changed.push({ row, entry });
    }
    if (added.length + changed.length >= INSERT_BATCH) {
      await flush(false);
    }
  }
  await flush(true);

  // Deleted at the source: gone from the destination too, so the hub's view stays the source's.
  for (const row of deleted) {
    await withRetry(() => dest.delete(row.dest_key), DEFAULT_RETRY, signal ? { signal } : {}).catch(
      (err: unknown) => {
        if (!isHdhError(err, 'STORAGE_NOT_FOUND')) {
          throw err;
        }
      },
    );
    await journal.db
      .updateTable('migration_objects')
      .set({ state: 'deleted', generation, error_code: null, error_message: null, upload_id: null })
      .where('migration', '=', migration.name)
      .where('seq', '=', row.seq)
      .execute();
  }
  return found;
}
