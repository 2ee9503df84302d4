/**
 * Helpers for the commands on identities, applications and permits: they open the hub's access
 * services (the same the API uses), act as the local operator or, with `--as NAME`, as a named user,
 * and read whole lists page by page.
 * @module
 */
import { cliPrincipal, type Access, type Principal } from '../access/index.js';
import { CoreErrors } from '../core/index.js';
import { withHub, type Hub } from '../hub/index.js';
import type { CliContext } from './context.js';

/** Opens the hub, builds its access services and runs `fn` as the CLI principal (or `--as` a user). */
export async function withAccess<T>(
  ctx: CliContext,
  as: string | undefined,
  fn: (access: Access, principal: Principal, hub: Hub) => Promise<T>,
): Promise<T> {
  return withHub({ home: ctx.home(), env: ctx.env }, async (hub) => {
    const access = await hub.access();
    const operator = cliPrincipal(ctx.actor.replace(/^cli:/, ''));
    const principal = as === undefined ? operator : await access.auth.principalForUser(as, operator.actor);
    return fn(access, principal, hub);
  });
}

/** Every item of a paginated list. */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: readonly T[]; nextCursor?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    out.push(...p.items);
    cursor = p.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** Reads a secret (a password) from standard input: the first line, without its line end. */
export async function readStdinSecret(
  what: string,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') {
    throw CoreErrors.INPUT_INVALID(`--password-stdin: standard input held no ${what}`);
  }
  return line;
}
