/**
 * The real servers storage tests run against, with the endpoints and credentials of
 * test/servers/azurite.sh and test/servers/ceph.sh (overridable through the environment), and fresh
 * buckets and containers that tests create and remove.
 * @module
 */
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { connect } from 'node:net';

const env = process.env;

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface S3TestServer {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

export interface AzureTestServer {
  /** Account URL, e.g. http://127.0.0.1:10000/devstoreaccount1. */
  readonly url: string;
  readonly accountName: string;
  readonly accountKey: string;
}

/** The S3 server of the tests: Ceph radosgw from test/servers/ceph.sh unless HDH_TEST_S3_* say otherwise. */
export function s3TestServer(): S3TestServer {
  return {
    endpoint: env['HDH_TEST_S3_ENDPOINT'] ?? 'http://127.0.0.1:7480',
    accessKeyId: env['HDH_TEST_S3_ACCESS_KEY'] ?? 'HDHTESTACCESSKEY',
    secretAccessKey: env['HDH_TEST_S3_SECRET_KEY'] ?? 'HDHTESTSECRETKEY',
    region: env['HDH_TEST_S3_REGION'] ?? 'us-east-1',
  };
}

/** The Azure Blob server of the tests: Azurite from test/servers/azurite.sh unless HDH_TEST_AZURITE_URL says otherwise. */
export function azureTestServer(): AzureTestServer {
  return {
    url: env['HDH_TEST_AZURITE_URL'] ?? `http://127.0.0.1:10000/${AZURITE_ACCOUNT}`,
    accountName: env['HDH_TEST_AZURITE_ACCOUNT'] ?? AZURITE_ACCOUNT,
    accountKey: env['HDH_TEST_AZURITE_KEY'] ?? AZURITE_KEY,
  };
}

/** True when something accepts TCP connections at the URL's host and port. */
export function urlAnswers(url: string, timeoutMs = 1000): () => Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return () =>
    new Promise((resolve) => {
      const socket = connect({ host: u.hostname, port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => {
        done(false);
      });
      socket.once('connect', () => {
        done(true);
      });
      socket.once('error', () => {
        done(false);
      });
    });
}

/** A bucket or container name no other run uses (S3 and Azure rules: lower case, digits, dashes). */
export function freshBucketName(purpose = 'test'): string {
  return `hdh-${purpose}-${randomBytes(6).toString('hex')}`;
}

export function testS3Client(server: S3TestServer = s3TestServer()): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Removes every object and pending upload of a test bucket, then the bucket. */
export async function removeS3Bucket(bucket: string, server: S3TestServer = s3TestServer()): Promise<void> {
  const client = testS3Client(server);
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length === 0) {
        break;
      }
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) {
      await client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

export function testBlobService(server: AzureTestServer = azureTestServer()): BlobServiceClient {
  return new BlobServiceClient(
    server.url,
    new StorageSharedKeyCredential(server.accountName, server.accountKey),
  );
}

export async function createAzureContainer(
  container: string,
  server: AzureTestServer = azureTestServer(),
): Promise<void> {
  await testBlobService(server).getContainerClient(container).createIfNotExists();
}

export async function removeAzureContainer(
  container: string,
  server: AzureTestServer = azureTestServer(),
): Promise<void> {
  await testBlobService(server).getContainerClient(container).deleteIfExists();
}
