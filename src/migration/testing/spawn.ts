/**
 * Starts migration child processes (see child.ts) and reads their JSON lines, for crash and
 * scale-out tests and the benchmark.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunProgress, RunResult } from '../run.js';
import type { ChildSpec } from './child.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

export interface MigrationChild {
  readonly process: ChildProcess;
  /** Resolves with the first progress line (the child is copying). */
  readonly started: Promise<void>;
  /** Resolves when the child exits: its result when it finished, `undefined` when it was killed. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result?: RunResult;
    stderr: string;
  }>;
  lastProgress(): RunProgress | undefined;
  kill(): void;
}

export function startChild(spec: ChildSpec): MigrationChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, HDH_MIGRATION_CHILD: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let progress: RunProgress | undefined;
  let result: RunResult | undefined;
  let stderr = '';
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    try {
      const msg = JSON.parse(line) as { progress?: RunProgress; result?: RunResult };
      if (msg.progress) {
        progress = msg.progress;
        markStarted();
      }
      if (msg.result) {
        result = msg.result;
      }
    } catch {
      // Not one of ours (a warning printed by a dependency).
    }
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result?: RunResult;
    stderr: string;
  }>((resolve) => {
    let closed = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const settle = (): void => {
      if (closed && exit !== undefined) {
        resolve({ ...exit, ...(result ? { result } : {}), stderr });
      }
    };
    lines.once('close', () => {
      closed = true;
      settle();
    });
    child.on('exit', (code, signal) => {
      markStarted();
      exit = { code, signal };
      settle();
    });
  });
  return {
    process: child,
    started,
    exited,
    lastProgress: () => progress,
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
