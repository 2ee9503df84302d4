import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../../test/support/services.js';
import { sqliteDialect, type TestDb } from '../db/testing.js';
import { AzureBlobStore, S3Store } from '../storage/index.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  azureTestServer,
  createAzureContainer,
  freshBucketName,
  removeAzureContainer,
  removeS3Bucket,
  s3TestServer,
  testBlobService,
  urlAnswers,
} from '../storage/testing/index.js';
import { createMigrationEngine } from './engine.js';
import { createTestDeps, createTestKeyring, type TestDeps } from './testing/deps.js';

const MIB = 1024 ** 2;
const azure = azureTestServer();
const s3 = s3TestServer();
const azureUp = await serviceAvailable('Azurite (Azure Blob)', urlAnswers(azure.url));
const s3Up = await serviceAvailable('Ceph radosgw (S3)', urlAnswers(s3.endpoint));
const AZURITE_MAIN = fileURLToPath(
  new URL('../../test/servers/azurite/node_modules/azurite/dist/src/blob/main.js', import.meta.url),
);

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function azureStore(name: string, url: string, container: string, maxTries?: number): AzureBlobStore {
  return new AzureBlobStore({
    name,
    config: { endpoint: url, container },
    credential: { kind: 'shared-key', accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY },
    tuning: { singleMaxBytes: 4 * MIB, partBytes: 4 * MIB, ...(maxTries !== undefined ? { maxTries } : {}) },
  });
}

function s3Store(name: string, bucket: string): S3Store {
  return new S3Store({
    name,
    config: {
      endpoint: s3.endpoint,
      bucket,
      region: s3.region,
      pathStyle: true,
      maxParts: 10_000,
      maxObjectBytes: 5 * 1024 ** 4,
    },
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

describe.runIf(azureUp && s3Up)('Azurite → Ceph radosgw', () => {
  let hub: TestDb;
  let deps: TestDeps;
  const container = freshBucketName('mig');
  const bucket = freshBucketName('mig');
  let source: AzureBlobStore;
  let dest: S3Store;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    hub = await sqliteDialect.open();
    await createAzureContainer(container);
    source = azureStore('azure', azure.url, container);
    dest = s3Store('ceph', bucket);
    await dest.ensureBucket();
    deps = await createTestDeps({
      db: hub,
      keyring: await createTestKeyring(),
      stores: {
        azure: { type: 'custom', store: source, provider: 'microsoft-azure-france-central', legacy: true },
        ceph: { type: 'custom', store: dest, provider: 'on-premises' },
      },
    });
  });
  afterAll(async () => {
    await deps.close();
    await removeAzureContainer(container);
    await removeS3Bucket(bucket);
    await hub.close();
  });

  it('copies mixed objects sealed, checks Azure Content-MD5 where it exists, reports archived blobs, verifies deep', async () => {
    for (let i = 0; i < 40; i++) {
      contents.set(`hds/small-${i}`, randomBytes(500 + i * 97));
    }
    contents.set('hds/block-blob', randomBytes(9 * MIB + 11)); // block upload: no Content-MD5
    contents.set('hds/large', randomBytes(26 * MIB + 3)); // multipart at the destination
    for (const [key, body] of contents) {
      await source.put(key, body);
    }
    await source.put('hds/cold', randomBytes(1000));
    await testBlobService().getContainerClient(container).getBlobClient('hds/cold').setAccessTier('Archive');
    const engine = createMigrationEngine(deps);
    const plan = await engine.plan({
      name: 'leave-azure',
      from: { store: 'azure', prefix: 'hds/' },
      to: { store: 'ceph', prefix: 'hds/' },
      defaultClass: 'pseudonymised-health',
    });
    expect(plan.objects).toBe(contents.size + 1);
    expect(plan.blocked).toEqual([
      expect.objectContaining({ code: 'MIGRATION_SOURCE_ARCHIVED', objects: 1 }),
    ]);
    const rows = await hub.db.selectFrom('migration_objects').select(['source_key', 'md5']).execute();
    expect(rows.find((r) => r.source_key === 'hds/small-3')?.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(rows.find((r) => r.source_key === 'hds/block-blob')?.md5).toBeNull();
    const run = await engine.run('leave-azure', { partBytes: 5 * MIB, multipartBytes: 16 * MIB });
    expect(run.failed).toBe(0);
    expect(run.copied).toBe(contents.size);
    const copied = await hub.db
      .selectFrom('migration_objects')
      .select(['source_key', 'plain_sha256', 'state'])
      .where('state', '=', 'copied')
      .execute();
    for (const r of copied) {
      expect(r.plain_sha256).toBe(sha256(contents.get(r.source_key)!));
    }
    const verify = await engine.verify('leave-azure', { deep: true, source: true });
    expect(verify.notCopied).toBe(0);
    expect(verify.clean).toBe(true);
    const status = await engine.status('leave-azure');
    expect(status.states.blocked.objects).toBe(1);
    expect(status.errors).toEqual([{ state: 'blocked', code: 'MIGRATION_SOURCE_ARCHIVED', objects: 1 }]);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const azuriteInstalled = await serviceAvailable(
  'Azurite installed in test/servers/azurite (to start one of our own)',
  () => Promise.resolve(existsSync(AZURITE_MAIN)),
);

describe.runIf(s3Up && azuriteInstalled)('a source server stopped in the middle of a run', () => {
  let hub: TestDb;
  let deps: TestDeps;
  let azurite: ChildProcess | undefined;
  let dir: string;
  let port: number;
  const bucket = freshBucketName('migdown');

  const startAzurite = async (): Promise<void> => {
    // Our own Azurite, on disk so that its blobs survive a stop: the shared one is never touched.
    azurite = spawn(
      process.execPath,
      [
        AZURITE_MAIN,
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        String(port),
        '--location',
        join(dir, 'azurite'),
        '--skipApiVersionCheck',
        '--disableTelemetry',
        '--loose',
        '--silent',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await urlAnswers(`http://127.0.0.1:${port}`)()); i++) {
      await sleep(100);
    }
  };
  const stopAzurite = async (): Promise<void> => {
    const p = azurite;
    if (p?.exitCode !== null || p.pid === undefined) {
      return;
    }
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hdh-azdown-'));
    port = await freePort();
    await startAzurite();
    hub = await sqliteDialect.open();
  });
  afterAll(async () => {
    await stopAzurite();
    await deps.close();
    await removeS3Bucket(bucket);
    await hub.close();
  });

  it('reports the objects it could not read with a code, goes on, and completes when the server is back', async () => {
    const url = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
    await createAzureContainer('down', { url, accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY });
    // One try in the SDK: the engine's own retries decide (the default SDK back-off waits minutes).
    const source = azureStore('azure', url, 'down', 1);
    const dest = s3Store('ceph', bucket);
    await dest.ensureBucket();
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 60; i++) {
      const body = randomBytes(64 * 1024 + i);
      contents.set(`d/${String(i).padStart(2, '0')}`, body);
      await source.put(`d/${String(i).padStart(2, '0')}`, body);
    }
    deps = await createTestDeps({
      db: hub,
      keyring: await createTestKeyring(dir),
      stores: {
        azure: { type: 'custom', store: source, legacy: true },
        ceph: { type: 'custom', store: dest },
      },
    });
    const engine = createMigrationEngine(deps);
    await engine.plan({
      name: 'down',
      from: { store: 'azure', prefix: 'd/' },
      to: { store: 'ceph', prefix: 'd/' },
      defaultClass: 'public',
    });
    // Slow enough that the server stops in the middle: 60 × 64 KiB at 512 KiB/s is about 7 s.
    let tenDone: () => void = () => undefined;
    const ten = new Promise<void>((resolve) => {
      tenDone = resolve;
    });
    const running = engine.run('down', {
      bwlimit: 512 * 1024,
      workers: 2,
      retry: { retries: 1, baseMs: 50, maxMs: 100 },
      progressMs: 50,
      onProgress: (p) => {
        if (p.objectsDone >= 10) {
          tenDone();
        }
      },
    });
    await ten;
    await stopAzurite();
    const first = await running;
    expect(first.copied).toBeGreaterThan(0);
    expect(first.failed).toBeGreaterThan(0);
    const status = await engine.status('down');
    expect(status.errors.every((e) => e.code === 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(status.states.copied.objects + status.states.failed.objects + status.states.pending.objects).toBe(
      60,
    );
    await startAzurite();
    const second = await engine.run('down');
    expect(second.failed).toBe(0);
    expect(first.copied + second.copied).toBe(60);
    const verify = await engine.verify('down', { deep: true });
    expect(verify.clean).toBe(true);
  });
});
