import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../test/support/services.js';
import { isHdhError, readAll, type StoreConfig } from '../core/index.js';
import { BACKENDS, backendFor, createStore, storeCapabilities, StorageErrors } from './index.js';
import {
  azureTestServer,
  errorCode,
  freshBucketName,
  removeAzureContainer,
  removeS3Bucket,
  s3TestServer,
  urlAnswers,
} from './testing/index.js';

const s3Config = (bucket: string, over: Partial<Extract<StoreConfig, { type: 's3' }>> = {}): StoreConfig => ({
  type: 's3',
  endpoint: s3TestServer().endpoint,
  bucket,
  region: 'us-east-1',
  pathStyle: true,
  accessKeyIdEnv: 'TEST_S3_KEY',
  secretAccessKeyEnv: 'TEST_S3_SECRET',
  maxParts: 10_000,
  maxObjectBytes: 5 * 1024 ** 4,
  provider: 'ceph-test',
  legacy: false,
  ...over,
});

const azureConfig = (
  container: string,
  over: Partial<Extract<StoreConfig, { type: 'azure-blob' }>> = {},
): StoreConfig => ({
  type: 'azure-blob',
  endpoint: azureTestServer().url,
  container,
  accountKeyEnv: 'TEST_AZURE_KEY',
  provider: 'azurite-test',
  legacy: false,
  ...over,
});

describe('storage registry', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hdh-registry-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('has a backend for every store type of the configuration schema', () => {
    expect(Object.keys(BACKENDS).sort()).toEqual(['azure-blob', 'fs', 'memory', 's3']);
    for (const [kind, backend] of Object.entries(BACKENDS)) {
      expect(backend.kind).toBe(kind);
    }
    expect(() => backendFor('ftp')).toThrow(expect.objectContaining({ code: 'STORAGE_BACKEND_UNKNOWN' }));
  });

  it('gives capabilities from configuration alone', () => {
    const scaleway = storeCapabilities(s3Config('b', { maxParts: 1000, maxObjectBytes: 5e12 }));
    expect(scaleway).toMatchObject({
      maxParts: 1000,
      minPartBytes: 5 * 1024 ** 2,
      maxObjectBytes: 5e12,
      maxKeyBytes: 1024,
    });
    expect(storeCapabilities(azureConfig('c'))).toMatchObject({ maxParts: 50_000, maxKeyBytes: 1024 });
    expect(storeCapabilities({ type: 'fs', root: 'objects', provider: 'p', legacy: false })).toMatchObject({
      maxKeyBytes: 1024,
      multipart: true,
    });
    expect(storeCapabilities({ ...azureConfig('c'), legacy: true })).toMatchObject({
      multipart: false,
      maxParts: 0,
    });
  });

  it('resolves a relative fs root against the home, creating it only when asked', async () => {
    const config: StoreConfig = { type: 'fs', root: 'objects', provider: 'on-premises', legacy: false };
    expect(await errorCode(createStore('local', config, { home }))).toBe('STORAGE_BUCKET_NOT_FOUND');
    const store = await createStore('local', config, { home, ensureContainer: true });
    await store.put('hello', 'world');
    expect(existsSync(join(home, 'objects', 'hello'))).toBe(true);
    expect(store.name).toBe('local');
    expect(store.kind).toBe('fs');
  });

  it('opens memory stores', async () => {
    const store = await createStore('scratch', { type: 'memory', provider: 'none', legacy: false }, { home });
    await store.put('k', 'v');
    expect((await readAll(await store.get('k'))).toString()).toBe('v');
  });

  it('opens legacy stores read-only', async () => {
    await writeFile(join(home, 'objects', 'old.csv'), 'a,b\n');
    const legacy = await createStore(
      'old-platform',
      { type: 'fs', root: 'objects', provider: 'on-premises', legacy: true },
      { home, ensureContainer: true },
    );
    expect((await readAll(await legacy.get('old.csv'))).toString()).toBe('a,b\n');
    expect((await legacy.head('old.csv'))?.size).toBe(4);
    expect(await errorCode(legacy.put('new', 'x'))).toBe('STORAGE_READ_ONLY');
    expect(await errorCode(legacy.delete('old.csv'))).toBe('STORAGE_READ_ONLY');
    expect(legacy.multipart).toBeUndefined();
    expect(legacy.capabilities.multipart).toBe(false);
    expect(existsSync(join(home, 'objects', 'old.csv'))).toBe(true);
    const missingRoot = { type: 'fs' as const, root: 'never-created', provider: 'x', legacy: true };
    expect(await errorCode(createStore('gone', missingRoot, { home, ensureContainer: true }))).toBe(
      'STORAGE_BUCKET_NOT_FOUND',
    );
  });

  it('names every missing credential variable, and no value', async () => {
    const err = await createStore('eu', s3Config('b'), { home, env: { TEST_S3_KEY: '' } }).catch(
      (e: unknown) => e,
    );
    expect(isHdhError(err, 'STORAGE_CREDENTIALS_MISSING')).toBe(true);
    expect((err as Error).message).toContain('TEST_S3_KEY (accessKeyIdEnv)');
    expect((err as Error).message).toContain('TEST_S3_SECRET (secretAccessKeyEnv)');

    const onlySecret = await createStore('eu', s3Config('b'), {
      home,
      env: { TEST_S3_KEY: 'AKIA-VISIBLE' },
    }).catch((e: unknown) => e);
    expect((onlySecret as Error).message).toContain('TEST_S3_SECRET');
    expect((onlySecret as Error).message).not.toContain('AKIA-VISIBLE');

    const azure = await createStore('src', azureConfig('c'), { home, env: {} }).catch((e: unknown) => e);
    expect(isHdhError(azure, 'STORAGE_CREDENTIALS_MISSING')).toBe(true);
    expect((azure as Error).message).toContain('TEST_AZURE_KEY');

    const none = await createStore('src', azureConfig('c', { accountKeyEnv: undefined }), {
      home,
      env: {},
    }).catch((e: unknown) => e);
    expect((none as Error).message).toMatch(/accountKeyEnv.*sasTokenEnv/);
    expect(StorageErrors.STORAGE_CREDENTIALS_MISSING('x').status).toBe(400);
  });
});

const s3Up = await serviceAvailable('Ceph radosgw (S3)', urlAnswers(s3TestServer().endpoint));
describe.skipIf(!s3Up)('storage registry with Ceph radosgw', () => {
  const bucket = freshBucketName('registry');
  afterAll(async () => {
    await removeS3Bucket(bucket);
  });

  it('opens an s3 store with credentials from the environment and creates its bucket when asked', async () => {
    const server = s3TestServer();
    const env = { TEST_S3_KEY: server.accessKeyId, TEST_S3_SECRET: server.secretAccessKey };
    const store = await createStore('ceph', s3Config(bucket), { home: tmpdir(), env, ensureContainer: true });
    await store.put('registry/k', 'through the registry');
    expect((await readAll(await store.get('registry/k'))).toString()).toBe('through the registry');
    await store.close();
  });
});

const azureUp = await serviceAvailable('Azurite (Azure Blob)', urlAnswers(azureTestServer().url));
describe.skipIf(!azureUp)('storage registry with Azurite', () => {
  const container = freshBucketName('registry');
  afterAll(async () => {
    await removeAzureContainer(container);
  });

  it('opens an azure-blob store with the account named by its endpoint and the key from the environment', async () => {
    const env = { TEST_AZURE_KEY: azureTestServer().accountKey };
    const store = await createStore('azure-source', azureConfig(container), {
      home: tmpdir(),
      env,
      ensureContainer: true,
    });
    await store.put('registry/k', 'via azurite');
    expect((await readAll(await store.get('registry/k'))).toString()).toBe('via azurite');
    const legacy = await createStore(
      'azure-legacy',
      { ...azureConfig(container), legacy: true },
      { home: tmpdir(), env },
    );
    expect((await readAll(await legacy.get('registry/k'))).toString()).toBe('via azurite');
    expect(await errorCode(legacy.put('registry/k', 'overwrite'))).toBe('STORAGE_READ_ONLY');
  });
});
