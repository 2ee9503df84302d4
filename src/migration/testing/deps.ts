/**
 * Real components for migration tests and benchmarks: fs and memory stores, a local keyring with
 * dataset keys, the hub signer and the sealer over src/crypto. Also builds them in a child process
 * from a JSON description, so crash and scale-out tests can kill real processes.
 * @module
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../audit/index.js';
import type { HubDb } from '../../db/index.js';
import {
  DatasetKeys,
  HubSigner,
  LocalKeyProvider,
  initLocalKeyring,
  type KeyProvider,
} from '../../kms/index.js';
import { DATA_CLASSES } from '../../sovereignty/index.js';
import { FsStore } from '../../storage/index.js';
import type { MemoryStore, ObjectStore } from '../../storage/index.js';
import { createCryptoSealer } from '../crypto-sealer.js';
import type { MigrationDeps, PlacementGuard, StoreDescription } from '../types.js';

/** The data classes, least sensitive first (the sovereignty concept's order). */
export const TEST_CLASSES: readonly string[] = DATA_CLASSES;

export type TestStoreSpec =
  | { readonly type: 'fs'; readonly root: string; readonly provider?: string; readonly legacy?: boolean }
  | {
      readonly type: 'memory';
      readonly store: MemoryStore;
      readonly provider?: string;
      readonly legacy?: boolean;
    }
  | {
      readonly type: 'custom';
      readonly store: ObjectStore;
      readonly provider?: string;
      readonly legacy?: boolean;
    };

export interface TestKeyring {
  readonly file: string;
  readonly passphrase: string;
}

/** A fresh local keyring with a cheap KDF (tests only). */
export async function createTestKeyring(dir?: string): Promise<TestKeyring> {
  const folder = dir ?? (await mkdtemp(join(tmpdir(), 'hdh-mig-keys-')));
  const file = join(folder, 'keyring.json');
  const passphrase = 'migration test passphrase';
  await initLocalKeyring(file, passphrase, 'argon2id', { cost: { memoryKiB: 1024, iterations: 1 } });
  return { file, passphrase };
}

export interface TestDepsOptions {
  readonly db: Pick<HubDb, 'db' | 'dialect'>;
  readonly stores: Readonly<Record<string, TestStoreSpec>>;
  readonly keyring: TestKeyring;
  /** Store → classes its provider may not hold. */
  readonly refuse?: Readonly<Record<string, readonly string[]>>;
  readonly actor?: string;
}

export interface TestDeps extends MigrationDeps {
  readonly keys: DatasetKeys;
  readonly provider: KeyProvider;
  readonly signerKey: HubSigner;
  close(): Promise<void>;
}

export async function createTestDeps(options: TestDepsOptions): Promise<TestDeps> {
  const provider = await LocalKeyProvider.open({
    file: options.keyring.file,
    passphrase: options.keyring.passphrase,
  });
  const keys = new DatasetKeys(options.db, provider);
  const signer = await HubSigner.load(options.db, provider);
  const opened = new Map<string, Promise<ObjectStore>>();
  const open = (name: string): Promise<ObjectStore> => {
    const known = opened.get(name);
    if (known !== undefined) {
      return known;
    }
    const spec = options.stores[name];
    if (spec === undefined) {
      throw new Error(`no test store ${name}`);
    }
    const s: Promise<ObjectStore> =
      spec.type === 'fs'
        ? FsStore.open({ name, root: spec.root, createRoot: true })
        : Promise.resolve(spec.store);
    opened.set(name, s);
    return s;
  };
  const describe = (name: string): StoreDescription => {
    const spec = options.stores[name];
    if (spec === undefined) {
      throw new Error(`no test store ${name}`);
    }
    return { name, provider: spec.provider ?? 'on-premises', legacy: spec.legacy ?? false, kind: spec.type };
  };
  const guard: PlacementGuard = (store, dataClass) => {
    const refused = options.refuse?.[store]?.includes(dataClass) === true;
    return refused
      ? { allowed: false, reasons: [`test policy: ${store} may not hold ${dataClass}`] }
      : { allowed: true, reasons: [] };
  };
  return {
    db: options.db,
    audit: new AuditLog(options.db),
    stores: { open, describe },
    sealer: createCryptoSealer({ keys }),
    guard,
    signer,
    classOrder: TEST_CLASSES,
    actor: options.actor ?? 'test',
    keys,
    provider,
    signerKey: signer,
    close: async () => {
      for (const s of opened.values()) {
        await (await s).close();
      }
      await provider.close();
    },
  };
}
