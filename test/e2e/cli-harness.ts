/**
 * Runs the `hdh` program in-process with its output captured, as a user would call it from a shell.
 */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { createOutput } from '../../src/cli/output.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = unknown>(): T; // eslint-disable-line @typescript-eslint/no-unnecessary-type-parameters
}

export async function hdh(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: { readonly stdin?: string } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(['node', 'hdh', ...args], {
    out: createOutput(stdout, stderr),
    env: { PATH: process.env['PATH'], ...env },
    ...(options.stdin === undefined ? {} : { stdin: Readable.from([options.stdin]) }),
  });
  return {
    code,
    stdout: out,
    stderr: err,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    json: <T>() => JSON.parse(out) as T,
  };
}
