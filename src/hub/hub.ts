/**
 * The composition root: builds every component of a hub from its home folder and hdh.yaml.
 * Components that need a secret (the key provider) are opened on first use, so commands such as
 * `hdh audit verify` run without the keyring passphrase.
 * @module
 */
import { loadConfig, type HubConfig } from '../core/index.js';
import { openDb, type HubDb } from '../db/index.js';
import { AuditLog } from '../audit/index.js';

export interface OpenHubOptions {
  readonly home: string;
  readonly env?: Record<string, string | undefined>;
}

export interface Hub {
  readonly home: string;
  readonly config: HubConfig;
  readonly env: Record<string, string | undefined>;
  readonly db: HubDb;
  readonly audit: AuditLog;
  close(): Promise<void>;
}

export async function openHub(options: OpenHubOptions): Promise<Hub> {
  const env = options.env ?? process.env;
  const { config } = loadConfig(options.home, env);
  const db = await openDb(config.database, { home: options.home });
  const audit = new AuditLog(db);
  return {
    home: options.home,
    config,
    env,
    db,
    audit,
    close: () => db.close(),
  };
}

/** Opens the hub, runs `fn`, and closes the hub whatever happens. */
export async function withHub<T>(options: OpenHubOptions, fn: (hub: Hub) => Promise<T>): Promise<T> {
  const hub = await openHub(options);
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}
