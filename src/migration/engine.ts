/**
 * The migration engine: one object the hub builds from its components, with one method per
 * `hdh migrate` command and one for `hdh worker`.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreErrors } from '../core/index.js';
import { cutover, rollback, type CutoverResult } from './cutover.js';
import { decommission, type DecommissionOptions, type DecommissionResult } from './decommission.js';
import { MigrationErrors } from './errors.js';
import { Journal, type MigrationRow } from './journal.js';
import { plan, type PlanReport, type PlanRequest } from './planner.js';
import { migrationStatus, renderReport, type MigrationStatus, type ReportFormat } from './report.js';
import { runCopies, type RunOptions, type RunResult } from './run.js';
import { findChanges, type SyncFound } from './sync.js';
import type { MigrationDeps } from './types.js';
import { verifyMigration, type VerifyOptions, type VerifyReport } from './verify.js';

/** Two runs' results as one (the first run's owner and stop reason). */
export function addResults(a: RunResult, b: RunResult): RunResult {
  return {
    ...a,
    copied: a.copied + b.copied,
    failed: a.failed + b.failed,
    changed: a.changed + b.changed,
    bytesRead: a.bytesRead + b.bytesRead,
    bytesSent: a.bytesSent + b.bytesSent,
    retries: a.retries + b.retries,
    throttles: a.throttles + b.throttles,
    threadCopied: a.threadCopied + b.threadCopied,
    units: a.units + b.units,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    stoppedBy: b.stoppedBy === 'completed' ? a.stoppedBy : b.stoppedBy,
  };
}

export interface SyncResult {
  readonly found: SyncFound;
  readonly copy: RunResult;
}

export interface WorkOptions extends RunOptions {
  /** Only these migrations; every running migration when absent. */
  readonly migrations?: readonly string[];
}

export interface MigrationEngine {
  readonly journal: Journal;
  plan(request: PlanRequest): Promise<PlanReport>;
  /**
   * Marks a planned migration running and requeues its retryable failures, without copying: what
   * `run` does first, for callers that start workers before copying themselves.
   */
  start(name: string): Promise<void>;
  /** Copies what is pending; resumes whatever a killed run left. */
  run(name: string, options?: RunOptions): Promise<RunResult>;
  /** Copies what is leasable in running migrations (`hdh worker`). */
  work(options?: WorkOptions): Promise<RunResult>;
  sync(name: string, options?: RunOptions): Promise<SyncResult>;
  verify(name: string, options?: VerifyOptions): Promise<VerifyReport>;
  cutover(name: string): Promise<CutoverResult>;
  rollback(name: string): Promise<CutoverResult>;
  decommission(name: string, options: DecommissionOptions): Promise<DecommissionResult>;
  status(name: string): Promise<MigrationStatus>;
  report(name: string, format: ReportFormat): Promise<string>;
  list(): Promise<MigrationRow[]>;
}

const COPYABLE = new Set(['planned', 'running', 'rolled-back']);

/**
 * Builds the engine over injected components.
 * @example
 * const engine = createMigrationEngine({ db, audit, stores, sealer, guard, signer, classOrder, actor: 'cli:alice' });
 * await engine.plan({ name: 'leave-azure', from: { store: 'azure', prefix: '' }, to: { store: 'ovh', prefix: '' } });
 * await engine.run('leave-azure', { workers: 32 });
 */
export function createMigrationEngine(deps: MigrationDeps): MigrationEngine {
  const journal = new Journal(deps.db);
  const now = deps.now ?? (() => new Date());

  const copyable = async (name: string, verb: string): Promise<MigrationRow> => {
    const m = await journal.get(name);
    if (m.state === 'refused' || m.state === 'planning') {
      throw MigrationErrors.MIGRATION_STATE(
        `migration "${name}" is ${m.state}: fix the plan (see \`hdh migrate status ${name}\`) and plan again before ${verb}`,
      );
    }
    if (!COPYABLE.has(m.state)) {
      throw MigrationErrors.MIGRATION_STATE(
        `migration "${name}" is ${m.state}; ${verb} is no longer possible`,
      );
    }
    return m;
  };

  const copy = async (m: MigrationRow, kind: 'run' | 'sync', options: RunOptions): Promise<RunResult> => {
    if (m.state === 'planned') {
      await journal.update(m.name, { state: 'running' });
    }
    await journal.requeueRetryable(m.name);
    const result = await runCopies(deps, journal, [{ ...m, state: 'running' }], options);
    await journal.addEvent(
      m.name,
      kind === 'run' ? 'run' : 'sync-copy',
      {
        copied: result.copied,
        failed: result.failed,
        changed: result.changed,
        bytesRead: result.bytesRead,
        bytesSent: result.bytesSent,
        retries: result.retries,
        throttles: result.throttles,
        threadCopied: result.threadCopied,
        elapsedMs: Math.round(result.elapsedMs),
        stoppedBy: result.stoppedBy,
        owner: result.owner,
      },
      now(),
    );
    return result;
  };

  return {
    journal,
    plan: (request) => plan(deps, journal, request),

    async start(name) {
      const m = await copyable(name, 'copying');
      if (m.state === 'planned') {
        await journal.update(name, { state: 'running' });
      }
      await journal.requeueRetryable(name);
    },

    async run(name, options = {}) {
      const m = await copyable(name, 'copying');
      const result = await copy(m, 'run', options);
      await deps.audit.record({
        actor: deps.actor,
        action: 'migration.run',
        target: name,
        outcome: result.failed > 0 ? 'failure' : 'success',
        details: {
          copied: result.copied,
          failed: result.failed,
          bytesRead: result.bytesRead,
          stoppedBy: result.stoppedBy,
        },
      });
      return result;
    },

    async work(options = {}) {
      const running = async (): Promise<MigrationRow[]> =>
        (await journal.list()).filter(
          (m) =>
            m.state === 'running' &&
            (options.migrations === undefined || options.migrations.includes(m.name)),
        );
      if (options.follow !== true) {
        const chosen = await running();
        if (chosen.length === 0) {
          throw MigrationErrors.MIGRATION_STATE(
            'no running migration to work on: start one with `hdh migrate run NAME` (or give --follow to wait)',
          );
        }
        return runCopies(deps, journal, chosen, options);
      }
      // Following: whatever migrations are running now, then those started later, until stopped.
      let total: RunResult | undefined;
      const pollMs = options.pollMs ?? 1000;
      while (options.signal?.aborted !== true) {
        const chosen = await running();
        if (chosen.length > 0) {
          const r = await runCopies(deps, journal, chosen, { ...options, follow: false });
          total = total === undefined ? r : addResults(total, r);
          if (r.stoppedBy !== 'completed') {
            break;
          }
        }
        await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : {}).catch(
          () => undefined,
        );
      }
      return total ?? runCopies(deps, journal, [], { ...options, follow: false });
    },

    async sync(name, options = {}) {
      const m = await copyable(name, 'a sync');
      const found = await findChanges(deps, journal, m, options.signal);
      const total = found.added + found.changed + found.deleted;
      await journal.transaction(async (trx) => {
        await journal.update(
          name,
          { generation: m.generation + 1, last_sync_at: now().toISOString(), last_sync_found: total },
          trx,
        );
        await journal.addEvent(name, 'sync', { ...found }, now(), trx);
      });
      const fresh = await journal.get(name);
      const result = await copy(fresh, 'sync', options);
      await deps.audit.record({
        actor: deps.actor,
        action: 'migration.sync',
        target: name,
        details: { ...found, copied: result.copied, failed: result.failed },
      });
      return { found, copy: result };
    },

    async verify(name, options = {}) {
      const m = await journal.get(name);
      if (m.state === 'planning' || m.state === 'refused') {
        throw MigrationErrors.MIGRATION_STATE(`migration "${name}" is ${m.state}: nothing to verify`);
      }
      return verifyMigration(deps, journal, m, options);
    },

    async cutover(name) {
      return cutover(deps, journal, await journal.get(name));
    },

    async rollback(name) {
      return rollback(deps, journal, await journal.get(name));
    },

    async decommission(name, options) {
      return decommission(deps, journal, await journal.get(name), options);
    },

    async status(name) {
      return migrationStatus(journal, await journal.get(name));
    },

    async report(name, format) {
      if (!['json', 'md', 'html'].includes(format)) {
        throw CoreErrors.INPUT_INVALID(`report format ${format} is not json, md or html`);
      }
      return renderReport(await migrationStatus(journal, await journal.get(name)), format);
    },

    list: () => journal.list(),
  };
}
