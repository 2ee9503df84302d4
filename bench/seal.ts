/**
 * `npm run bench:seal`: seal+hash and open+verify throughput of a 1 GiB stream through files, beside
 * what OpenSSL reaches on this machine in the same run.
 *
 * - seal: a file (`FileBody`, as `hdh store put` hands it) → sealed-store wrapper → fs backend put
 *   (temporary file, fsync, rename: the store's atomic write); with the native addon it is sealed
 *   file to file on a thread-pool thread (docs/crypto-native.md). Once with the SHA-256 of the
 *   sealed bytes (the default) and once without; and once as a Readable stream (`createReadStream`),
 *   the path of any other body, for comparison.
 * - open: fs backend get → sealed-store wrapper (every chunk and the trailer authenticated, plaintext
 *   SHA-256 checked) → discard.
 * - `openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3` (OpenSSL divides by its CPU time) and
 *   `openssl dgst -sha256` of the same 1 GiB file (timed here, from the page cache).
 * - node:crypto alone: the same AES-256-GCM records and both SHA-256 over bytes already in memory,
 *   no streams, no I/O: the most any sealing path built on node:crypto can reach here.
 *
 * Everything runs on one core: no worker threads. Each figure is printed as wall-clock MB/s and as
 * MB per CPU-second of the process (user + system, all its threads), which is steadier when the
 * machine is shared; each gets its ratio to the slower OpenSSL figure, and the goal is judged on both.
 *
 * The seal lines measure the native sealer when it is built, node:crypto otherwise or under
 * HDH_SEAL_NATIVE=0; the path measured is printed first and with the table.
 *
 * Environment: HDH_BENCH_RUNS (default 3; medians are printed), HDH_BENCH_MIB (default 1024),
 * HDH_BENCH_CHUNK (chunk size, e.g. 64KiB; default the format's default).
 * The input is written once to bench/.out/ (git-ignored) and reused.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { FileBody, parseSize } from '../src/core/index.js';
import { DEFAULT_CHUNK_SIZE } from '../src/crypto/index.js';
import { sealPath } from '../src/crypto/native.js';
import { FsStore, SealedStore, type SealingKeys } from '../src/storage/index.js';

const GOAL = 0.6;
const MIB = 1024 * 1024;
/** Read and write in 1 MiB buffers: fewer syscalls and stream hops; the cipher still gets ≤ 64 KiB slices. */
const IO_BUFFER = MIB;
const runs = Number(process.env['HDH_BENCH_RUNS'] ?? 3);
const sizeMiB = Number(process.env['HDH_BENCH_MIB'] ?? 1024);
const chunkSize = parseSize(process.env['HDH_BENCH_CHUNK'] ?? String(DEFAULT_CHUNK_SIZE), 'HDH_BENCH_CHUNK');
const outDir = join(dirname(fileURLToPath(import.meta.url)), '.out');
const input = join(outDir, `seal-input-${sizeMiB}MiB.bin`);
// The store lives in memory (tmpfs) so the figures measure hdh's sealing path through the fs backend,
// not this machine's disk; one more figure writes to a store on disk, fsync included.
const memoryRoot = existsSync('/dev/shm')
  ? join('/dev/shm', `hdh-bench-seal-${process.pid}`)
  : join(outDir, 'seal-store-mem');
const diskRoot = join(outDir, 'seal-store');
const datasetKey = randomBytes(32);
const keys: SealingKeys = {
  current: () => Promise.resolve({ keyId: 'bench-key', key: datasetKey }),
  resolve: () => Promise.resolve(datasetKey),
};
const OBJECT_KEY = 'bench/object';

interface Figure {
  /** Wall-clock MB/s. */
  readonly wall: number;
  /** MB per CPU-second. */
  readonly cpu: number;
}

async function ensureInput(): Promise<number> {
  const bytes = sizeMiB * MIB;
  const existing = await stat(input).catch(() => undefined);
  if (existing?.size === bytes) {
    return bytes;
  }
  await mkdir(outDir, { recursive: true });
  console.log(`writing ${sizeMiB} MiB of random bytes to bench/.out/ (once)`);
  const handle = await open(input, 'w');
  try {
    for (let written = 0; written < bytes; written += MIB) {
      await handle.write(randomBytes(MIB));
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

async function timed(bytes: number, work: () => Promise<void>): Promise<Figure> {
  settleGarbage();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { wall: bytes / 1e6 / seconds, cpu: bytes / 1e6 / ((used.user + used.system) / 1e6) };
}

/**
 * Collects the garbage of the figures before (the stream path leaves about a GiB of dead buffers)
 * so that no figure is charged for another's collection: V8 collects on its own threads, and the
 * figures count every thread of the process. Needs --expose-gc (the npm script passes it).
 */
function settleGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    return;
  }
  gc();
  gc();
}

/** file → seal → fs store put (temporary file fsynced, then renamed). */
async function sealOnce(store: FsStore, hashSealed: boolean, bytes: number, stream = false): Promise<void> {
  const sealed = new SealedStore(store, keys, { chunkSize, hashSealed });
  const body = stream ? createReadStream(input, { highWaterMark: IO_BUFFER }) : new FileBody(input);
  await sealed.put(OBJECT_KEY, body, {
    dataset: 'bench',
    dataClass: 'public',
    size: bytes,
  });
}

/** fs store get → open → discard. */
async function openOnce(store: FsStore): Promise<void> {
  const sealed = new SealedStore(store, keys, { chunkSize });
  await pipeline(
    await sealed.get(OBJECT_KEY, { expectedObjectId: OBJECT_KEY }),
    new Writable({
      highWaterMark: IO_BUFFER,
      write: (_chunk, _encoding, done) => {
        done();
      },
    }),
  );
}

/**
 * node:crypto alone over `bytes` of in-memory data: what sealing with both hashes costs in compute
 * (records as the format makes them: a cipher per chunk, 64 KiB slices, a tag per chunk).
 */
function nodeCryptoOnly(bytes: number): Figure {
  settleGarbage();
  // A few MiB reused: cached like the freshly read buffers of the streamed runs (64 MiB from
  // memory costs twice as much here).
  const data = randomBytes(Math.min(bytes, Math.max(4 * MIB, chunkSize)));
  const key = randomBytes(32);
  // One nonce for every record is only acceptable because the key is random and the output discarded.
  const nonce = Buffer.alloc(12);
  const aad = Buffer.alloc(41);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const plainHash = createHash('sha256');
  const sealedHash = createHash('sha256');
  for (let done = 0; done < bytes; done += chunkSize) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
    const at = done % Math.max(1, data.length - chunkSize + 1);
    for (let s = 0; s < chunkSize; s += 64 * 1024) {
      const slice = data.subarray(at + s, at + Math.min(s + 64 * 1024, chunkSize));
      plainHash.update(slice);
      sealedHash.update(cipher.update(slice));
    }
    cipher.final();
    sealedHash.update(cipher.getAuthTag());
  }
  plainHash.digest();
  sealedHash.digest();
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { wall: bytes / 1e6 / seconds, cpu: bytes / 1e6 / ((used.user + used.system) / 1e6) };
}

/** OpenSSL's own figure: it divides by the CPU time it used. */
function opensslGcm(): Figure {
  const run = spawnSync('openssl', ['speed', '-evp', 'aes-256-gcm', '-bytes', '16384', '-seconds', '3'], {
    encoding: 'utf8',
  });
  const line = run.stdout.split('\n').find((l) => /^AES-256-GCM\s+[\d.]+k/i.test(l.trim()));
  if (run.status !== 0 || line === undefined) {
    throw new Error(`openssl speed failed: ${run.stderr}`);
  }
  const mbps = Number(/([\d.]+)k/.exec(line)![1]) / 1000;
  return { wall: mbps, cpu: mbps };
}

/** `openssl dgst -sha256` of the input: wall clock, and the child's CPU time from /proc. */
function opensslSha256(bytes: number): Figure {
  const cpu = childCpuSeconds();
  const started = process.hrtime.bigint();
  const run = spawnSync('openssl', ['dgst', '-sha256', input], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`openssl dgst failed: ${run.stderr}`);
  }
  const wall = bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9);
  const used = childCpuSeconds() - cpu;
  return { wall, cpu: used > 0 ? bytes / 1e6 / used : wall };
}

/** CPU seconds of reaped children (Linux /proc/self/stat cutime + cstime, in clock ticks of 1/100 s). */
function childCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const LABELS = {
  gcm: 'openssl speed -evp aes-256-gcm (16 KiB blocks)',
  sha: 'openssl dgst -sha256 (the same file)',
  node: 'node:crypto alone: AES-256-GCM + both SHA-256, in memory',
  seal: 'seal + SHA-256 of plaintext and sealed bytes → fs store',
  sealPlain: 'seal + SHA-256 of plaintext only → fs store',
  sealStream: 'the same as seal, the body a Readable stream',
  open: 'fs store → open + verify (chunks, trailer, SHA-256)',
  sealDisk: 'seal + both SHA-256 → fs store on disk (fsync)',
} as const;
type Key = keyof typeof LABELS;

async function main(): Promise<void> {
  const bytes = await ensureInput();
  console.log(`sealing path: ${sealPath().reason}`);
  const loadBefore = loadavg()[0]!;
  await rm(memoryRoot, { recursive: true, force: true });
  await rm(diskRoot, { recursive: true, force: true });
  const store = await FsStore.open({ name: 'bench', root: memoryRoot, createRoot: true });
  const disk = await FsStore.open({ name: 'bench-disk', root: diskRoot, createRoot: true });
  const figures: Record<Key, Figure[]> = {
    gcm: [],
    sha: [],
    node: [],
    seal: [],
    sealPlain: [],
    sealStream: [],
    sealDisk: [],
    open: [],
  };
  for (let run = 1; run <= runs; run++) {
    figures.gcm.push(opensslGcm());
    figures.sha.push(opensslSha256(bytes));
    figures.node.push(nodeCryptoOnly(bytes));
    figures.sealPlain.push(await timed(bytes, () => sealOnce(store, false, bytes)));
    await store.delete(OBJECT_KEY);
    figures.seal.push(await timed(bytes, () => sealOnce(store, true, bytes)));
    await store.delete(OBJECT_KEY);
    figures.sealStream.push(await timed(bytes, () => sealOnce(store, true, bytes, true)));
    figures.open.push(await timed(bytes, () => openOnce(store)));
    await store.delete(OBJECT_KEY);
    figures.sealDisk.push(await timed(bytes, () => sealOnce(disk, true, bytes)));
    await disk.delete(OBJECT_KEY);
    const line = (Object.keys(LABELS) as Key[]).map((k) => `${k} ${figures[k].at(-1)!.wall.toFixed(0)}`);
    console.log(`run ${run}/${runs} (wall-clock MB/s): ${line.join(', ')}`);
  }
  await store.close();
  await disk.close();
  await rm(memoryRoot, { recursive: true, force: true });
  await rm(diskRoot, { recursive: true, force: true });
  const wall = (k: Key): number => median(figures[k].map((f) => f.wall));
  const cpu = (k: Key): number => median(figures[k].map((f) => f.cpu));
  const slower: Key = wall('gcm') <= wall('sha') ? 'gcm' : 'sha';
  const anchor = wall(slower);
  const slowerCpu: Key = cpu('gcm') <= cpu('sha') ? 'gcm' : 'sha';
  const anchorCpu = cpu(slowerCpu);
  console.log(
    `\n${sizeMiB} MiB, median of ${runs} run(s), node ${process.version}, one core. ` +
      `chunks of ${chunkSize} bytes; fs store in memory (tmpfs) except the disk line. ` +
      `% = figure / the slower OpenSSL figure (wall: ${LABELS[slower]}; cpu: ${LABELS[slowerCpu]}). ` +
      `Load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after (${availableParallelism()} cores). ` +
      `Sealing path: ${sealPath().reason}.`,
  );
  console.log(
    `${''.padEnd(62)} ${'MB/s'.padStart(7)} ${'%'.padStart(5)} ${'MB/cpu-s'.padStart(9)} ${'%'.padStart(5)}`,
  );
  for (const k of Object.keys(LABELS) as Key[]) {
    const percent = ((100 * wall(k)) / anchor).toFixed(0);
    const percentCpu = ((100 * cpu(k)) / anchorCpu).toFixed(0);
    console.log(
      `${LABELS[k].padEnd(62)} ${wall(k).toFixed(0).padStart(7)} ${percent.padStart(5)} ` +
        `${cpu(k).toFixed(0).padStart(9)} ${percentCpu.padStart(5)}`,
    );
  }
  for (const k of ['seal', 'sealPlain'] as const) {
    const met = wall(k) >= GOAL * anchor;
    const metCpu = cpu(k) >= GOAL * anchorCpu;
    console.log(
      `goal ${LABELS[k]}: ≥ ${GOAL * 100} % of the slower OpenSSL figure: ` +
        `wall ${met ? 'met' : 'NOT met'} (${((100 * wall(k)) / anchor).toFixed(0)} % of ${anchor.toFixed(0)} MB/s), ` +
        `cpu ${metCpu ? 'met' : 'NOT met'} (${((100 * cpu(k)) / anchorCpu).toFixed(0)} % of ${anchorCpu.toFixed(0)} MB/cpu-s)`,
    );
  }
}

await main();
