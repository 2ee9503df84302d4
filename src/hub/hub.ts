/**
 * The composition root: builds every component of a hub from its home folder and hdh.yaml.
 * Components that need a secret (the key provider) are opened on first use, so commands such as
 * `hdh audit verify` run without the keyring passphrase.
 * @module
 */
import { loadConfig, type HubConfig } from '../core/index.js';
import { loadSovereignty, type Sovereignty } from '../sovereignty/index.js';
import { openDb, type HubDb } from '../db/index.js';
import { AuditLog } from '../audit/index.js';
import { Catalog, QuarantineRegister } from '../catalog/index.js';
import { createAccess, type Access } from '../access/index.js';
import { HubStores } from './stores.js';
import { catalogDirectory } from './datasets.js';
import {
  createKeyProvider,
  DatasetKeys,
  HubSigner,
  type KeyProvider,
  type PassphrasePrompt,
} from '../kms/index.js';

export interface OpenHubOptions {
  readonly home: string;
  readonly env?: Record<string, string | undefined>;
  /** How to ask for the keyring passphrase when the environment has none (default: terminal prompt). */
  readonly prompt?: PassphrasePrompt | false;
}

export interface Hub {
  readonly home: string;
  readonly config: HubConfig;
  /** The provider registry and placement policy; a policy that does not parse stops the hub. */
  readonly sovereignty: Sovereignty;
  readonly env: Record<string, string | undefined>;
  readonly db: HubDb;
  readonly audit: AuditLog;
  readonly catalog: Catalog;
  readonly quarantine: QuarantineRegister;
  /** Every configured store behind the placement guard and the seal. */
  readonly stores: HubStores;
  /** The key provider, opened (and its secret asked for) on first call. */
  keys(): Promise<KeyProvider>;
  datasetKeys(): Promise<DatasetKeys>;
  signer(): Promise<HubSigner>;
  /**
   * Identities, sessions, applications, permits and the one authorisation function, over the hub
   * database and the catalogue; the CLI and the server share it. Built on first call.
   */
  access(): Promise<Access>;
  close(): Promise<void>;
}

export async function openHub(options: OpenHubOptions): Promise<Hub> {
  const env = options.env ?? process.env;
  const { config, file } = loadConfig(options.home, env);
  const sovereignty = loadSovereignty(config.sovereignty, { file });
  for (const [name, store] of Object.entries(config.stores)) {
    sovereignty.registry.get(store.provider, `${file}: stores.${name}.provider`);
  }
  const db = await openDb(config.database, { home: options.home });
  const audit = new AuditLog(db);
  let keys: Promise<KeyProvider> | undefined;
  let datasetKeys: Promise<DatasetKeys> | undefined;
  let signer: Promise<HubSigner> | undefined;
  let access: Promise<Access> | undefined;
  const catalog = new Catalog(db.db);
  const openKeys = (): Promise<KeyProvider> => {
    keys ??= createKeyProvider(config.keys, {
      home: options.home,
      env,
      ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
    });
    return keys;
  };
  const openDatasetKeys = (): Promise<DatasetKeys> => {
    datasetKeys ??= openKeys().then((provider) => new DatasetKeys(db, provider));
    return datasetKeys;
  };
  const stores = new HubStores({
    home: options.home,
    env,
    config,
    sovereignty,
    db: db.db,
    audit,
    catalog,
    datasetKeys: openDatasetKeys,
  });
  return {
    home: options.home,
    config,
    sovereignty,
    env,
    db,
    audit,
    catalog,
    quarantine: new QuarantineRegister(db.db),
    stores,
    keys: openKeys,
    datasetKeys: openDatasetKeys,
    signer: () => {
      signer ??= openKeys().then((provider) => HubSigner.load(db, provider));
      return signer;
    },
    access: () => {
      access ??= createAccess({
        hub: db,
        audit,
        datasets: catalogDirectory(catalog),
        config: config.access,
        env,
      });
      return access;
    },
    close: async () => {
      await stores.close();
      const opened = await keys?.catch(() => undefined);
      await opened?.close();
      await db.close();
    },
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
