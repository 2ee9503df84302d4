import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../../test/support/services.js';
import { isHdhError, readAll } from '../../../core/index.js';
import { errorCode, runConformance } from '../../testing/conformance.js';
import {
  azureTestServer,
  createAzureContainer,
  freshBucketName,
  removeAzureContainer,
  testBlobService,
  urlAnswers,
} from '../../testing/servers.js';
import { md5Hex, MiB, randomBody } from '../../testing/test-bodies.js';
import { AzureBlobStore, type AzureBlobCredential, type AzureBlobTuning } from './index.js';

const server = azureTestServer();
const available = await serviceAvailable('Azurite (Azure Blob)', urlAnswers(server.url));
const container = freshBucketName('azure');
const sharedKey: AzureBlobCredential = {
  kind: 'shared-key',
  accountName: server.accountName,
  accountKey: server.accountKey,
};

function open(
  overrides: {
    container?: string;
    endpoint?: string;
    credential?: AzureBlobCredential;
    tuning?: AzureBlobTuning;
  } = {},
): AzureBlobStore {
  return new AzureBlobStore({
    name: 'azurite',
    config: { endpoint: overrides.endpoint ?? server.url, container: overrides.container ?? container },
    credential: overrides.credential ?? sharedKey,
    // Small pages so that the 2,000-object listing crosses page boundaries.
    tuning: { listPageSize: 500, ...overrides.tuning },
  });
}

function accountSas(expiresOn: Date): string {
  return generateAccountSASQueryParameters(
    {
      expiresOn,
      permissions: AccountSASPermissions.parse('rwdlacup'),
      services: AccountSASServices.parse('b').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      protocol: SASProtocol.HttpsAndHttp,
    },
    new StorageSharedKeyCredential(server.accountName, server.accountKey),
  ).toString();
}

runConformance({
  name: 'azure-blob (Azurite)',
  enabled: available,
  setup: () => createAzureContainer(container),
  create: () => Promise.resolve(open()),
  cleanup: () => removeAzureContainer(container),
  skip: [
    {
      reason: 'copy between blobs needs a source URL the service can read; the backend does not offer it',
      tests: ['server-side copy'],
    },
    {
      reason:
        'Azurite lists in JavaScript string order (UTF-16 code units), not UTF-8 byte order, for keys mixing characters above U+FFFF with U+E000–U+FFFF',
      tests: ['list follows UTF-8 byte order above U+FFFF'],
    },
  ],
});

describe.skipIf(!available)('azure-blob store on Azurite', () => {
  const own = freshBucketName('azure-unit');
  const store = open({ container: own });
  beforeAll(async () => {
    await store.ensureContainer();
  });
  afterAll(async () => {
    await removeAzureContainer(own);
  });

  it('reports Content-MD5 where the service has one, and none for block uploads without it', async () => {
    const small = Buffer.from('single shot');
    expect((await store.put('md5/single', small)).md5).toBe(md5Hex(small));
    expect((await store.head('md5/single'))?.md5).toBe(md5Hex(small));

    const { body } = randomBody(20 * MiB);
    await store.put('md5/blocks', body);
    expect((await store.head('md5/blocks'))?.md5).toBeUndefined();

    const data = Buffer.alloc(20 * MiB, 7);
    await store.put('md5/blocks-announced', data, { md5: md5Hex(data) });
    expect((await store.head('md5/blocks-announced'))?.md5).toBe(md5Hex(data));
    const listed = [];
    for await (const o of store.list('md5/')) {
      listed.push([o.key, o.md5]);
    }
    expect(listed).toEqual([
      ['md5/blocks', undefined],
      ['md5/blocks-announced', md5Hex(data)],
      ['md5/single', md5Hex(small)],
    ]);
  });

  it('resumes a listing after a key above U+FFFF in the order the service lists in', async () => {
    for (const key of ['order/a\ufffd', 'order/a😀', 'order/b']) {
      await store.put(key, key);
    }
    const all = [];
    for await (const o of store.list('order/')) {
      all.push(o.key);
    }
    expect(all).toHaveLength(3);
    for (const [i, key] of all.entries()) {
      const rest = [];
      for await (const o of store.list('order/', { startAfter: key })) {
        rest.push(o.key);
      }
      expect(rest).toEqual(all.slice(i + 1));
    }
  });

  it('reads blobs another client uploaded in blocks, as a legacy source would hold them', async () => {
    const data = Buffer.alloc(9 * MiB, 3);
    await testBlobService()
      .getContainerClient(own)
      .getBlockBlobClient('legacy/blocks.bin')
      .uploadData(data, { blockSize: 4 * MiB, maxSingleShotSize: MiB });
    const head = await store.head('legacy/blocks.bin');
    expect(head?.size).toBe(data.length);
    expect(head?.md5).toBeUndefined();
    expect((await readAll(await store.get('legacy/blocks.bin'))).equals(data)).toBe(true);
  });

  it('marks archive-tier blobs and refuses to read them with STORAGE_ARCHIVED', async () => {
    await store.put('tier/cold', 'frozen');
    await testBlobService().getContainerClient(own).getBlockBlobClient('tier/cold').setAccessTier('Archive');
    const head = await store.head('tier/cold');
    expect(head?.storageClass).toBe('Archive');
    expect(head?.archived).toBe(true);
    const listed = [];
    for await (const o of store.list('tier/')) {
      listed.push(o);
    }
    expect(listed[0]?.archived).toBe(true);
    expect(await errorCode(store.get('tier/cold'))).toBe('STORAGE_ARCHIVED');
  });

  it('works with a SAS token instead of the account key', async () => {
    const sas = open({
      container: own,
      credential: { kind: 'sas', sasToken: accountSas(new Date(Date.now() + 3600_000)) },
    });
    await sas.put('sas/object', 'through a SAS');
    expect((await readAll(await sas.get('sas/object'))).toString()).toBe('through a SAS');
  });

  it('refuses an expired SAS with STORAGE_ACCESS_DENIED, without the signature in the message', async () => {
    const token = accountSas(new Date(Date.now() - 3600_000));
    const signature = new URLSearchParams(token).get('sig')!;
    const expired = open({
      container: own,
      credential: { kind: 'sas', sasToken: token },
      tuning: { maxTries: 1 },
    });
    const err = await expired.put('sas/late', 'x').catch((e: unknown) => e);
    expect(isHdhError(err, 'STORAGE_ACCESS_DENIED')).toBe(true);
    expect(JSON.stringify(err)).not.toContain(signature);
  });

  it('refuses a wrong account key with STORAGE_ACCESS_DENIED, without the key in the message', async () => {
    const wrongKey = Buffer.alloc(64, 1).toString('base64');
    const denied = open({
      container: own,
      credential: { kind: 'shared-key', accountName: server.accountName, accountKey: wrongKey },
      tuning: { maxTries: 1 },
    });
    const err = await denied.put('k', 'v').catch((e: unknown) => e);
    expect(isHdhError(err, 'STORAGE_ACCESS_DENIED')).toBe(true);
    expect(JSON.stringify(err)).not.toContain(wrongKey);
    expect(await errorCode(denied.head('k'))).toBe('STORAGE_ACCESS_DENIED');
  });

  it('fails with STORAGE_BUCKET_NOT_FOUND when the container does not exist', async () => {
    const missing = open({ container: freshBucketName('missing') });
    expect(await errorCode(missing.put('k', 'v'))).toBe('STORAGE_BUCKET_NOT_FOUND');
    const listing = (async () => {
      const keys: string[] = [];
      for await (const o of missing.list('')) {
        keys.push(o.key);
      }
      return keys;
    })();
    expect(await errorCode(listing)).toBe('STORAGE_BUCKET_NOT_FOUND');
  });
});

describe('azure-blob store without a server', () => {
  it('fails with a retryable STORAGE_UNAVAILABLE when the endpoint is unreachable', async () => {
    const unreachable = open({ endpoint: 'http://127.0.0.1:9/devstoreaccount1', tuning: { maxTries: 1 } });
    for (const attempt of [
      () => unreachable.head('k'),
      () => unreachable.put('k', 'v'),
      () => unreachable.get('k'),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(isHdhError(err, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
    }
  });
});
