/**
 * `npm run bench:seal`: seal+hash and open+verify throughput of a 1 GiB stream through files, beside
 * what OpenSSL reaches on this machine in the same run.
 *
 * - seal: file → seal → temporary file written with fsync before close, then renamed (what an fs
 *   store does for a put); once with the SHA-256 of the sealed bytes (the default) and once without.
 * - open: file → open (every chunk and the trailer authenticated, plaintext SHA-256 checked) → discard.
 * - `openssl speed -evp aes-256-gcm -bytes 16384 -seconds 3` (OpenSSL divides by its CPU time) and
 *   `openssl dgst -sha256` of the same 1 GiB file (timed here, from the page cache).
 *
 * Everything runs on one core: no worker threads. Each figure is printed as wall-clock MB/s and as
 * MB per CPU-second of the process (user + system, all its threads), which is steadier when the
 * machine is shared. The goal compares wall-clock seal figures with the slower OpenSSL figure.
 *
 * Environment: HDH_BENCH_RUNS (default 3; medians are printed), HDH_BENCH_MIB (default 1024),
 * HDH_BENCH_CHUNK (chunk size, e.g. 64KiB; default the format's default).
 * The input is written once to bench/.out/ (git-ignored) and reused.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseSize } from '../src/core/index.js';
import { DEFAULT_CHUNK_SIZE, createOpenStream, createSealStream } from '../src/crypto/index.js';

const GOAL = 0.6;
const MIB = 1024 * 1024;
/** Read and write in 1 MiB buffers: fewer syscalls and stream hops; the cipher still gets ≤ 64 KiB slices. */
const IO_BUFFER = MIB;
const runs = Number(process.env['HDH_BENCH_RUNS'] ?? 3);
const sizeMiB = Number(process.env['HDH_BENCH_MIB'] ?? 1024);
const chunkSize = parseSize(process.env['HDH_BENCH_CHUNK'] ?? String(DEFAULT_CHUNK_SIZE), 'HDH_BENCH_CHUNK');
const outDir = join(dirname(fileURLToPath(import.meta.url)), '.out');
const input = join(outDir, `seal-input-${sizeMiB}MiB.bin`);
const sealedFile = join(outDir, 'seal-output.sealed');
const datasetKey = randomBytes(32);
const identity = { keyId: 'bench-key', objectId: 'bench/object', dataset: 'bench', dataClass: 'synthetic' };

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
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { wall: bytes / 1e6 / seconds, cpu: bytes / 1e6 / ((used.user + used.system) / 1e6) };
}

/** file → seal → temporary file (fsynced before it closes) → rename. */
async function sealOnce(hashSealed: boolean): Promise<void> {
  const tmp = `${sealedFile}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const seal = createSealStream({ ...identity, datasetKey, hashSealed, chunkSize });
    await pipeline(
      createReadStream(input, { highWaterMark: IO_BUFFER }),
      seal.stream,
      createWriteStream(tmp, { flags: 'wx', flush: true, highWaterMark: IO_BUFFER }),
    );
    await seal.result;
    await rename(tmp, sealedFile);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** file → open → discard. */
async function openOnce(): Promise<void> {
  const opened = createOpenStream({
    resolveKey: () => Promise.resolve(datasetKey),
    expectedObjectId: identity.objectId,
  });
  await pipeline(
    createReadStream(sealedFile, { highWaterMark: IO_BUFFER }),
    opened.stream,
    new Writable({
      highWaterMark: IO_BUFFER,
      write: (_chunk, _encoding, done) => {
        done();
      },
    }),
  );
  await opened.result;
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
  seal: 'seal + SHA-256 of plaintext and sealed bytes, file → file',
  sealPlain: 'seal + SHA-256 of plaintext only (hashSealed: false)',
  open: 'open + verify (chunks, trailer, plaintext SHA-256) → discard',
} as const;
type Key = keyof typeof LABELS;

async function main(): Promise<void> {
  const bytes = await ensureInput();
  const figures: Record<Key, Figure[]> = { gcm: [], sha: [], seal: [], sealPlain: [], open: [] };
  for (let run = 1; run <= runs; run++) {
    figures.gcm.push(opensslGcm());
    figures.sha.push(opensslSha256(bytes));
    figures.sealPlain.push(await timed(bytes, () => sealOnce(false)));
    figures.seal.push(await timed(bytes, () => sealOnce(true)));
    figures.open.push(await timed(bytes, openOnce));
    const line = (Object.keys(LABELS) as Key[]).map((k) => `${k} ${figures[k].at(-1)!.wall.toFixed(0)}`);
    console.log(`run ${run}/${runs} (wall-clock MB/s): ${line.join(', ')}`);
  }
  await rm(sealedFile, { force: true });
  const wall = (k: Key): number => median(figures[k].map((f) => f.wall));
  const cpu = (k: Key): number => median(figures[k].map((f) => f.cpu));
  const slower: Key = wall('gcm') <= wall('sha') ? 'gcm' : 'sha';
  const anchor = wall(slower);
  console.log(
    `\n${sizeMiB} MiB, median of ${runs} run(s), node ${process.version}, one core. ` +
      `chunks of ${chunkSize} bytes. % = wall-clock figure / the slower OpenSSL figure (${LABELS[slower]}).`,
  );
  console.log(`${''.padEnd(62)} ${'MB/s'.padStart(7)} ${'%'.padStart(5)} ${'MB/cpu-s'.padStart(9)}`);
  for (const k of Object.keys(LABELS) as Key[]) {
    const percent = ((100 * wall(k)) / anchor).toFixed(0);
    console.log(
      `${LABELS[k].padEnd(62)} ${wall(k).toFixed(0).padStart(7)} ${percent.padStart(5)} ${cpu(k).toFixed(0).padStart(9)}`,
    );
  }
  for (const k of ['seal', 'sealPlain'] as const) {
    const met = wall(k) >= GOAL * anchor;
    console.log(
      `goal ${LABELS[k]}: ≥ ${GOAL * 100} % of ${anchor.toFixed(0)} = ${(GOAL * anchor).toFixed(0)} MB/s: ` +
        `${met ? 'met' : 'NOT met'} (${((100 * wall(k)) / anchor).toFixed(0)} %)`,
    );
  }
}

await main();
