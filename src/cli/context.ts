/**
 * What every command gets: where the hub lives, how to open it, how to print, who is acting.
 * @module
 */
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Output } from './output.js';

export interface CliContext {
  readonly out: Output;
  readonly env: Record<string, string | undefined>;
  /** The hub home: --home, else HDH_HOME, else ./.hdh. */
  home(): string;
  /** The actor recorded in the audit log for CLI actions. */
  readonly actor: string;
  /** Where `--password-stdin` and similar read from (process.stdin unless a test gives one). */
  readonly stdin: NodeJS.ReadableStream;
}

export function createContext(
  out: Output,
  env: Record<string, string | undefined>,
  getHomeOption: () => string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
): CliContext {
  return {
    out,
    env,
    stdin,
    home: () => resolve(getHomeOption() ?? env['HDH_HOME'] ?? '.hdh'),
    actor: `cli:${safeUserName()}`,
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
