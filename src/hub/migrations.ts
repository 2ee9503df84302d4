/**
 * Migrations as principals reach them: the one service behind `hdh migrate`, `hdh worker` and
 * `/api/migrations`. Every method asks the authoriser first (`migration.read`, `migration.manage`)
 * and builds the engine as the principal, so the audit log names who acted.
 * @module
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  decodeCursor,
  encodeCursor,
  pageLimit,
  type Authorizer,
  type Page,
  type PageQuery,
  type Principal,
} from '../access/index.js';
import { CoreErrors } from '../core/index.js';
import {
  MigrationErrors,
  type Certificate,
  type PlanRequest,
  type CutoverResult,
  type DecommissionResult,
  type MigrationEngine,
  type MigrationRow,
  type MigrationStatus,
  type PlanReport,
  type ReportFormat,
  type RunOptions,
  type RunResult,
  type StorePrefix,
  type SyncResult,
  type VerifyOptions,
  type VerifyReport,
  type WorkOptions,
} from '../migration/index.js';
import type { Hub } from './hub.js';
import { hubMigrationEngine, planRefusal } from './migration-engine.js';
import { MigrationSteps, type StepKind, type StepView } from './migration-steps.js';

/** What a plan takes from the CLI or the API: the engine's request without its internals. */
export type MigrationPlanInput = Omit<PlanRequest, 'unitLimits' | 'signal'>;

export interface MigrationSummary {
  readonly name: string;
  readonly state: string;
  readonly source: StorePrefix;
  readonly destination: StorePrefix;
  readonly objects: number;
  readonly bytes: number;
  /** Objects per state (pending, copying, copied, verified, failed, …). */
  readonly states: Record<string, number>;
  readonly createdAt: string;
}

/** The status plus the step the server runs or last ran for it. */
export type MigrationStatusView = MigrationStatus & { readonly step: StepView | null };

export interface DecommissionOutcome extends DecommissionResult {
  /** Where the certificate was written, when every source object is gone. */
  readonly certificateFile?: string;
  readonly manifestFile: string;
}

const COPYABLE = ['planned', 'running', 'rolled-back'];

export class HubMigrations {
  readonly #hub: Hub;
  readonly #authorizer: Pick<Authorizer, 'enforce'>;
  readonly steps: MigrationSteps;

  constructor(hub: Hub, authorizer: Pick<Authorizer, 'enforce'>, steps = new MigrationSteps()) {
    this.#hub = hub;
    this.#authorizer = authorizer;
    this.steps = steps;
  }

  /** Migrations in the order they were created, with their counts; the cursor names the last one. */
  async list(principal: Principal, query: PageQuery = {}): Promise<Page<MigrationSummary>> {
    await this.#authorizer.enforce(principal, 'migration.read', { type: 'collection', of: 'migrations' });
    const limit = pageLimit(query);
    const after = decodeCursor(query.cursor);
    const engine = await this.#engine(principal);
    const rows = await engine.list();
    const from = after === undefined ? 0 : rows.findIndex((m) => m.name === after) + 1;
    if (from === 0 && after !== undefined) {
      throw CoreErrors.INPUT_INVALID(
        `cursor "${query.cursor}" names no migration: it was not returned by this list`,
      );
    }
    const page = rows.slice(from, from + limit);
    const items = await Promise.all(page.map(async (m) => summary(m, await engine.status(m.name))));
    const last = page.at(-1);
    return from + limit < rows.length && last !== undefined
      ? { items, nextCursor: encodeCursor(last.name) }
      : { items };
  }

  async plan(principal: Principal, input: MigrationPlanInput): Promise<PlanReport> {
    const engine = await this.#manage(principal, input.name, 'planning it again');
    return engine.plan({
      name: input.name,
      from: input.from,
      to: input.to,
      ...(input.inventory === undefined ? {} : { inventory: input.inventory }),
      ...(input.classMap === undefined ? {} : { classMap: input.classMap }),
      ...(input.defaultClass === undefined ? {} : { defaultClass: input.defaultClass }),
      ...(input.defaultDataset === undefined ? {} : { defaultDataset: input.defaultDataset }),
      ...(input.estimate === undefined ? {} : { estimate: input.estimate }),
    });
  }

  /** The error a refused plan answers with (the plan stays in the journal for its status). */
  refusal(report: PlanReport): Error | undefined {
    return planRefusal(report);
  }

  async status(principal: Principal, name: string): Promise<MigrationStatus> {
    return (await this.#read(principal, name)).status(name);
  }

  /** The status with the server's step, for the API. */
  async view(principal: Principal, name: string): Promise<MigrationStatusView> {
    return { ...(await this.status(principal, name)), step: this.steps.view(name) };
  }

  async report(principal: Principal, name: string, format: ReportFormat): Promise<string> {
    return (await this.#read(principal, name)).report(name, format);
  }

  /** The signed certificate of a decommissioned migration. */
  async certificate(principal: Principal, name: string): Promise<Certificate> {
    const engine = await this.#read(principal, name);
    const m = await engine.journal.get(name);
    if (m.certificate === null) {
      throw MigrationErrors.MIGRATION_STATE(
        `migration "${name}" is ${m.state}: its certificate is written when it is decommissioned`,
      );
    }
    return JSON.parse(m.certificate) as Certificate;
  }

  /** Marks the migration running without copying (before starting workers beside this process). */
  async start(principal: Principal, name: string): Promise<void> {
    await (await this.#manage(principal, name, 'starting it')).start(name);
  }

  async run(principal: Principal, name: string, options: RunOptions = {}): Promise<RunResult> {
    return (await this.#manage(principal, name, 'another run')).run(name, options);
  }

  async sync(principal: Principal, name: string, options: RunOptions = {}): Promise<SyncResult> {
    return (await this.#manage(principal, name, 'a sync')).sync(name, options);
  }

  async verify(principal: Principal, name: string, options: VerifyOptions = {}): Promise<VerifyReport> {
    return (await this.#manage(principal, name, 'a verify')).verify(name, options);
  }

  /** Copies what is leasable in running migrations (`hdh worker`). */
  async work(principal: Principal, options: WorkOptions = {}): Promise<RunResult> {
    await this.#authorizer.enforce(principal, 'migration.manage', { type: 'collection', of: 'migrations' });
    return (await this.#engine(principal)).work(options);
  }

  async cutover(principal: Principal, name: string): Promise<CutoverResult> {
    return (await this.#manage(principal, name, 'cutover')).cutover(name);
  }

  async rollback(principal: Principal, name: string): Promise<CutoverResult> {
    return (await this.#manage(principal, name, 'rollback')).rollback(name);
  }

  /**
   * Deletes the source objects and writes the certificate to `out` (default NAME-certificate.json
   * in the hub home) with the manifest beside it. `confirm` is true (the CLI's --confirm) or must
   * equal the migration name (the API), since the deletion cannot be undone.
   */
  async decommission(
    principal: Principal,
    name: string,
    options: { readonly confirm: boolean | string; readonly out?: string },
  ): Promise<DecommissionOutcome> {
    const engine = await this.#manage(principal, name, 'decommission');
    if (typeof options.confirm === 'string' && options.confirm !== name) {
      throw CoreErrors.INPUT_INVALID(
        `confirm "${options.confirm}" is not the migration's name: decommission deletes every source object of "${name}" for good; send confirm: "${name}"`,
      );
    }
    const out = options.out ?? join(this.#hub.home, `${name}-certificate.json`);
    const manifestFile = `${out}.manifest.jsonl`;
    const manifest = createWriteStream(manifestFile, { flags: 'w', mode: 0o644 });
    let result: DecommissionResult;
    try {
      result = await engine.decommission(name, {
        confirm: options.confirm !== false,
        onManifestLine: async (line) => {
          if (!manifest.write(`${line}\n`)) {
            await once(manifest, 'drain');
          }
        },
      });
    } finally {
      manifest.end();
      await once(manifest, 'finish');
    }
    if (result.certificate === undefined) {
      return { ...result, manifestFile };
    }
    await writeFile(out, `${JSON.stringify(result.certificate, null, 2)}\n`, { mode: 0o644 });
    return { ...result, certificateFile: out, manifestFile };
  }

  /**
   * Starts a run, sync or verify in the background (see {@link MigrationSteps}) once the principal
   * may, the migration exists and is in a state the step applies to, so that what is answered at
   * once is either a refusal or a step that started.
   */
  async startStep(
    principal: Principal,
    name: string,
    kind: StepKind,
    options: RunOptions & VerifyOptions,
  ): Promise<StepView> {
    const engine = await this.#manage(principal, name, `another ${kind}`);
    const m = await engine.journal.get(name);
    const applies =
      kind === 'verify' ? !['planning', 'refused'].includes(m.state) : COPYABLE.includes(m.state);
    if (!applies) {
      throw MigrationErrors.MIGRATION_STATE(
        `migration "${name}" is ${m.state}: a ${kind} does not apply${m.state === 'refused' ? ' (fix the plan and plan again)' : ''}`,
      );
    }
    return this.steps.start(name, kind, principal.actor, async ({ signal, onProgress }) => {
      const step = { ...options, signal, onProgress };
      return kind === 'run'
        ? engine.run(name, step)
        : kind === 'sync'
          ? engine.sync(name, step)
          : engine.verify(name, step);
    });
  }

  async #read(principal: Principal, name: string): Promise<MigrationEngine> {
    await this.#authorizer.enforce(principal, 'migration.read', { type: 'migration', name });
    return this.#engine(principal);
  }

  /** May manage, and no step of the server is running on the migration. */
  async #manage(principal: Principal, name: string, doing: string): Promise<MigrationEngine> {
    await this.#authorizer.enforce(principal, 'migration.manage', { type: 'migration', name });
    this.steps.assertIdle(name, doing);
    return this.#engine(principal);
  }

  #engine(principal: Principal): Promise<MigrationEngine> {
    return hubMigrationEngine(this.#hub, principal.actor);
  }
}

function summary(m: MigrationRow, status: MigrationStatus): MigrationSummary {
  return {
    name: m.name,
    state: m.state,
    source: { store: m.source_store, prefix: m.source_prefix },
    destination: { store: m.dest_store, prefix: m.dest_prefix },
    objects: status.objects,
    bytes: status.bytes,
    states: Object.fromEntries(Object.entries(status.states).map(([s, v]) => [s, v.objects])),
    createdAt: m.created_at,
  };
}
