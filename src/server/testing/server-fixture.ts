/**
 * Test helpers for the HTTP API: an app over a test hub, with its logs captured.
 * @module
 */
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import type { HubDb } from '../../db/index.js';
import { setupAccess, type TestHub } from '../../access/testing.js';
import { createApp } from '../app.js';
import type { HubApp, ServerOptions } from '../context.js';
import { createLogger } from '../logging.js';
import { CatalogueView } from '../../hub/index.js';
import { catalogueFixture } from '../../catalog/testing.js';

export interface ServerFixture {
  readonly t: TestHub;
  readonly app: HubApp;
  readonly registry: Registry;
  /** Every log line the app wrote. */
  readonly logs: string[];
}

export async function serverFixture(
  hub: Pick<HubDb, 'db' | 'dialect'>,
  options: {
    readonly server?: ServerOptions;
    readonly access?: unknown;
    readonly env?: Record<string, string>;
  } = {},
): Promise<ServerFixture> {
  const t = await setupAccess(hub, {
    ...(options.access === undefined ? {} : { config: options.access }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const registry = new Registry();
  const catalogue = new CatalogueView(await catalogueFixture(hub.db), t.access, {
    baseUrl: 'https://hub.example.org',
    publisher: 'Test access body',
  });
  const app = await createApp({
    hub,
    audit: t.audit,
    access: t.access,
    datasets: t.datasets,
    catalogue,
    metrics: registry,
    logger: createLogger({ level: 'info', destination }),
    config: options.server ?? {},
  });
  await app.ready();
  return { t, app, registry, logs };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
