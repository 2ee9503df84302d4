import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { testDialects, type TestDb, type TestDialect } from '../db/testing.js';
import { DatasetKeys } from './dataset-keys.js';
import type { KeyProvider } from './key-provider.js';
import { initLocalKeyring, LocalKeyProvider } from './providers/local/index.js';
import { Pkcs11KeyProvider } from './providers/pkcs11/index.js';
import { HubSigner, verifyDetached } from './signing.js';
import { destroyTestObjects, softHsmAvailable, softHsmTestConfig } from './testing/softhsm.js';

const dialects = await testDialects();
const hsm = softHsmTestConfig();
const hsmAvailable = await softHsmAvailable(hsm);
const runPrefix = `dk${randomBytes(4).toString('hex')}`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isHdhError(err)) {
      return err.code;
    }
    throw err;
  }
  return 'no error';
}

interface ProviderFactory {
  readonly name: string;
  /** Opens a provider over one key store; later calls reopen the same keys. */
  setup(): Promise<{ open: () => Promise<KeyProvider>; cleanup: () => Promise<void> }>;
}

const localFactory: ProviderFactory = {
  name: 'local',
  setup: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hdh-dk-'));
    const file = join(dir, 'keyring.json');
    const passphrase = 'dataset keys test passphrase';
    await initLocalKeyring(file, passphrase, 'argon2id', { cost: { memoryKiB: 1024, iterations: 1 } });
    return {
      open: () => LocalKeyProvider.open({ file, passphrase }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
};

const pkcs11Factory: ProviderFactory = {
  name: 'pkcs11',
  setup: () => {
    const prefix = `${runPrefix}-${randomBytes(3).toString('hex')}`;
    return Promise.resolve({
      open: () =>
        Pkcs11KeyProvider.open({
          library: hsm.library,
          tokenLabel: hsm.tokenLabel,
          pin: hsm.pin,
          keyLabelPrefix: prefix,
        }),
      cleanup: () => {
        destroyTestObjects(hsm, `${prefix}-`);
        return Promise.resolve();
      },
    });
  },
};

const cases = [localFactory, ...(hsmAvailable ? [pkcs11Factory] : [])].flatMap((factory) =>
  dialects.map((dialect: TestDialect) => ({
    dialect,
    factory,
    label: `${dialect.name} with the ${factory.name} provider`,
  })),
);

describe.each(cases)('dataset keys on $label', ({ dialect, factory }) => {
  let hub: TestDb;
  let provider: KeyProvider;
  let keys: DatasetKeys;
  let store: Awaited<ReturnType<ProviderFactory['setup']>>;
  const opened: KeyProvider[] = [];
  /** A second hub process: its own provider instance and DatasetKeys over the same db and keys. */
  const sibling = async (options: { cacheTtlMs?: number } = {}): Promise<DatasetKeys> => {
    const p = await store.open();
    opened.push(p);
    return new DatasetKeys(hub, p, options);
  };

  beforeAll(async () => {
    hub = await dialect.open();
    store = await factory.setup();
    provider = await store.open();
    opened.push(provider);
    keys = new DatasetKeys(hub, provider);
  });

  afterAll(async () => {
    for (const p of opened) {
      await p.close();
    }
    await hub.close();
    await store.cleanup();
  });

  it('creates one random key per dataset, stores it wrapped, and returns it again', async () => {
    const a = await keys.current('cohort-a');
    const again = await keys.current('cohort-a');
    const b = await keys.current('cohort-b');
    expect(a.key.length).toBe(32);
    expect(again.keyId).toBe(a.keyId);
    expect(Buffer.from(again.key)).toEqual(Buffer.from(a.key));
    expect(b.keyId).not.toBe(a.keyId);
    expect(Buffer.from(b.key)).not.toEqual(Buffer.from(a.key));

    const row = await hub.db
      .selectFrom('dataset_keys')
      .selectAll()
      .where('key_id', '=', a.keyId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ dataset: 'cohort-a', state: 'active', wrap_alg: 'AES-256-KWP' });
    expect(row.master_key_id).toBe((await provider.describe()).activeMasterKeyId);
    expect(Buffer.from(row.wrapped!).length).toBe(40);
    expect(Buffer.from(row.wrapped!).includes(Buffer.from(a.key))).toBe(false);

    const cold = await sibling();
    expect(Buffer.from(await cold.resolve(a.keyId))).toEqual(Buffer.from(a.key));
  });

  it('hands out copies: wiping a returned key does not damage the cache', async () => {
    const first = await keys.current('copies');
    const expected = Buffer.from(first.key);
    first.key.fill(0);
    expect(Buffer.from(await keys.resolve(first.keyId))).toEqual(expected);
  });

  it('creates a single key when several processes ask for a new dataset at once', async () => {
    const others = await Promise.all([sibling(), sibling()]);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => [keys, ...others][i % 3]!.current('race')),
    );
    expect(new Set(results.map((r) => r.keyId)).size).toBe(1);
    const rows = await hub.db
      .selectFrom('dataset_keys')
      .select('key_id')
      .where('dataset', '=', 'race')
      .execute();
    expect(rows.length).toBe(1);
  });

  it('answers KMS_KEY_NOT_FOUND for an unknown key id', async () => {
    expect(await codeOf(keys.resolve('dk_NOPE'))).toBe('KMS_KEY_NOT_FOUND');
    expect(await codeOf(keys.current(''))).toBe('INPUT_INVALID');
  });

  it('shreds a dataset: its key is gone for every process, with who and when; others are untouched', async () => {
    const victim = await keys.current('to-shred');
    const survivor = await keys.current('survivor');
    const other = await sibling({ cacheTtlMs: 0 });
    expect(Buffer.from(await other.resolve(victim.keyId))).toEqual(Buffer.from(victim.key));

    const result = await keys.shred('to-shred', 'alice@operator');
    expect(result).toEqual({ dataset: 'to-shred', keyIds: [victim.keyId], alreadyDestroyed: [] });

    for (const k of [keys, other]) {
      const err = await k.resolve(victim.keyId).catch((e: unknown) => e);
      expect(isHdhError(err, 'KMS_KEY_DESTROYED')).toBe(true);
      expect((err as Error).message).toContain('to-shred');
      expect((err as Error).message).toContain('alice@operator');
    }
    expect(await codeOf(keys.current('to-shred'))).toBe('KMS_KEY_DESTROYED');
    expect(await codeOf(other.current('to-shred'))).toBe('KMS_KEY_DESTROYED');

    const row = await hub.db
      .selectFrom('dataset_keys')
      .selectAll()
      .where('key_id', '=', victim.keyId)
      .executeTakeFirstOrThrow();
    expect(row.wrapped).toBeNull();
    expect(row.state).toBe('destroyed');
    expect(row.destroyed_by).toBe('alice@operator');
    expect(Number.isNaN(Date.parse(row.destroyed_at!))).toBe(false);

    expect(Buffer.from(await keys.resolve(survivor.keyId))).toEqual(Buffer.from(survivor.key));
    expect(await keys.shred('to-shred', 'bob')).toEqual({
      dataset: 'to-shred',
      keyIds: [],
      alreadyDestroyed: [victim.keyId],
    });
    expect(await codeOf(keys.shred('never-existed', 'bob'))).toBe('KMS_KEY_NOT_FOUND');
    expect(await codeOf(keys.shred('survivor', ' '))).toBe('INPUT_INVALID');
  });

  it.runIf(dialect.name === 'sqlite')(
    'leaves no copy of the shredded wrapped key in the SQLite files',
    async () => {
      const victim = await keys.current('to-wipe');
      const row = await hub.db
        .selectFrom('dataset_keys')
        .select('wrapped')
        .where('key_id', '=', victim.keyId)
        .executeTakeFirstOrThrow();
      const wrapped = Buffer.from(row.wrapped!);
      const file = hub.url.slice('sqlite:'.length);
      const contents = async (): Promise<Buffer> =>
        Buffer.concat(
          await Promise.all([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFile(f))),
        );
      expect((await contents()).includes(wrapped)).toBe(true);
      await keys.shred('to-wipe', 'alice@operator');
      expect((await contents()).includes(wrapped)).toBe(false);
    },
  );

  it('rotates the master key: re-wraps every dataset key and the signing key, retires the old key', async () => {
    const datasets = Array.from({ length: 130 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
    const before = new Map<string, Buffer>();
    for (const d of datasets) {
      const k = await keys.current(d);
      before.set(k.keyId, Buffer.from(k.key));
    }
    const signer = await HubSigner.load(hub, provider);
    const payload = Buffer.from('compliance report');
    const oldSignature = await signer.signDetached(payload);
    const oldMaster = (await provider.describe()).activeMasterKeyId;
    const live = await hub.db
      .selectFrom('dataset_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'active')
      .executeTakeFirstOrThrow();

    const result = await keys.rotateMaster();
    expect(result.resumed).toBe(false);
    expect(result.previous).toEqual([oldMaster]);
    expect(result.current).not.toBe(oldMaster);
    expect(result.rewrapped).toBe(live.n);
    expect(result.signingKeyRewrapped).toBe(true);

    const info = await provider.describe();
    expect(info.activeMasterKeyId).toBe(result.current);
    expect(info.masterKeys.find((k) => k.id === oldMaster)?.state).toBe('retired');
    const masters = await hub.db
      .selectFrom('dataset_keys')
      .select('master_key_id')
      .where('state', '=', 'active')
      .execute();
    expect(new Set(masters.map((m) => m.master_key_id))).toEqual(new Set([result.current]));

    // Another process, cold: every key and the signing key come back under the new master key.
    const cold = await sibling();
    for (const [keyId, key] of before) {
      expect(Buffer.from(await cold.resolve(keyId))).toEqual(key);
    }
    const reloaded = await HubSigner.load(hub, opened[opened.length - 1]!);
    expect(reloaded.kid).toBe(signer.kid);
    await verifyDetached(oldSignature, payload, reloaded.publicJwk);
    await verifyDetached(await reloaded.signDetached(payload), payload, signer.publicJwk);

    const status = await keys.status();
    expect(status.signingKey?.masterKeyId).toBe(result.current);
  });

  it('finishes an interrupted rotation when run again, without creating another master key', async () => {
    const a = await keys.current('interrupted-a');
    const b = await keys.current('interrupted-b');
    const oldMaster = (await provider.describe()).activeMasterKeyId;
    // The first run crashed after creating the new master key and re-wrapping one dataset key.
    const created = await provider.createMasterKey();
    const row = await hub.db
      .selectFrom('dataset_keys')
      .selectAll()
      .where('key_id', '=', a.keyId)
      .executeTakeFirstOrThrow();
    const rewrapped = await provider.wrap(
      await provider.unwrap({ masterKeyId: row.master_key_id, alg: row.wrap_alg, data: row.wrapped! }),
    );
    await hub.db
      .updateTable('dataset_keys')
      .set({ wrapped: Buffer.from(rewrapped.data), master_key_id: rewrapped.masterKeyId })
      .where('key_id', '=', a.keyId)
      .execute();

    const result = await keys.rotateMaster();
    expect(result.resumed).toBe(true);
    expect(result.current).toBe(created.id);
    expect(result.previous).toEqual([oldMaster]);
    expect(result.rewrapped).toBeGreaterThanOrEqual(1);
    const info = await provider.describe();
    expect(info.masterKeys.filter((k) => k.state !== 'retired').map((k) => k.id)).toEqual([created.id]);
    const cold = await sibling();
    expect(Buffer.from(await cold.resolve(a.keyId))).toEqual(Buffer.from(a.key));
    expect(Buffer.from(await cold.resolve(b.keyId))).toEqual(Buffer.from(b.key));

    // A re-run with nothing left to do is a plain new rotation.
    const next = await keys.rotateMaster();
    expect(next.resumed).toBe(false);
    expect(next.previous).toEqual([created.id]);
  });

  it('keeps keys created during a rotation readable (no key is left under a retired master key)', async () => {
    const writer = await sibling();
    const [result, created] = await Promise.all([
      keys.rotateMaster(),
      Promise.all(Array.from({ length: 20 }, (_, i) => writer.current(`during-${i}`))),
    ]);
    const rows = await hub.db
      .selectFrom('dataset_keys')
      .select('master_key_id')
      .where('state', '=', 'active')
      .execute();
    expect(new Set(rows.map((r) => r.master_key_id))).toEqual(new Set([result.current]));
    const cold = await sibling();
    for (const k of created) {
      expect(Buffer.from(await cold.resolve(k.keyId))).toEqual(Buffer.from(k.key));
    }
  });

  it('reports status per dataset with the provider description', async () => {
    const status = await keys.status();
    expect(status.provider.kind).toBe(factory.name);
    const shredded = status.datasets.find((d) => d.dataset === 'to-shred');
    expect(shredded?.state).toBe('destroyed');
    expect(shredded?.keys[0]).toMatchObject({ state: 'destroyed', destroyedBy: 'alice@operator' });
    const live = status.datasets.find((d) => d.dataset === 'cohort-a');
    expect(live?.state).toBe('active');
    expect(live?.keys[0]?.masterKeyId).toBe(status.provider.activeMasterKeyId);
    expect(live?.keys[0]?.wrapAlg).toBe('AES-256-KWP');
  });

  it('keeps working with a cache smaller than the working set', async () => {
    const small = new DatasetKeys(hub, provider, { cacheSize: 2 });
    const ids = await Promise.all(['cohort-a', 'cohort-b', 'survivor'].map((d) => keys.current(d)));
    for (let round = 0; round < 2; round++) {
      for (const k of ids) {
        expect(Buffer.from(await small.resolve(k.keyId))).toEqual(Buffer.from(k.key));
      }
    }
  });
});
