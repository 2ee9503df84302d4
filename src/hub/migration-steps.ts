/**
 * The long steps of a migration (run, sync, verify) started over the API: each runs in the server
 * process in the background, at most one per migration, and is seen through the migration's status
 * until the next one starts. Closing stops them cleanly; the journal keeps what they did, so a later
 * step resumes where they stopped.
 * @module
 */
import { CoreErrors, errorDefinition, toHdhError } from '../core/index.js';
import { MigrationErrors, type RunProgress } from '../migration/index.js';

export const STEP_KINDS = ['run', 'sync', 'verify'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** running → finished (the step returned), failed (it threw) or stopped (the server closed). */
export type StepState = 'running' | 'finished' | 'failed' | 'stopped';

export interface StepView {
  readonly kind: StepKind;
  readonly state: StepState;
  readonly actor: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  /** The last progress report of a copy (run, sync). */
  readonly progress: RunProgress | null;
  /** What the step returned: a run result, a sync result or a verify report. */
  readonly result: Record<string, unknown> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface StepWork {
  readonly signal: AbortSignal;
  readonly onProgress: (progress: RunProgress) => void;
}

interface Step {
  view: StepView;
  readonly controller: AbortController;
  done?: Promise<void>;
}

export class MigrationSteps {
  readonly #steps = new Map<string, Step>();
  readonly #now: () => Date;
  readonly #onFailure: (name: string, kind: StepKind, err: unknown) => void;
  #closed = false;

  /** `onFailure` sees every error a step ends with, in full (e.g. to log it). */
  constructor(
    options: {
      readonly now?: () => Date;
      readonly onFailure?: (name: string, kind: StepKind, err: unknown) => void;
    } = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#onFailure = options.onFailure ?? (() => undefined);
  }

  /** The migration's current or last step, if one was started since the server started. */
  view(name: string): StepView | null {
    return this.#steps.get(name)?.view ?? null;
  }

  /** Throws MIGRATION_BUSY while a step of the migration runs. */
  assertIdle(name: string, doing: string): void {
    const step = this.#steps.get(name);
    if (step?.view.state === 'running') {
      throw MigrationErrors.MIGRATION_BUSY(
        `migration "${name}" has a ${step.view.kind} running since ${step.view.startedAt} (started by ${step.view.actor}): ${doing} waits until it ends; GET /api/migrations/${name} shows it`,
        { details: { migration: name, step: step.view.kind, startedAt: step.view.startedAt } },
      );
    }
  }

  /**
   * Starts `work` in the background and answers at once with the step as it starts. A failure is
   * kept in the step (never thrown): nobody awaits it.
   */
  start(name: string, kind: StepKind, actor: string, work: (step: StepWork) => Promise<object>): StepView {
    if (this.#closed) {
      throw CoreErrors.OPERATION_ABORTED(
        `the server is stopping: ${kind} of migration "${name}" not started`,
      );
    }
    this.assertIdle(name, `another ${kind}`);
    const step: Step = {
      controller: new AbortController(),
      view: {
        kind,
        state: 'running',
        actor,
        startedAt: this.#now().toISOString(),
        finishedAt: null,
        progress: null,
        result: null,
        error: null,
      },
    };
    this.#steps.set(name, step);
    const started = step.view;
    const settle = (patch: Partial<StepView>): void => {
      step.view = { ...step.view, finishedAt: this.#now().toISOString(), ...patch };
    };
    step.done = (async () => {
      try {
        const result = await work({
          signal: step.controller.signal,
          onProgress: (progress) => {
            step.view = { ...step.view, progress };
          },
        });
        settle({
          state: step.controller.signal.aborted ? 'stopped' : 'finished',
          result: result as Record<string, unknown>,
        });
      } catch (err) {
        this.#onFailure(name, kind, err);
        const e = toHdhError(err);
        // Readers of the status (auditors too) see no internals of a server fault (paths, SQL).
        const internal = (errorDefinition(e.code)?.status ?? 500) >= 500;
        settle({
          state: step.controller.signal.aborted ? 'stopped' : 'failed',
          error: {
            code: e.code,
            message: internal ? `the ${kind} failed inside the server: see its log (${e.code})` : e.message,
          },
        });
      }
    })();
    return started;
  }

  /** Stops every running step (objects in flight are left to resume) and waits for them to end. */
  async close(): Promise<void> {
    this.#closed = true;
    const steps = [...this.#steps.values()];
    for (const s of steps) {
      s.controller.abort(CoreErrors.OPERATION_ABORTED('the server is stopping'));
    }
    await Promise.all(steps.map((s) => s.done ?? Promise.resolve()));
  }
}
