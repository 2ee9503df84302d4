/**
 * The way of small objects from one fs store to another through the worker threads of fs-pool.ts:
 * which objects take it, and how a batch's results become the journal's outcomes. Objects it
 * cannot copy as the main thread would (see fs-batch.ts) come back to be copied there.
 * @module
 */
import { FsStore } from '../storage/index.js';
import type { CopierContext } from './copier.js';
import type { FsBatchItem, FsBatchKey } from './fs-batch.js';
import type { FsCopyPool } from './fs-pool.js';
import type { ObjectOutcome, ObjectRow } from './journal.js';

export interface FsRoute {
  readonly ctx: CopierContext;
  readonly pool: FsCopyPool;
  readonly source: FsStore;
  readonly dest: FsStore;
  readonly sealingKey: NonNullable<CopierContext['sealer']['sealingKey']>;
}

/** Objects per batch, and plaintext bytes: a batch is the unit of hand-off and of folder fsyncs. */
export const FS_BATCH_OBJECTS = 64;
export const FS_BATCH_BYTES = 16 * 1024 ** 2;

/** The route of `ctx`'s stores, when both are fs stores and the sealer can seal in a thread. */
export function fsRouteOf(ctx: CopierContext, pool: FsCopyPool | undefined): FsRoute | undefined {
  const sealingKey = ctx.sealer.sealingKey?.bind(ctx.sealer);
  if (
    pool === undefined ||
    sealingKey === undefined ||
    !(ctx.source instanceof FsStore) ||
    !(ctx.dest instanceof FsStore)
  ) {
    return undefined;
  }
  return { ctx, pool, source: ctx.source, dest: ctx.dest, sealingKey };
}

/**
 * Whether `row` is copied in a batch: a small object on its first attempt. An object that may have
 * been written before (`adoptAfter`) or is in parts keeps the main thread's path, which adopts and
 * resumes.
 */
export function batchable(route: FsRoute, row: ObjectRow, adoptAfter: Date | undefined): boolean {
  const identity = { objectId: row.object_id, dataset: row.dataset, dataClass: row.class };
  return (
    adoptAfter === undefined &&
    row.upload_id === null &&
    route.ctx.sealer.sealedSize(row.size, identity) <= route.ctx.smallObjectBytes
  );
}

/** `rows` cut into batches of at most `maxObjects` objects and about {@link FS_BATCH_BYTES}. */
export function batchesOf(rows: readonly ObjectRow[], maxObjects = FS_BATCH_OBJECTS): ObjectRow[][] {
  const batches: ObjectRow[][] = [];
  let current: ObjectRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && (current.length >= maxObjects || bytes + row.size > FS_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.size;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

export interface BatchOutcome {
  /** Objects written and durable, with their outcome to journal. */
  readonly done: readonly (readonly [ObjectRow, ObjectOutcome])[];
  /** Objects to copy on the main thread's path. */
  readonly again: readonly ObjectRow[];
}

/**
 * Copies `rows` in a worker thread. Throws only when the run is stopped before the batch was handed
 * off (the objects stay as the journal has them).
 */
export async function copyFsBatch(route: FsRoute, rows: readonly ObjectRow[]): Promise<BatchOutcome> {
  const { ctx } = route;
  await ctx.limiter.take(
    rows.reduce((n, r) => n + r.size, 0),
    ctx.signal,
  );
  ctx.signal.throwIfAborted();
  let keys: FsBatchKey[];
  try {
    const datasets = [...new Set(rows.map((r) => r.dataset))];
    keys = await Promise.all(
      datasets.map(async (dataset) => ({
        dataset,
        ...(await route.sealingKey(dataset, { signal: ctx.signal })),
      })),
    );
    await route.dest.prepareWrites();
  } catch {
    // The main thread's path meets the same failure and reports it with its code.
    return { done: [], again: rows };
  }
  const items: FsBatchItem[] = rows.map((r) => ({
    seq: r.seq,
    sourceKey: r.source_key,
    destKey: r.dest_key,
    size: r.size,
    etag: r.etag,
    lastModified: r.last_modified,
    md5: r.md5,
    objectId: r.object_id,
    dataset: r.dataset,
    dataClass: r.class,
  }));
  let results;
  try {
    results = await route.pool.run({ source: route.source.address, dest: route.dest.address, keys, items });
  } catch {
    return { done: [], again: rows };
  }
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const done: (readonly [ObjectRow, ObjectOutcome])[] = [];
  const again: ObjectRow[] = [];
  const at = ctx.now().toISOString();
  for (const r of results) {
    const row = bySeq.get(r.seq)!;
    if (r.kind === 'again') {
      again.push(row);
      continue;
    }
    ctx.onRead(r.read);
    ctx.onSent(r.sealedSize);
    done.push([
      row,
      {
        seq: r.seq,
        kind: 'copied',
        sourceSealed: r.sourceSealed,
        ...(r.objectId !== undefined ? { objectId: r.objectId } : {}),
        keyId: r.keyId,
        plainSize: r.plainSize,
        plainSha256: r.plainSha256,
        sealedSize: r.sealedSize,
        sealedSha256: r.sealedSha256,
        destEtag: r.destEtag,
        retries: 0,
        at,
      },
    ]);
  }
  return { done, again };
}
