/**
 * `hdh migrate plan`: streams the source listing (or an Azure Blob Inventory export) into the
 * journal in batches, classifies every object, asks the sovereignty guard about every class,
 * orders phases from the least to the most sensitive class, and reports what the copy will be.
 * Memory stays flat: one batch of entries and one open unit per phase at a time.
 * @module
 */
import { MigrationErrors } from './errors.js';
import { classifyBatch, type ClassifyContext } from './classify.js';
import type { ClassMap } from './class-map.js';
import {
  countSize,
  emptySizeClasses,
  estimate,
  type Estimate,
  type EstimateParams,
  type SizeClassCount,
} from './estimate.js';
import { readInventory } from './inventory.js';
import type { Journal, NewObject } from './journal.js';
import { normaliseEtag, md5Hex, type SourceEntry } from './source-entry.js';
import { DEFAULT_UNIT_LIMITS, UnitBuilder, type UnitLimits } from './units.js';
import type { MigrationDeps } from './types.js';
import type { ObjectStore } from '../storage/index.js';

export interface StorePrefix {
  readonly store: string;
  readonly prefix: string;
}

export interface PlanRequest {
  readonly name: string;
  readonly from: StorePrefix;
  readonly to: StorePrefix;
  /** An Azure Blob Inventory export (CSV or Parquet) read instead of listing the source. */
  readonly inventory?: string;
  readonly classMap?: ClassMap;
  readonly defaultClass?: string;
  readonly defaultDataset?: string;
  readonly estimate?: Partial<EstimateParams>;
  readonly unitLimits?: UnitLimits;
  readonly signal?: AbortSignal;
}

export interface PhaseSummary {
  readonly phase: number;
  readonly class: string;
  objects: number;
  bytes: number;
  units: number;
}

export interface BlockedSummary {
  readonly code: string;
  objects: number;
  bytes: number;
  /** Up to ten keys, as examples. */
  readonly examples: string[];
}

export interface PlanReport {
  readonly name: string;
  readonly state: 'planned' | 'refused';
  readonly source: StorePrefix & {
    readonly provider: string;
    readonly legacy: boolean;
    readonly listedFrom: string;
  };
  readonly destination: StorePrefix & { readonly provider: string };
  readonly objects: number;
  readonly bytes: number;
  /** Objects the copy will move (not blocked). */
  readonly toCopy: { readonly objects: number; readonly bytes: number };
  readonly sizeClasses: SizeClassCount[];
  readonly phases: PhaseSummary[];
  readonly blocked: BlockedSummary[];
  readonly refused: {
    readonly class: string;
    readonly objects: number;
    readonly reasons: readonly string[];
  }[];
  readonly estimate: Estimate;
  readonly plannedAt: string;
}

/** Entries of a store listing, in the store's key order. */
export async function* listSource(
  store: ObjectStore,
  prefix: string,
  signal?: AbortSignal,
): AsyncIterable<SourceEntry> {
  for await (const info of store.list(prefix, signal ? { signal } : {})) {
    yield {
      key: info.key,
      size: info.size,
      lastModified: info.lastModified,
      etag: normaliseEtag(info.etag),
      md5: md5Hex(info.md5),
      archived: info.archived === true,
    };
  }
}

export async function plan(deps: MigrationDeps, journal: Journal, request: PlanRequest): Promise<PlanReport> {
  const now = deps.now ?? (() => new Date());
  const sourceInfo = deps.stores.describe(request.from.store);
  const destInfo = deps.stores.describe(request.to.store);
  if (request.from.store === request.to.store && overlaps(request.from.prefix, request.to.prefix)) {
    throw MigrationErrors.MIGRATION_STATE(
      `source ${request.from.store}:${request.from.prefix} and destination ${request.to.store}:${request.to.prefix} overlap`,
    );
  }
  if (destInfo.legacy) {
    throw MigrationErrors.MIGRATION_STATE(
      `destination store ${destInfo.name} is a legacy store: the hub never writes to it`,
    );
  }
  if (request.defaultClass !== undefined && !deps.classOrder.includes(request.defaultClass)) {
    throw MigrationErrors.MIGRATION_CLASS_UNKNOWN(
      `--default-class ${request.defaultClass} is not a data class (${deps.classOrder.join(', ')})`,
    );
  }
  const existing = await journal.find(request.name);
  if (existing !== undefined) {
    const copied = await journal.db
      .selectFrom('migration_objects')
      .select('seq')
      .where('migration', '=', request.name)
      .where('state', 'in', ['copying', 'copied', 'verified'])
      .limit(1)
      .executeTakeFirst();
    if (copied !== undefined || !['planning', 'planned', 'refused'].includes(existing.state)) {
      throw MigrationErrors.MIGRATION_EXISTS(
        `migration "${request.name}" has already copied objects (state ${existing.state}); use \`hdh migrate sync ${request.name}\``,
      );
    }
  }
  const source = await deps.stores.open(request.from.store);
  const dest = await deps.stores.open(request.to.store);
  const startedAt = now();
  const options = {
    inventory: request.inventory ?? null,
    defaultClass: request.defaultClass ?? null,
    defaultDataset: request.defaultDataset ?? null,
    classMap: request.classMap?.entries ?? null,
    estimate: { ...request.estimate },
    unitLimits: request.unitLimits ?? DEFAULT_UNIT_LIMITS,
  };
  await journal.transaction(async (trx) => {
    await journal.purge(request.name, trx);
    await trx.deleteFrom('migrations').where('name', '=', request.name).execute();
    await trx
      .insertInto('migrations')
      .values({
        name: request.name,
        source_store: request.from.store,
        source_prefix: request.from.prefix,
        dest_store: request.to.store,
        dest_prefix: request.to.prefix,
        state: 'planning',
        options: JSON.stringify(options),
        plan: null,
        generation: 1,
        next_seq: 1,
        next_unit: 1,
        created_at: existing?.created_at ?? startedAt.toISOString(),
        planned_at: null,
        last_copy_at: null,
        last_sync_at: null,
        last_sync_found: null,
        last_verify_at: null,
        last_verify_clean: null,
        last_verify: null,
        cutover_at: null,
        cutover: null,
        rollback_at: null,
        decommissioned_at: null,
        certificate: null,
      })
      .execute();
  });

  const ctx: ClassifyContext = {
    db: journal.db,
    migration: request.name,
    sourceStore: request.from.store,
    sourcePrefix: request.from.prefix,
    destPrefix: request.to.prefix,
    destCapabilities: dest.capabilities,
    classOrder: deps.classOrder,
    ...(request.classMap ? { classMap: request.classMap } : {}),
    ...(request.defaultClass ? { defaultClass: request.defaultClass } : {}),
    defaultDataset: request.defaultDataset ?? request.name,
    sealer: deps.sealer,
    generation: 1,
  };
  const entries = request.inventory
    ? readInventory(request.inventory, { prefix: request.from.prefix })
    : listSource(source, request.from.prefix, request.signal);
  const totals = await ingestEntries(
    journal,
    ctx,
    entries,
    new UnitBuilder(request.name, options.unitLimits, 1, 1),
    request.signal,
  );

  // The sovereignty guard decides per class, before a byte is copied: every class of the plan,
  // blocked objects' included, since they are meant to move too.
  const refused: PlanReport['refused'] = [];
  const classes = [...totals.classes].sort(
    (a, b) => deps.classOrder.indexOf(a[0]) - deps.classOrder.indexOf(b[0]),
  );
  for (const [dataClass, objects] of classes) {
    const decision = deps.guard(request.to.store, dataClass);
    if (!decision.allowed) {
      refused.push({ class: dataClass, objects, reasons: decision.reasons });
    }
  }
  const unclassified = totals.blocked.find((b) => b.code === 'MIGRATION_CLASS_UNKNOWN');
  const state = refused.length > 0 || unclassified !== undefined ? 'refused' : 'planned';
  const copyObjects = totals.phases.reduce((n, p) => n + p.objects, 0);
  const copyBytes = totals.phases.reduce((n, p) => n + p.bytes, 0);
  const report: PlanReport = {
    name: request.name,
    state,
    source: {
      ...request.from,
      provider: sourceInfo.provider,
      legacy: sourceInfo.legacy,
      listedFrom: request.inventory ? `inventory ${request.inventory}` : 'listing',
    },
    destination: { ...request.to, provider: destInfo.provider },
    objects: totals.objects,
    bytes: totals.bytes,
    toCopy: { objects: copyObjects, bytes: copyBytes },
    sizeClasses: totals.sizeClasses,
    phases: totals.phases,
    blocked: totals.blocked,
    refused,
    estimate: estimate(copyObjects, copyBytes, {
      pricePerGb: request.estimate?.pricePerGb ?? 0,
      bytesPerSecond: request.estimate?.bytesPerSecond ?? 100 * 1024 ** 2,
      objectsPerSecond: request.estimate?.objectsPerSecond ?? 300,
    }),
    plannedAt: now().toISOString(),
  };
  await journal.transaction(async (trx) => {
    await journal.update(
      request.name,
      {
        state,
        plan: JSON.stringify(report),
        planned_at: report.plannedAt,
        next_seq: totals.nextSeq,
        next_unit: totals.nextUnit,
      },
      trx,
    );
    await journal.addEvent(
      request.name,
      'plan',
      { state, objects: totals.objects, bytes: totals.bytes },
      now(),
      trx,
    );
  });
  await deps.audit.record({
    actor: deps.actor,
    action: 'migration.plan',
    target: request.name,
    outcome: state === 'planned' ? 'success' : 'denied',
    details: {
      from: `${request.from.store}:${request.from.prefix}`,
      to: `${request.to.store}:${request.to.prefix}`,
      objects: totals.objects,
      bytes: totals.bytes,
      refused: refused.map((r) => r.class),
      unclassified: unclassified?.objects ?? 0,
    },
  });
  return report;
}

function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/** Entries per journal transaction while planning: few commits, a bounded batch in memory. */
const TRANSACTION_BATCH = 500;

export interface IngestTotals {
  objects: number;
  bytes: number;
  sizeClasses: SizeClassCount[];
  phases: PhaseSummary[];
  blocked: BlockedSummary[];
  /** Objects per data class (blocked ones included; unclassified ones not). */
  classes: Map<string, number>;
  nextSeq: number;
  nextUnit: number;
}

/** Streams entries into the journal in batches; returns what it counted. */
export async function ingestEntries(
  journal: Journal,
  ctx: ClassifyContext,
  entries: AsyncIterable<SourceEntry>,
  units: UnitBuilder,
  signal?: AbortSignal,
): Promise<IngestTotals> {
  const totals: IngestTotals = {
    objects: 0,
    bytes: 0,
    sizeClasses: emptySizeClasses(),
    phases: [],
    blocked: [],
    classes: new Map(),
    nextSeq: units.nextSeq,
    nextUnit: units.nextUnit,
  };
  const phaseOf = new Map<number, PhaseSummary>();
  const blockedOf = new Map<string, BlockedSummary>();
  let batch: SourceEntry[] = [];
  const flush = async (last: boolean): Promise<void> => {
    const classified = await classifyBatch(ctx, batch);
    batch = [];
    const rows: NewObject[] = [];
    for (const c of classified) {
      const row = units.place(c);
      rows.push(row);
      totals.objects++;
      totals.bytes += row.size;
      countSize(totals.sizeClasses, row.size);
      if (row.class !== '' && row.error_code !== 'MIGRATION_CLASS_UNKNOWN') {
        totals.classes.set(row.class, (totals.classes.get(row.class) ?? 0) + 1);
      }
      if (row.state === 'blocked') {
        const code = row.error_code!;
        let b = blockedOf.get(code);
        if (b === undefined) {
          b = { code, objects: 0, bytes: 0, examples: [] };
          blockedOf.set(code, b);
        }
        b.objects++;
        b.bytes += row.size;
        if (b.examples.length < 10) {
          b.examples.push(row.source_key);
        }
      } else {
        let p = phaseOf.get(row.phase);
        if (p === undefined) {
          p = { phase: row.phase, class: row.class, objects: 0, bytes: 0, units: 0 };
          phaseOf.set(row.phase, p);
        }
        p.objects++;
        p.bytes += row.size;
      }
    }
    const closed = units.takeClosed(last);
    for (const u of closed) {
      phaseOf.get(u.phase)!.units++;
    }
    // Objects and the units that close over them land together: a unit is never leasable before
    // its objects are in the journal.
    await journal.transaction(async (trx) => {
      await journal.insertObjects(rows, trx);
      await journal.insertUnits(closed, trx);
      await journal.update(ctx.migration, { next_seq: units.nextSeq, next_unit: units.nextUnit }, trx);
    });
  };
  for await (const entry of entries) {
    signal?.throwIfAborted();
    batch.push(entry);
    if (batch.length >= TRANSACTION_BATCH) {
      await flush(false);
    }
  }
  await flush(true);
  totals.phases = [...phaseOf.values()].sort((a, b) => a.phase - b.phase);
  totals.blocked = [...blockedOf.values()].sort((a, b) => a.code.localeCompare(b.code));
  totals.nextSeq = units.nextSeq;
  totals.nextUnit = units.nextUnit;
  return totals;
}
