/**
 * Runs the API for a hub: builds the application from the hub's access services and catalogue,
 * listens where hdh.yaml says, and closes cleanly. `hdh serve` and `hdh start` both use it.
 * @module
 */
import type { Logger } from 'pino';
import { CatalogueView, catalogDirectory, type Hub } from '../hub/index.js';
import { createApp } from './app.js';
import type { HubApp } from './context.js';
import { ServerErrors } from './errors.js';

export interface RunningServer {
  readonly app: HubApp;
  /** The address it listens at, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Default: `server.host` of hdh.yaml. */
  readonly host?: string;
  /** Default: `server.port` of hdh.yaml; 0 picks a free port. */
  readonly port?: number;
  readonly logger?: Logger;
  readonly version?: string;
}

export async function serveHub(hub: Hub, options: ServeOptions = {}): Promise<RunningServer> {
  const access = await hub.access();
  const server = hub.config.server;
  const app = await createApp({
    hub: hub.db,
    audit: hub.audit,
    access,
    datasets: catalogDirectory(hub.catalog),
    catalogue: new CatalogueView(hub.catalog, access, {
      baseUrl: access.config.publicUrl,
      publisher: access.config.publisher,
    }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    config: {
      bodyLimit: server.bodyLimitBytes,
      trustProxy: server.trustProxy,
      authRateLimit: { max: server.authRateLimit.max, windowMs: server.authRateLimit.windowSeconds * 1000 },
      ...(options.version === undefined ? {} : { version: options.version }),
    },
  });
  let url: string;
  try {
    url = await app.listen({ host: options.host ?? server.host, port: options.port ?? server.port });
  } catch (err) {
    await app.close();
    const e = err as NodeJS.ErrnoException;
    const where = `${options.host ?? server.host}:${options.port ?? server.port}`;
    throw ServerErrors.SERVER_LISTEN_FAILED(
      e.code === 'EADDRINUSE'
        ? `${where} is already in use: stop what listens there or choose another port (--port, server.port)`
        : `cannot listen at ${where}: ${e.message}`,
      { cause: err, details: { address: where, reason: e.code ?? 'unknown' } },
    );
  }
  return { app, url, close: () => app.close() };
}
