import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../../../test/support/services.js';
import { isHdhError } from '../../../core/index.js';
import { errorCode, runConformance } from '../../testing/conformance.js';
import {
  freshBucketName,
  removeS3Bucket,
  s3TestServer,
  testS3Client,
  urlAnswers,
} from '../../testing/servers.js';
import { failingBody, MiB, randomBody } from '../../testing/test-bodies.js';
import { S3Store, type S3Tuning } from './index.js';

const server = s3TestServer();
const available = await serviceAvailable('Ceph radosgw (S3)', urlAnswers(server.endpoint));
const bucket = freshBucketName('s3');

function open(
  overrides: { bucket?: string; endpoint?: string; secret?: string; tuning?: S3Tuning } = {},
): S3Store {
  return new S3Store({
    name: 'ceph',
    config: {
      endpoint: overrides.endpoint ?? server.endpoint,
      bucket: overrides.bucket ?? bucket,
      region: server.region,
      pathStyle: true,
      maxParts: 10_000,
      maxObjectBytes: 5 * 1024 ** 4,
    },
    credentials: {
      accessKeyId: server.accessKeyId,
      secretAccessKey: overrides.secret ?? server.secretAccessKey,
    },
    ...(overrides.tuning === undefined ? {} : { tuning: overrides.tuning }),
  });
}

async function pendingUploads(): Promise<number> {
  const client = testS3Client(server);
  try {
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    return out.Uploads?.length ?? 0;
  } finally {
    client.destroy();
  }
}

runConformance({
  name: 's3 (Ceph radosgw)',
  enabled: available,
  setup: () => open().ensureBucket(),
  create: () => Promise.resolve(open()),
  cleanup: () => removeS3Bucket(bucket),
});

describe.skipIf(!available)('s3 store on Ceph radosgw', () => {
  const store = open();
  beforeAll(async () => {
    await store.ensureBucket();
  });
  afterAll(async () => {
    await store.close();
  });

  it('reports an MD5 for single-part objects only, and a real ETag after multipart', async () => {
    const small = await store.put('md5/small', 'single part');
    expect(small.md5).toMatch(/^[0-9a-f]{32}$/);
    const { body } = randomBody(12 * MiB);
    const large = await store.put('md5/large', body);
    // RGW's CompleteMultipartUpload answer has an empty ETag: the store must have read the real one.
    expect(large.etag).toMatch(/-2"?$/);
    expect(large.md5).toBeUndefined();
    expect((await store.head('md5/large'))?.md5).toBeUndefined();
  });

  it('leaves no multipart upload behind when a large put fails or is aborted', async () => {
    expect(await errorCode(store.put('leak/failed', failingBody(20 * MiB)))).toBe('STORAGE_BODY_FAILED');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const { body } = randomBody(64 * MiB);
    expect(await errorCode(store.put('leak/aborted', body, { signal: controller.signal }))).toBe(
      'OPERATION_ABORTED',
    );
    expect(await pendingUploads()).toBe(0);
  });

  it('translates the service refusing a wrong Content-MD5 to STORAGE_INTEGRITY', async () => {
    const { translateS3Error } = await import('./index.js');
    const wrong = Buffer.from('0123456789abcdef').toString('base64');
    const sent = store.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'md5/wrong',
        Body: Buffer.from('data'),
        ContentMD5: wrong,
      }),
    );
    const err = await sent.then(
      () => undefined,
      (e: unknown) => translateS3Error(e, 'test'),
    );
    expect(err?.code).toBe('STORAGE_INTEGRITY');
    expect(await store.head('md5/wrong')).toBeUndefined();
  });

  it('uses the provider part limit from its configuration', async () => {
    const scaleway = new S3Store({
      name: 'scaleway-like',
      config: {
        endpoint: server.endpoint,
        bucket,
        region: server.region,
        pathStyle: true,
        maxParts: 1000,
        maxObjectBytes: 5e12,
      },
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    });
    expect(scaleway.capabilities.maxParts).toBe(1000);
    expect(await errorCode(scaleway.multipart.uploadPart('p/x', 'id', 1001, Buffer.from('x')))).toBe(
      'STORAGE_MULTIPART_INVALID',
    );
    await scaleway.close();
  });

  it('fails with STORAGE_BUCKET_NOT_FOUND when the bucket does not exist', async () => {
    const missing = open({ bucket: freshBucketName('missing') });
    expect(await errorCode(missing.put('k', 'v'))).toBe('STORAGE_BUCKET_NOT_FOUND');
    const listing = (async () => {
      const keys: string[] = [];
      for await (const o of missing.list('')) {
        keys.push(o.key);
      }
      return keys;
    })();
    expect(await errorCode(listing)).toBe('STORAGE_BUCKET_NOT_FOUND');
    await missing.close();
  });

  it('fails with STORAGE_ACCESS_DENIED on a wrong secret, without the secret in the message', async () => {
    const wrongSecret = 'not-the-secret-0123456789';
    const denied = open({ secret: wrongSecret, tuning: { maxAttempts: 1 } });
    const err = await denied.put('k', 'v').catch((e: unknown) => e);
    expect(isHdhError(err, 'STORAGE_ACCESS_DENIED')).toBe(true);
    expect(JSON.stringify(err)).not.toContain(wrongSecret);
    expect(await errorCode(denied.head('k'))).toBe('STORAGE_ACCESS_DENIED');
    await denied.close();
  });
});

describe('s3 store without a server', () => {
  it('fails with a retryable STORAGE_UNAVAILABLE when the endpoint is unreachable', async () => {
    // Port 9 (discard) on loopback: nothing listens there in a test machine, so connecting is refused.
    const unreachable = open({ endpoint: 'http://127.0.0.1:9', tuning: { maxAttempts: 1 } });
    for (const attempt of [
      () => unreachable.head('k'),
      () => unreachable.put('k', 'v'),
      () => unreachable.get('k'),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(isHdhError(err, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
    }
    await unreachable.close();
  });
});
