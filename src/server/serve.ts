/**
 * Runs the API for a hub: builds the application from the hub's access services and catalogue,
 * listens where hdh.yaml says, and closes cleanly. `hdh serve` and `hdh start` both use it.
 * @module
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
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

/** The application for a hub, as `hdh serve` runs it (without listening). */
export async function createHubApp(
  hub: Hub,
  options: Pick<ServeOptions, 'logger' | 'version'> & {
    readonly metrics?: Registry;
    /** false: only the access and catalogue routes (tests compare the two route sets). */
    readonly operations?: boolean;
  } = {},
): Promise<HubApp> {
  const access = await hub.access();
  const server = hub.config.server;
  return createApp({
    hub: hub.db,
    audit: hub.audit,
    access,
    ...(options.operations === false ? {} : { operations: hub }),
    datasets: catalogDirectory(hub.catalog),
    catalogue: new CatalogueView(hub.catalog, access, {
      baseUrl: access.config.publicUrl,
      publisher: access.config.publisher,
      quarantine: hub.quarantine,
    }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    config: {
      bodyLimit: server.bodyLimitBytes,
      trustProxy: server.trustProxy,
      authRateLimit: { max: server.authRateLimit.max, windowMs: server.authRateLimit.windowSeconds * 1000 },
      ...(options.version === undefined ? {} : { version: options.version }),
    },
  });
}

export async function serveHub(hub: Hub, options: ServeOptions = {}): Promise<RunningServer> {
  const server = hub.config.server;
  const app = await createHubApp(hub, options);
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
