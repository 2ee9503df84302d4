/**
 * `npm run bench:migrate`: the same data copied in the same run by `rclone copy --checksum` and by
 * hdh's migration engine (which also seals every object and hashes it twice: plaintext and sealed),
 * with throughput and the ratio hdh/rclone per workload:
 *
 * - (a) fs → fs, 1 GiB of large files (8 × 128 MiB);
 * - (b) fs → fs, 10,000 files of 1–64 KiB;
 * - (c) Azurite → Ceph radosgw, mixed (when both servers answer and their backends are built in);
 *
 * then the bytes resent after a kill at about half of a 2 GiB object (goal: at most one part).
 *
 * `--small` (or HDH_BENCH_SMALL=1) runs every workload at a small size, to prove the bench works.
 * HDH_BENCH_ONLY=a,b,c,kill (any of them, comma-separated) runs only those parts, e.g.
 * `HDH_BENCH_ONLY=a npm run bench:migrate` for the large files alone.
 * hdh runs as `hdh migrate run` does by default: one process, the journal in SQLite (the hub's default
 * database). hdh times include planning (listing the source), as rclone's include its listing. Data is written
 * once under bench/.out/migrate/ (git-ignored) and reused.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  SASProtocol,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
} from '@azure/storage-blob';
import { formatBytes } from '../src/core/index.js';
import { openDb } from '../src/db/index.js';
import { createMigrationEngine } from '../src/migration/engine.js';
import { PART_SENDING } from '../src/migration/journal.js';
import { createTestDeps, createTestKeyring, type TestStoreSpec } from '../src/migration/testing/deps.js';
import { AzureBlobStore, S3Store } from '../src/storage/index.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  azureTestServer,
  createAzureContainer,
  freshBucketName,
  removeAzureContainer,
  removeS3Bucket,
  s3TestServer,
  urlAnswers,
} from '../src/storage/testing/index.js';
import { startChild } from '../src/migration/testing/spawn.js';

// As `hdh` (bin/hdh.js) starts: fsyncs of concurrent small writes run on libuv's thread pool (4
// threads by default) and would queue behind each other. The pool reads this when it starts, which
// tsx's loader makes happen before this module runs: the npm script sets it, this only warns.
if (process.env['UV_THREADPOOL_SIZE'] === undefined) {
  console.warn(
    'UV_THREADPOOL_SIZE is not set: libuv runs 4 threads, not the 32 of `hdh` (use npm run bench:migrate)',
  );
}

const MIB = 1024 ** 2;
const small = process.argv.includes('--small') || process.env['HDH_BENCH_SMALL'] === '1';
const parts = ['a', 'b', 'c', 'kill'] as const;
const only = (process.env['HDH_BENCH_ONLY'] ?? parts.join(',')).split(',').map((p) => p.trim());
for (const p of only) {
  if (!(parts as readonly string[]).includes(p)) {
    throw new Error(`HDH_BENCH_ONLY: unknown part "${p}" (known: ${parts.join(', ')})`);
  }
}
const runs = (part: (typeof parts)[number]): boolean => only.includes(part);
const root = join(dirname(fileURLToPath(import.meta.url)), '.out', 'migrate', small ? 'small' : 'full');

interface Figure {
  readonly bytes: number;
  readonly seconds: number;
  /** CPU (user + system) the bench process spent, every thread of it: hdh's runs only. */
  readonly cpuSeconds?: number;
  /** Objects copied by the fs threads (hdh's runs only). */
  readonly threadCopied?: number;
}

const mbps = (f: Figure): number => f.bytes / 1e6 / f.seconds;

async function ensureFiles(dir: string, files: { name: string; size: number }[]): Promise<number> {
  const marker = `${dir}.complete`;
  const total = files.reduce((n, f) => n + f.size, 0);
  if (existsSync(marker)) {
    return total;
  }
  await rm(dir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(dir, f.name);
    await mkdir(dirname(path), { recursive: true });
    if (f.size <= 64 * MIB) {
      await writeFile(path, randomBytes(f.size));
      continue;
    }
    // randomBytes stops at 2 GiB − 1: a large file is written 64 MiB at a time.
    const handle = await open(path, 'w');
    try {
      for (let at = 0; at < f.size; at += 64 * MIB) {
        await handle.write(randomBytes(Math.min(64 * MIB, f.size - at)));
      }
    } finally {
      await handle.close();
    }
  }
  await writeFile(marker, '');
  return total;
}

function rcloneAvailable(): boolean {
  return spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Times one rclone command. Its s3 backend fails whenever AWS_CA_BUNDLE is set: it is unset. */
function rcloneCopy(args: string[], bytes: number): Figure {
  const started = performance.now();
  const env = { ...process.env };
  delete env['AWS_CA_BUNDLE'];
  const r = spawnSync('rclone', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) {
    throw new Error(`rclone failed: ${r.stderr.toString()}`);
  }
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

/** hdh plan + run from one store to another, sealing everything, with a fresh hub. */
async function hdhCopy(work: string, src: TestStoreSpec, dst: TestStoreSpec, bytes: number): Promise<Figure> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const hub = await openDb(`sqlite:${join(work, 'hub.db')}`);
  const deps = await createTestDeps({
    db: hub,
    keyring: await createTestKeyring(work),
    stores: { src, dst },
  });
  const engine = createMigrationEngine(deps);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await engine.plan({
    name: 'bench',
    from: { store: 'src', prefix: 'd/' },
    to: { store: 'dst', prefix: 'd/' },
    defaultClass: 'pseudonymised-health',
  });
  const result = await engine.run('bench', {});
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (result.failed > 0 || result.bytesRead !== bytes) {
    throw new Error(`hdh copied ${result.bytesRead} of ${bytes} bytes, ${result.failed} failures`);
  }
  await deps.close();
  await hub.close();
  return { bytes, seconds, cpuSeconds: (used.user + used.system) / 1e6, threadCopied: result.threadCopied };
}

function report(label: string, objects: number, bytes: number, r: Figure, h: Figure): void {
  console.log(
    `${label}: ${objects} objects, ${formatBytes(bytes)} | rclone ${mbps(r).toFixed(1)} MB/s (${r.seconds.toFixed(2)} s) | hdh ${mbps(h).toFixed(1)} MB/s (${h.seconds.toFixed(2)} s) | hdh/rclone ${(mbps(h) / mbps(r)).toFixed(2)}${h.cpuSeconds === undefined ? '' : ` | hdh CPU ${h.cpuSeconds.toFixed(2)} s, ${h.threadCopied} objects by the fs threads`}`,
  );
}

async function compare(label: string, files: { name: string; size: number }[]): Promise<void> {
  const src = join(root, label.replace(/\W+/g, '-'), 'src');
  const bytes = await ensureFiles(join(src, 'd'), files);
  const rcloneDst = join(root, 'rclone-dst');
  await rm(rcloneDst, { recursive: true, force: true });
  const r = rcloneCopy(
    ['copy', '--checksum', '--transfers', '8', '--checkers', '16', join(src, 'd'), rcloneDst],
    bytes,
  );
  await rm(rcloneDst, { recursive: true, force: true });
  const work = join(root, 'hdh-work');
  const h = await hdhCopy(
    work,
    { type: 'fs', root: src, legacy: true },
    { type: 'fs', root: join(work, 'dst') },
    bytes,
  );
  await rm(work, { recursive: true, force: true });
  report(label, files.length, bytes, r, h);
}

/** (c): the same mixed objects in a fresh Azurite container, copied to two fresh radosgw buckets. */
async function compareAzuriteCeph(files: { name: string; size: number }[]): Promise<void> {
  const azure = azureTestServer();
  const s3 = s3TestServer();
  if (!(await urlAnswers(azure.url)()) || !(await urlAnswers(s3.endpoint)())) {
    console.log('(c) Azurite→Ceph radosgw: skipped, the servers do not answer (test/servers/start)');
    return;
  }
  const container = freshBucketName('bench');
  const rcloneBucket = freshBucketName('bench');
  const hdhBucket = freshBucketName('bench');
  await createAzureContainer(container);
  const source = new AzureBlobStore({
    name: 'src',
    config: { endpoint: azure.url, container },
    credential: { kind: 'shared-key', accountName: AZURITE_ACCOUNT, accountKey: AZURITE_KEY },
  });
  const bucketStore = (bucket: string): S3Store =>
    new S3Store({
      name: 'dst',
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
  const work = join(root, 'hdh-work');
  try {
    let bytes = 0;
    for (const f of files) {
      await source.put(`d/${f.name}`, randomBytes(f.size));
      bytes += f.size;
    }
    const dest = bucketStore(hdhBucket);
    await dest.ensureBucket();
    const rcloneDest = bucketStore(rcloneBucket);
    await rcloneDest.ensureBucket();
    await rcloneDest.close();
    // rclone 1.60 reaches Azurite only through an account SAS URL.
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 24 * 3600 * 1000),
        permissions: AccountSASPermissions.parse('rwdlacup'),
        services: AccountSASServices.parse('b').toString(),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        protocol: SASProtocol.HttpsAndHttp,
      },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    await mkdir(root, { recursive: true });
    const config = join(root, 'rclone.conf');
    await writeFile(
      config,
      [
        '[az]',
        'type = azureblob',
        `sas_url = ${azure.url}?${sas}`,
        '',
        '[rgw]',
        'type = s3',
        'provider = Ceph',
        `access_key_id = ${s3.accessKeyId}`,
        `secret_access_key = ${s3.secretAccessKey}`,
        `endpoint = ${s3.endpoint}`,
        'force_path_style = true',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const r = rcloneCopy(
      [
        '--config',
        config,
        'copy',
        '--checksum',
        '--transfers',
        '8',
        '--checkers',
        '16',
        `az:${container}/d`,
        `rgw:${rcloneBucket}/d`,
      ],
      bytes,
    );
    const h = await hdhCopy(
      work,
      { type: 'custom', store: source, legacy: true },
      { type: 'custom', store: dest },
      bytes,
    );
    report('(c) Azurite→Ceph radosgw mixed', files.length, bytes, r, h);
  } finally {
    await rm(work, { recursive: true, force: true });
    await removeAzureContainer(container);
    await removeS3Bucket(rcloneBucket);
    await removeS3Bucket(hdhBucket);
  }
}

/** Kills a run at about half of one large object, resumes it, and reports what was sent again. */
async function killResume(size: number): Promise<void> {
  const work = join(root, 'kill');
  await rm(work, { recursive: true, force: true });
  const srcRoot = join(root, 'kill-src');
  await ensureFiles(join(srcRoot, 'd'), [{ name: 'big.bin', size }]);
  await mkdir(work, { recursive: true });
  const dbUrl = `sqlite:${join(work, 'hub.db')}`;
  const hub = await openDb(dbUrl);
  const keyring = await createTestKeyring(work);
  const deps = await createTestDeps({
    db: hub,
    keyring,
    stores: { src: { type: 'fs', root: srcRoot }, dst: { type: 'fs', root: join(work, 'dst') } },
  });
  const engine = createMigrationEngine(deps);
  await engine.plan({
    name: 'kill',
    from: { store: 'src', prefix: 'd/' },
    to: { store: 'dst', prefix: 'd/' },
    defaultClass: 'public',
  });
  const partBytes = 16 * MIB;
  const options = { workers: 1, partBytes, multipartBytes: partBytes };
  const child = startChild({
    dbUrl,
    stores: { src: { root: srcRoot }, dst: { root: join(work, 'dst') } },
    keyring,
    command: 'run',
    migration: 'kill',
    options,
  });
  await child.started;
  const sealed = deps.sealer.sealedSize(size, {
    objectId: 'd/big.bin',
    dataset: 'kill',
    dataClass: 'public',
  });
  for (;;) {
    const parts = await hub.db
      .selectFrom('migration_parts')
      .select('size')
      .where('migration', '=', 'kill')
      .where('etag', '<>', PART_SENDING)
      .execute();
    if (parts.reduce((n, p) => n + p.size, 0) >= sealed / 2) {
      break;
    }
    if (child.process.exitCode !== null) {
      break;
    }
    await sleep(20);
  }
  child.kill();
  await child.exited;
  const done = await hub.db
    .selectFrom('migration_parts')
    .select('size')
    .where('migration', '=', 'kill')
    .where('etag', '<>', PART_SENDING)
    .execute();
  const durable = done.reduce((n, p) => n + p.size, 0);
  const resumed = await engine.run('kill', options);
  // Sent twice: whatever the resumed run sent of the parts complete before the kill, plus the part
  // in flight at the kill (at most one part, partly sent then lost).
  const resentComplete = Math.max(0, resumed.bytesSent - (sealed - durable));
  console.log(
    `kill at ~half of a ${formatBytes(size)} object (parts of ${formatBytes(partBytes)}): ${done.length} parts (${formatBytes(durable)}) complete before the kill; the resumed run sent ${formatBytes(resumed.bytesSent)}; resent: ${formatBytes(resentComplete)} of completed parts + at most one part in flight = at most ${formatBytes(resentComplete + partBytes)} (goal ≤ one part: ${resentComplete === 0 ? 'met' : 'NOT met'})${deps.sealer.resumable ? '' : ' — the sealer cannot re-seal under an earlier header, so plaintext objects restart from their first part'}`,
  );
  await deps.close();
  await hub.close();
}

async function main(): Promise<void> {
  if (!rcloneAvailable()) {
    console.log('rclone is not installed (apt-get install -y rclone): nothing to compare with');
    process.exitCode = 1;
    return;
  }
  console.log(`bench:migrate (${small ? 'small sizes' : 'full sizes'}), data under ${root}`);
  console.log(
    `hdh measured as \`hdh migrate plan\` + \`hdh migrate run\` in one process (--processes 1, the default), journal in SQLite, UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE']}`,
  );
  const largeCount = 8;
  const largeSize = small ? 4 * MIB : 128 * MIB;
  if (runs('a')) {
    await compare(
      '(a) fs→fs large files',
      Array.from({ length: largeCount }, (_, i) => ({ name: `large-${i}.bin`, size: largeSize })),
    );
  }
  const smallCount = small ? 500 : 10_000;
  if (runs('b')) {
    await compare(
      '(b) fs→fs small files',
      Array.from({ length: smallCount }, (_, i) => ({
        name: `s/${String(i % 100).padStart(2, '0')}/f-${i}.bin`,
        size: 1024 + ((i * 7919) % (63 * 1024)),
      })),
    );
  }
  const mixed = [
    ...Array.from({ length: small ? 50 : 400 }, (_, i) => ({
      name: `m/s-${i}.bin`,
      size: 1024 + ((i * 7919) % (255 * 1024)),
    })),
    ...Array.from({ length: small ? 2 : 6 }, (_, i) => ({
      name: `m/l-${i}.bin`,
      size: (small ? 6 : 24) * MIB + i,
    })),
  ];
  if (runs('c')) {
    await compareAzuriteCeph(mixed);
  }
  if (runs('kill')) {
    await killResume(small ? 64 * MIB : 2 * 1024 * MIB);
  }
}

await main();
