/**
 * The copy loop shared by `hdh migrate run` and `hdh worker`: lease a unit of work, copy its
 * objects through a pool whose size AIMD tunes, record outcomes in batches, release the unit; until
 * no unit is left, a limit is reached or the run is stopped. Leases are renewed while held; a lease
 * held by a process that died on this machine is taken over at once, any other after it expires.
 * @module
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreErrors, isHdhError, newId, toHdhError } from '../core/index.js';
import type { ObjectStore } from '../storage/index.js';
import { copyObject, type CopierContext } from './copier.js';
import { FsCopyPool } from './fs-pool.js';
import { FS_BATCH_OBJECTS, batchable, batchesOf, copyFsBatch, fsRouteOf, type FsRoute } from './fs-route.js';
import { MigrationErrors } from './errors.js';
import type { Journal, MigrationRow, ObjectOutcome, ObjectRow, UnitRow } from './journal.js';
import { PREFERRED_PART_BYTES } from './part-size.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { AimdController, RateLimiter, Semaphore } from './throttle.js';
import type { MigrationDeps } from './types.js';

export interface RunOptions {
  /** Only this phase (index in the class order). */
  readonly phase?: number;
  /** Most objects copied at once (default 64); AIMD tunes between 1 and this, starting at 16. */
  readonly workers?: number;
  /** Objects copied at once when the run starts (default 16); AIMD moves it from there. */
  readonly initialWorkers?: number;
  /** Bytes per second read from the source, all transfers together (0 = unlimited). */
  readonly bwlimit?: number;
  /** Stop starting new objects once this many bytes were read. */
  readonly maxTransfer?: number;
  /** Stop after this many milliseconds; objects in flight are left to resume. */
  readonly maxDuration?: number;
  readonly signal?: AbortSignal;
  /** Lease length; renewed every third of it. */
  readonly leaseMs?: number;
  /** Keep waiting for work when there is none (a worker), instead of returning. */
  readonly follow?: boolean;
  /** Poll interval while waiting for work held by others. */
  readonly pollMs?: number;
  readonly retry?: RetryPolicy;
  readonly smallObjectBytes?: number;
  readonly partBytes?: number;
  /**
   * Objects larger than this (sealed) go in resumable parts; smaller ones in one request, which
   * costs fewer requests and, after a crash, resends at most this much (default 200 MiB, as rclone’s S3 upload cutoff).
   */
  readonly multipartBytes?: number;
  readonly onProgress?: (progress: RunProgress) => void;
  readonly progressMs?: number;
  /**
   * Worker threads copying small objects between two fs stores (default: the cores); 0 copies them
   * on the main thread like every other object.
   */
  readonly fsThreads?: number;
}

export interface RunProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Bytes per second over the last interval. */
  readonly rate: number;
  /** Seconds left at the current rate, when known. */
  readonly etaSeconds: number | undefined;
  readonly failed: number;
  readonly retries: number;
  readonly concurrency: number;
  readonly elapsedMs: number;
}

export type StopReason = 'completed' | 'max-transfer' | 'max-duration' | 'stopped';

export interface RunResult {
  readonly owner: string;
  readonly copied: number;
  readonly failed: number;
  /** Objects found changed at the source during their copy (copied again). */
  readonly changed: number;
  readonly bytesRead: number;
  /** Bytes sent to the destination, parts resent after a crash included. */
  readonly bytesSent: number;
  readonly retries: number;
  readonly throttles: number;
  /** Of `copied`, the objects the fs threads copied (small objects between two fs stores). */
  readonly threadCopied: number;
  readonly units: number;
  readonly elapsedMs: number;
  readonly stoppedBy: StopReason;
}

/** Owner id of this process's leases: host and pid let a restarted process reclaim a dead one's units. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${newId().slice(-6)}`;
}

function deadLocalOwners(owners: readonly string[]): string[] {
  const host = hostname();
  return owners.filter((o) => {
    const [h, pid] = o.split(':');
    if (h !== host || pid === undefined) {
      return false;
    }
    const n = Number(pid);
    if (n === process.pid) {
      return false;
    }
    try {
      process.kill(n, 0);
      return false;
    } catch (err) {
      return (err as { code?: string }).code === 'ESRCH';
    }
  });
}

const MAX_CHANGED_ROUNDS = 3;

/**
 * Copies the pending objects of the given migrations until done. The migrations must be in a
 * state that allows copying (the engine checks before calling).
 */
export async function runCopies(
  deps: MigrationDeps,
  journal: Journal,
  migrations: readonly MigrationRow[],
  options: RunOptions = {},
): Promise<RunResult> {
  const now = deps.now ?? (() => new Date());
  const owner = leaseOwner();
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1000;
  const maxWorkers = Math.max(1, options.workers ?? 64);
  const started = performance.now();
  const stop = new AbortController();
  let stoppedBy: StopReason = 'completed';
  const halt = (reason: StopReason): void => {
    if (stoppedBy === 'completed') {
      stoppedBy = reason;
    }
    stop.abort(CoreErrors.OPERATION_ABORTED(`run stopped: ${reason}`));
  };
  const onSignal = (): void => halt('stopped');
  options.signal?.addEventListener('abort', onSignal, { once: true });
  if (options.signal?.aborted) {
    halt('stopped');
  }
  const deadline =
    options.maxDuration !== undefined
      ? setTimeout(() => halt('max-duration'), options.maxDuration)
      : undefined;
  deadline?.unref();

  const slots = new Semaphore(maxWorkers);
  const aimd = new AimdController(slots, {
    initial: Math.min(maxWorkers, options.initialWorkers ?? 16),
    min: 1,
    max: maxWorkers,
    intervalMs: 500,
    growth: 0.05,
  });
  aimd.start();
  const limiter = new RateLimiter(options.bwlimit ?? 0);
  const fsThreads = options.fsThreads ?? availableParallelism();
  // Threads start with the first batch of a unit between fs stores, and stop with the run.
  const pool = fsThreads > 0 ? new FsCopyPool(fsThreads) : undefined;
  const stats = {
    copied: 0,
    failed: 0,
    changed: 0,
    bytesRead: 0,
    bytesSent: 0,
    retries: 0,
    threadCopied: 0,
    units: 0,
  };
  let transferCut = false;
  /** Plaintext bytes of the batches in the worker threads, not yet counted as read. */
  let batchBytes = 0;
  const transferBudget = (): number =>
    options.maxTransfer === undefined
      ? Number.POSITIVE_INFINITY
      : options.maxTransfer - stats.bytesRead - batchBytes;

  const stores = new Map<string, Promise<ObjectStore>>();
  const storeOf = (name: string): Promise<ObjectStore> => {
    let s = stores.get(name);
    if (s === undefined) {
      s = Promise.resolve(deps.stores.open(name));
      stores.set(name, s);
    }
    return s;
  };
  const byName = new Map(migrations.map((m) => [m.name, m]));

  // Progress: totals of the work left when the run starts.
  let objectsTotal = 0;
  let bytesTotal = 0;
  for (const m of migrations) {
    const tally = await journal.tally(m.name);
    for (const t of tally) {
      if (options.phase !== undefined && t.phase !== options.phase) {
        continue;
      }
      if (t.state === 'pending' || t.state === 'copying' || t.state === 'failed') {
        objectsTotal += t.objects;
        bytesTotal += t.bytes;
      }
    }
  }
  let lastBytes = 0;
  let lastAt = performance.now();
  let rate = 0;
  const progress = (): RunProgress => ({
    objectsDone: stats.copied,
    objectsTotal,
    bytesDone: stats.bytesRead,
    bytesTotal,
    rate,
    etaSeconds: rate > 0 ? Math.max(0, (bytesTotal - stats.bytesRead) / rate) : undefined,
    failed: stats.failed,
    retries: stats.retries,
    concurrency: slots.limit,
    elapsedMs: performance.now() - started,
  });
  const ticker = setInterval(() => {
    const t = performance.now();
    rate = ((stats.bytesRead - lastBytes) / (t - lastAt)) * 1000;
    lastBytes = stats.bytesRead;
    lastAt = t;
    options.onProgress?.(progress());
  }, options.progressMs ?? 1000);
  ticker.unref();

  // Lease renewal for every unit held.
  const held = new Map<string, { migration: string; unit: number; abort: AbortController }>();
  const renewer = setInterval(() => {
    const units = [...held.values()];
    if (units.length === 0) {
      return;
    }
    journal
      .renewLeases(owner, units, now(), leaseMs)
      .then((lost) => {
        for (const l of lost) {
          held
            .get(`${l.migration}/${l.unit}`)
            ?.abort.abort(
              MigrationErrors.MIGRATION_LEASE_LOST(
                `unit ${l.unit} of ${l.migration} was taken over by another worker`,
              ),
            );
        }
      })
      .catch(() => undefined);
  }, leaseMs / 3);
  renewer.unref();

  const copierFor = async (m: MigrationRow, signal: AbortSignal): Promise<CopierContext> => ({
    migration: m.name,
    source: await storeOf(m.source_store),
    dest: await storeOf(m.dest_store),
    sealer: deps.sealer,
    journal,
    limiter,
    retry: options.retry ?? DEFAULT_RETRY,
    signal,
    smallObjectBytes: options.smallObjectBytes ?? 4 * 1024 ** 2,
    partBytes: options.partBytes ?? PREFERRED_PART_BYTES,
    multipartBytes: options.multipartBytes ?? 200 * 1024 ** 2,
    now,
    onRead: (n) => {
      stats.bytesRead += n;
      aimd.addBytes(n);
      if (options.maxTransfer !== undefined && stats.bytesRead >= options.maxTransfer && !transferCut) {
        transferCut = true;
        if (stoppedBy === 'completed') {
          stoppedBy = 'max-transfer';
        }
      }
    },
    onSent: (n) => {
      stats.bytesSent += n;
    },
    onRetry: (_err, throttled) => {
      stats.retries++;
      if (throttled) {
        aimd.throttled();
      }
    },
  });

  const processUnit = async (unit: UnitRow): Promise<void> => {
    const m = byName.get(unit.migration)!;
    const key = `${unit.migration}/${unit.unit}`;
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, stop.signal]);
    // Every object in flight listens to it (reads, writes, back-off sleeps): no leak to warn about.
    setMaxListeners(0, signal);
    held.set(key, { migration: unit.migration, unit: unit.unit, abort });
    const ctx = await copierFor(m, signal);
    // A unit leased before (by a process that died, or a run that stopped) may hold objects written
    // but not recorded: objects written since its first lease can be adopted.
    const leasedAt = unit.first_leased_at === null ? undefined : new Date(unit.first_leased_at);
    const unitAdoptAfter = unit.attempts > 1 ? leasedAt : undefined;
    let complete = true;
    try {
      let work: ObjectRow[] = await journal.workOfUnit(unit.migration, unit.unit, false);
      for (let round = 0; work.length > 0; round++) {
        const outcomes: ObjectOutcome[] = [];
        const flushing: Promise<void>[] = [];
        const flush = (): void => {
          if (outcomes.length === 0) {
            return;
          }
          flushing.push(journal.recordOutcomes(unit.migration, outcomes.splice(0)));
        };
        const settle = (row: ObjectRow, outcome: ObjectOutcome): void => {
          const finalRound = round + 1 >= MAX_CHANGED_ROUNDS;
          if (outcome.kind === 'changed') {
            stats.changed++;
            outcomes.push(
              finalRound
                ? {
                    seq: outcome.seq,
                    kind: 'failed',
                    code: 'MIGRATION_SOURCE_CHANGED',
                    message: `source object ${row.source_key} kept changing during ${MAX_CHANGED_ROUNDS} copies`,
                    retryable: true,
                    retries: outcome.retries,
                  }
                : outcome,
            );
          } else {
            if (outcome.kind === 'copied') {
              stats.copied++;
            } else {
              stats.failed++;
            }
            outcomes.push(outcome);
          }
          if (outcomes.length >= 200) {
            flush();
          }
        };
        const adoptAfterOf = (row: ObjectRow): Date | undefined =>
          unitAdoptAfter ?? (row.attempts > 0 ? leasedAt : undefined);
        /** Copies `rows` one by one on this thread, as many at once as the AIMD pool allows. */
        const copySingles = async (rows: readonly ObjectRow[]): Promise<void> => {
          const running: Promise<void>[] = [];
          for (const row of rows) {
            if (signal.aborted || transferCut) {
              complete = false;
              break;
            }
            await slots.acquire();
            if (signal.aborted || transferCut) {
              slots.release();
              complete = false;
              break;
            }
            running.push(
              copyObject(ctx, row, adoptAfterOf(row))
                .then((outcome) => settle(row, outcome))
                .catch((err: unknown) => {
                  // Only an aborted run ends up here: the object stays as the journal has it.
                  if (!isHdhError(err, 'OPERATION_ABORTED')) {
                    throw err;
                  }
                  complete = false;
                })
                .finally(() => slots.release()),
            );
          }
          await Promise.all(running);
        };
        /** Copies `rows` in batches on the worker threads; what they hand back goes to copySingles. */
        const copyBatches = async (route: FsRoute, rows: readonly ObjectRow[]): Promise<void> => {
          const inflight = new Set<Promise<void>>();
          // As many objects at once as `workers` allows: one per batch at most, two batches a thread.
          const perBatch = Math.min(FS_BATCH_OBJECTS, maxWorkers);
          const maxBatches = Math.min(route.pool.size * 2, maxWorkers);
          for (const cut of batchesOf(rows, perBatch)) {
            while (inflight.size >= maxBatches) {
              await Promise.race(inflight);
            }
            // --max-transfer: an object starts only while the bytes read and in flight are under it.
            const batch: ObjectRow[] = [];
            let bytes = 0;
            for (const row of cut) {
              if (transferBudget() - bytes <= 0) {
                break;
              }
              batch.push(row);
              bytes += row.size;
            }
            if (signal.aborted || transferCut || batch.length === 0) {
              complete = false;
              break;
            }
            if (!route.pool.ready) {
              // The threads are still loading: this thread copies meanwhile instead of waiting.
              route.pool.start();
              await copySingles(batch);
              continue;
            }
            batchBytes += bytes;
            const task: Promise<void> = copyFsBatch(route, batch)
              .finally(() => {
                batchBytes -= bytes;
              })
              .then(async ({ done, again }) => {
                stats.threadCopied += done.length;
                for (const [row, outcome] of done) {
                  settle(row, outcome);
                }
                await copySingles(again);
              })
              .catch((err: unknown) => {
                if (!signal.aborted) {
                  throw err;
                }
                complete = false;
              })
              .finally(() => inflight.delete(task));
            inflight.add(task);
            if (batch.length < cut.length) {
              complete = false;
              break;
            }
          }
          await Promise.all(inflight);
        };
        const route = fsRouteOf(ctx, pool);
        const batched = new Set(
          route === undefined ? [] : work.filter((row) => batchable(route, row, adoptAfterOf(row))),
        );
        await Promise.all([
          copySingles(work.filter((row) => !batched.has(row))),
          route === undefined ? undefined : copyBatches(route, [...batched]),
        ]);
        flush();
        await Promise.all(flushing);
        if (!complete) {
          break;
        }
        work = await journal.workOfUnit(unit.migration, unit.unit, false);
      }
    } finally {
      held.delete(key);
      if (!abort.signal.aborted) {
        const left = await journal.workOfUnit(unit.migration, unit.unit, false);
        await journal.releaseUnit(unit.migration, unit.unit, owner, left.length === 0);
      }
      stats.units++;
    }
  };

  const names = migrations.map((m) => m.name);
  const inFlight = new Set<Promise<void>>();
  // Two units in flight keep the pool busy across the end of a unit.
  const maxUnits = 2;
  let firstError: unknown;
  try {
    while (!stop.signal.aborted && !transferCut && firstError === undefined) {
      if (inFlight.size >= maxUnits) {
        await Promise.race(inFlight);
        continue;
      }
      let unit = await journal.leaseUnit({
        migrations: names,
        owner,
        now: now(),
        ttlMs: leaseMs,
        ...(options.phase !== undefined ? { phase: options.phase } : {}),
      });
      if (unit === undefined) {
        const owners = await journal.db
          .selectFrom('migration_units')
          .select('lease_owner')
          .distinct()
          .where('migration', 'in', names)
          .where('state', '=', 'leased')
          .where('lease_owner', '<>', owner)
          .execute();
        const dead = deadLocalOwners(owners.map((o) => o.lease_owner!).filter(Boolean));
        if (dead.length > 0) {
          unit = await journal.leaseUnit({
            migrations: names,
            owner,
            now: now(),
            ttlMs: leaseMs,
            deadOwners: dead,
            ...(options.phase !== undefined ? { phase: options.phase } : {}),
          });
        }
      }
      if (unit === undefined) {
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        const open = await Promise.all(names.map((n) => journal.openUnits(n, options.phase)));
        const leasedElsewhere = open.some((o) => o.leased > 0 || o.pending > 0);
        if (!leasedElsewhere && !options.follow) {
          break;
        }
        await sleep(pollMs, undefined, { signal: stop.signal }).catch(() => undefined);
        continue;
      }
      const task: Promise<void> = processUnit(unit)
        .catch((err: unknown) => {
          firstError ??= err;
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    await pool?.close();
    aimd.stop();
    clearInterval(ticker);
    clearInterval(renewer);
    if (deadline !== undefined) {
      clearTimeout(deadline);
    }
    options.signal?.removeEventListener('abort', onSignal);
    options.onProgress?.(progress());
  }
  if (firstError !== undefined) {
    throw toHdhError(firstError);
  }
  return {
    owner,
    ...stats,
    throttles: aimd.throttles,
    elapsedMs: performance.now() - started,
    stoppedBy,
  };
}
