/**
 * What `hdh serve` and `hdh start` share: open the hub's keys (so a wrong passphrase or an absent HSM
 * stops the start, not the first request), listen, print the addresses, and run until SIGINT or
 * SIGTERM, then close the server and the hub.
 * @module
 */
import { CoreErrors, LOG_LEVELS } from '../core/index.js';
import type { Hub } from '../hub/index.js';
import { createLogger, serveHub } from '../server/index.js';
import type { CliContext } from './context.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  logLevel?: string;
}

export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const port = Number(text);
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw CoreErrors.INPUT_INVALID(`--port "${text}" is not a port number (0–65535; 0 picks a free one)`);
  }
  return port;
}

export function parseLogLevel(text: string | undefined): string | undefined {
  if (text !== undefined && !LOG_LEVELS.includes(text)) {
    throw CoreErrors.INPUT_INVALID(`--log-level "${text}" must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return text;
}

/** Prints the key provider, warning at every start when it is the development keyring; says which it is. */
export async function announceKeys(ctx: CliContext, hub: Hub): Promise<{ development: boolean }> {
  const info = await (await hub.keys()).describe();
  ctx.out.line(`keys:     ${info.kind} (${info.location})`);
  if (info.development) {
    ctx.out.warn(
      'this hub uses a DEVELOPMENT keyring whose passphrase is stored beside it in the hub home: for trying hdh only, never for real data',
    );
  }
  return { development: info.development };
}

/** Listens, prints where, and resolves once a stop signal has closed the server. */
export async function runUntilSignal(
  ctx: CliContext,
  hub: Hub,
  flags: ServeFlags,
  defaultLogLevel: string,
): Promise<void> {
  const host = flags.host;
  const port = parsePort(flags.port);
  const level = parseLogLevel(flags.logLevel) ?? defaultLogLevel;
  const server = await serveHub(hub, {
    logger: createLogger({ level }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
  });
  ctx.out.line(`API:      ${server.url}/api`);
  ctx.out.line(`docs:     ${server.url}/api/docs (OpenAPI: ${server.url}/api/openapi.json)`);
  ctx.out.line(`health:   ${server.url}/health   metrics: ${server.url}/metrics`);
  ctx.out.line('Stop with Ctrl-C.');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(s);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  ctx.out.line(`${signal}: stopping`);
  await server.close();
  ctx.out.line('stopped');
}
