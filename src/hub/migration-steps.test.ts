import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { MigrationErrors } from '../migration/index.js';
import { MigrationSteps } from './migration-steps.js';

/** A step that ends when told to, or when its signal aborts. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function ended(steps: MigrationSteps, name: string): Promise<void> {
  while (steps.view(name)?.state === 'running') {
    await new Promise((r) => setImmediate(r));
  }
}

describe('MigrationSteps', () => {
  it('runs one step per migration, keeps its result, progress and the error it ends with', async () => {
    const failures: string[] = [];
    const steps = new MigrationSteps({
      onFailure: (name, kind, err) => failures.push(`${name} ${kind} ${String(err)}`),
    });
    const g = gate();
    const started = steps.start('a', 'run', 'op', async ({ onProgress }) => {
      onProgress({
        objectsDone: 1,
        objectsTotal: 2,
        bytesDone: 1,
        bytesTotal: 2,
        rate: 1,
        etaSeconds: 1,
        failed: 0,
        retries: 0,
        concurrency: 1,
        elapsedMs: 1,
      });
      await g.promise;
      return { copied: 2 };
    });
    expect(started).toMatchObject({ kind: 'run', state: 'running', actor: 'op', result: null });
    let busy: unknown;
    try {
      steps.start('a', 'verify', 'op', () => Promise.resolve({}));
    } catch (err) {
      busy = err;
    }
    expect(isHdhError(busy, 'MIGRATION_BUSY')).toBe(true);
    expect(() => steps.assertIdle('a', 'cutover')).toThrow(/has a run running since .* cutover waits/);
    expect(() => steps.assertIdle('b', 'cutover')).not.toThrow();
    // Another migration is not held up.
    steps.start('b', 'verify', 'op', () =>
      Promise.reject(MigrationErrors.MIGRATION_NOT_FOUND('no migration named "b"')),
    );
    g.open();
    await ended(steps, 'a');
    await ended(steps, 'b');
    expect(steps.view('a')).toMatchObject({
      state: 'finished',
      result: { copied: 2 },
      progress: { objectsDone: 1 },
      error: null,
    });
    expect(steps.view('b')).toMatchObject({
      state: 'failed',
      error: { code: 'MIGRATION_NOT_FOUND', message: 'no migration named "b"' },
    });
    expect(failures).toEqual(['b verify HdhError: no migration named "b"']);

    // A server fault's message stays in the log, not in the status.
    steps.start('a', 'sync', 'op', () => Promise.reject(new Error('ENOENT /srv/secret/path')));
    await ended(steps, 'a');
    expect(steps.view('a')!.error).toEqual({
      code: 'INTERNAL_ERROR',
      message: 'the sync failed inside the server: see its log (INTERNAL_ERROR)',
    });
    expect(failures).toHaveLength(2);
  });

  it('stops running steps on close and starts no more', async () => {
    const steps = new MigrationSteps();
    steps.start(
      'a',
      'run',
      'op',
      ({ signal }) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve({ stoppedBy: 'stopped' }))),
    );
    steps.start(
      'b',
      'verify',
      'op',
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
    );
    await steps.close();
    expect(steps.view('a')).toMatchObject({ state: 'stopped', result: { stoppedBy: 'stopped' } });
    expect(steps.view('b')).toMatchObject({ state: 'stopped', error: { code: 'OPERATION_ABORTED' } });
    expect(() => steps.start('c', 'run', 'op', () => Promise.resolve({}))).toThrow(/the server is stopping/);
  });
});
