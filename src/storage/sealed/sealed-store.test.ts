import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBody, isHdhError, readAll } from '../../core/index.js';
import { onSealPath } from '../../crypto/testing.js';
import { openDb, type HubDb } from '../../db/index.js';
import { DatasetKeys, LocalKeyProvider, initLocalKeyring } from '../../kms/index.js';
import { serviceAvailable } from '../../../test/support/services.js';
import { createStore, FsStore, MemoryStore, SealedStore, type ObjectStore } from '../index.js';
import {
  azureTestServer,
  freshBucketName,
  removeS3Bucket,
  s3TestServer,
  urlAnswers,
} from '../testing/index.js';

let db: HubDb;
let keys: DatasetKeys;
let provider: LocalKeyProvider;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hdh-sealed-'));
  const file = join(dir, 'keyring.json');
  await initLocalKeyring(file, 'test passphrase', 'argon2id', { cost: { memoryKiB: 1024, iterations: 1 } });
  provider = await LocalKeyProvider.open({ file, passphrase: 'test passphrase' });
  db = await openDb(`sqlite:${join(dir, 'hub.db')}`);
  keys = new DatasetKeys(db, provider);
});
afterAll(async () => {
  await provider.close();
  await db.close();
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Backend {
  readonly name: string;
  readonly enabled: () => Promise<boolean>;
  readonly open: () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    enabled: () => Promise.resolve(true),
    open: () =>
      Promise.resolve({ store: new MemoryStore({ name: 'mem' }), cleanup: () => Promise.resolve() }),
  },
  {
    name: 'fs',
    enabled: () => Promise.resolve(true),
    open: async () => ({
      store: await FsStore.open({ name: 'fs', root: mkdtempSync(join(tmpdir(), 'hdh-sealed-fs-')) }),
      cleanup: () => Promise.resolve(),
    }),
  },
  {
    name: 's3 (Ceph radosgw)',
    enabled: () => serviceAvailable('Ceph radosgw (S3)', urlAnswers(s3TestServer().endpoint)),
    open: async () => {
      const server = s3TestServer();
      const bucket = freshBucketName('sealed');
      const store = await createStore(
        's3',
        {
          type: 's3',
          endpoint: server.endpoint,
          bucket,
          region: server.region,
          pathStyle: true,
          accessKeyIdEnv: 'K',
          secretAccessKeyEnv: 'S',
          maxParts: 10_000,
          maxObjectBytes: 5 * 1024 ** 4,
          provider: 'on-premises',
          legacy: false,
        },
        { home: tmpdir(), env: { K: server.accessKeyId, S: server.secretAccessKey }, ensureContainer: true },
      );
      return { store, cleanup: () => removeS3Bucket(bucket, server) };
    },
  },
  {
    name: 'azure-blob (Azurite)',
    enabled: () => serviceAvailable('Azurite (Azure Blob)', urlAnswers(azureTestServer().url)),
    open: async () => {
      const server = azureTestServer();
      const store = await createStore(
        'az',
        {
          type: 'azure-blob',
          endpoint: server.url,
          container: freshBucketName('sealed'),
          accountNameEnv: 'A',
          accountKeyEnv: 'K',
          provider: 'on-premises',
          legacy: false,
        },
        { home: tmpdir(), env: { A: server.accountName, K: server.accountKey }, ensureContainer: true },
      );
      return { store, cleanup: () => Promise.resolve() };
    },
  },
];

for (const backend of backends) {
  const enabled = await backend.enabled();
  describe.skipIf(!enabled)(`sealed store over ${backend.name}`, () => {
    let inner: ObjectStore;
    let sealed: SealedStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store: inner, cleanup } = await backend.open());
      sealed = new SealedStore(inner, keys, { chunkSize: 64 * 1024 });
    });
    afterAll(async () => {
      await cleanup();
      await inner.close();
    });

    it('round-trips plaintext while the backend holds only ciphertext', async () => {
      const plain = Buffer.concat([
        Buffer.from('NIR 1 84 12 76 451 089 46 — Dupont\n'),
        randomBytes(300_000),
      ]);
      const put = await sealed.put('d1/a.bin', plain, {
        dataset: 'd1',
        dataClass: 'identifying-health',
        size: plain.length,
      });
      expect(put.seal).toMatchObject({ plainSize: plain.length, plainSha256: sha(plain) });
      const raw = await readAll(await inner.get('d1/a.bin'));
      expect(raw.length).toBe(put.stored.size);
      expect(raw.includes(Buffer.from('Dupont'))).toBe(false);
      expect(sha(raw)).toBe(put.seal.sealedSha256);
      expect(await readAll(await sealed.get('d1/a.bin', { expectedObjectId: 'd1/a.bin' }))).toEqual(plain);
      const head = await sealed.head('d1/a.bin');
      expect(head).toMatchObject({
        size: plain.length,
        header: { dataset: 'd1', dataClass: 'identifying-health', objectId: 'd1/a.bin' },
      });
      const verified = await sealed.verify('d1/a.bin');
      expect(verified).toMatchObject({ plainSha256: sha(plain), sealedSha256: put.seal.sealedSha256 });
    });

    it('reads byte ranges across chunk boundaries', async () => {
      const plain = randomBytes(200_000);
      await sealed.put('d1/r.bin', Readable.from([plain.subarray(0, 1000), plain.subarray(1000)]), {
        dataset: 'd1',
        dataClass: 'public',
      });
      for (const [start, end] of [
        [0, 1],
        [65_535, 65_537],
        [100_000, 200_000],
        [199_999, 200_000],
      ] as const) {
        const got = await readAll(await sealed.get('d1/r.bin', { range: { start, end } }));
        expect(got).toEqual(plain.subarray(start, end));
      }
    });

    it('refuses an object that was renamed or swapped', async () => {
      await sealed.put('d1/x', 'one', { dataset: 'd1', dataClass: 'public' });
      await sealed.put('d1/y', 'two', { dataset: 'd1', dataClass: 'public' });
      const x = await readAll(await inner.get('d1/x'));
      await inner.put('d1/y', x);
      const err = await readAll(await sealed.get('d1/y', { expectedObjectId: 'd1/y' })).catch(
        (e: unknown) => e,
      );
      expect(isHdhError(err, 'CRYPTO_OBJECT_MISMATCH')).toBe(true);
    });

    it('refuses a flipped bit in the stored bytes', async () => {
      await sealed.put('d1/t', randomBytes(100_000), { dataset: 'd1', dataClass: 'public' });
      const raw = Buffer.from(await readAll(await inner.get('d1/t')));
      raw[raw.length >> 1]! ^= 0x10;
      await inner.put('d1/t', raw);
      const err = await readAll(await sealed.get('d1/t')).catch((e: unknown) => e);
      expect(isHdhError(err, 'CRYPTO_TAMPERED')).toBe(true);
      await expect(sealed.verify('d1/t')).rejects.toSatisfy((e) => isHdhError(e, 'CRYPTO_TAMPERED'));
    });

    it('writes nothing when the body fails, and keeps the good object it would have replaced', async () => {
      await sealed.put('d1/keep', 'good', { dataset: 'd1', dataClass: 'public' });
      async function* failing(): AsyncIterable<Uint8Array> {
        yield randomBytes(100_000);
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('source went away');
      }
      await expect(
        sealed.put('d1/keep', failing(), { dataset: 'd1', dataClass: 'public' }),
      ).rejects.toThrow();
      await expect(sealed.put('d1/new', failing(), { dataset: 'd1', dataClass: 'public' })).rejects.toThrow();
      expect((await readAll(await sealed.get('d1/keep'))).toString()).toBe('good');
      expect(await inner.head('d1/new')).toBeUndefined();
    });

    it('seals a file body (file to file on the fs store), and a failed one writes nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hdh-sealed-file-'));
      const plain = randomBytes(1_000_003);
      const file = join(dir, 'plain.bin');
      writeFileSync(file, plain);
      for (const native of [true, false]) {
        const key = `d1/file-${native}`;
        const put = await onSealPath(native, () =>
          sealed.put(key, new FileBody(file), { dataset: 'd1', dataClass: 'public', size: plain.length }),
        );
        expect(put.seal).toMatchObject({ plainSize: plain.length, plainSha256: sha(plain) });
        const raw = await readAll(await inner.get(key));
        expect(raw.length).toBe(put.stored.size);
        expect(raw.length).toBe(put.seal.sealedSize);
        expect(sha(raw)).toBe(put.seal.sealedSha256);
        expect(await readAll(await sealed.get(key, { expectedObjectId: key }))).toEqual(plain);

        await sealed.put('d1/kept', 'good', { dataset: 'd1', dataClass: 'public' });
        const wrongSize = await onSealPath(native, () =>
          sealed.put('d1/kept', new FileBody(file), { dataset: 'd1', dataClass: 'public', size: 5 }),
        ).catch((e: unknown) => e);
        expect(
          isHdhError(wrongSize, 'INPUT_INVALID') || isHdhError(wrongSize, 'STORAGE_SIZE_MISMATCH'),
          String(wrongSize),
        ).toBe(true);
        const missing = await onSealPath(native, () =>
          sealed.put('d1/missing', new FileBody(join(dir, 'absent')), { dataset: 'd1', dataClass: 'public' }),
        ).catch((e: unknown) => e);
        expect(isHdhError(missing, 'STORAGE_BODY_FAILED'), String(missing)).toBe(true);
        expect((await readAll(await sealed.get('d1/kept'))).toString()).toBe('good');
        expect(await inner.head('d1/missing')).toBeUndefined();
      }
      if (inner instanceof FsStore) {
        expect(readdirSync(join(inner.root, '.hdh-store', 'tmp'))).toEqual([]);
      }
    });

    it('makes every object of a shredded dataset unreadable', async () => {
      const dataset = `shred-${backend.name.replace(/[^a-z0-9]/g, '')}`;
      await sealed.put(`${dataset}/o`, 'secret', { dataset, dataClass: 'pseudonymised-health' });
      await keys.shred(dataset, 'tester');
      const err = await readAll(await sealed.get(`${dataset}/o`)).catch((e: unknown) => e);
      expect(isHdhError(err, 'KMS_KEY_DESTROYED')).toBe(true);
    });
  });
}
