/**
 * `npm run bench:seal`: seal+hash and open+verify throughput of a 1 GiB stream through files
 * (read → seal → atomic write with fsync and rename, as the fs store writes; read → open → discard),
 * beside what OpenSSL reaches on this machine in the same run: `openssl speed -evp aes-256-gcm`
 * and `openssl dgst -sha256` of the same file. Everything measured runs on one core (no workers).
 *
 * Environment: HDH_BENCH_RUNS (default 3, the median is printed), HDH_BENCH_MIB (default 1024).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createOpenStream, createSealStream } from '../src/crypto/index.js';

const GOAL = 0.6;
const MIB = 1024 * 1024;
const IO_BUFFER = MIB;
const runs = Number(process.env['HDH_BENCH_RUNS'] ?? 3);
const sizeMiB = Number(process.env['HDH_BENCH_MIB'] ?? 1024);
const outDir = join(dirname(fileURLToPath(import.meta.url)), '.out');
const input = join(outDir, `seal-input-${sizeMiB}MiB.bin`);
const sealedFile = join(outDir, 'seal-output.sealed');
const datasetKey = randomBytes(32);
const identity = { keyId: 'bench-key', objectId: 'bench/object', dataset: 'bench', dataClass: 'synthetic' };

async function ensureInput(): Promise<number> {
  const bytes = sizeMiB * MIB;
  const existing = await stat(input).catch(() => undefined);
  if (existing?.size === bytes) return bytes;
  await mkdir(outDir, { recursive: true });
  console.log(`writing ${sizeMiB} MiB of random bytes to ${input} (once)`);
  const handle = await open(input, 'w');
  try {
    for (let written = 0; written < bytes; written += MIB) await handle.write(randomBytes(MIB));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return bytes;
}

/** file → seal → temporary file (fsynced before it closes) → rename: what an fs store does for a put. */
async function sealOnce(hashSealed: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  const tmp = `${sealedFile}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const seal = createSealStream({ ...identity, datasetKey, hashSealed });
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
  return seconds(started);
}

/** file → open (authenticate every chunk and the trailer) → discard. */
async function openOnce(): Promise<number> {
  const started = process.hrtime.bigint();
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
  return seconds(started);
}

function opensslGcmMBps(): number {
  const run = spawnSync('openssl', ['speed', '-evp', 'aes-256-gcm', '-bytes', '16384', '-seconds', '3'], {
    encoding: 'utf8',
  });
  const line = run.stdout.split('\n').find((l) => /^AES-256-GCM\s+[\d.]+k/i.test(l.trim()));
  if (run.status !== 0 || line === undefined) throw new Error(`openssl speed failed: ${run.stderr}`);
  return Number(/([\d.]+)k/.exec(line)![1]) / 1000;
}

function opensslSha256MBps(bytes: number): number {
  const started = process.hrtime.bigint();
  const run = spawnSync('openssl', ['dgst', '-sha256', input], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl dgst failed: ${run.stderr}`);
  return bytes / 1e6 / seconds(started);
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const bytes = await ensureInput();
  const figures: Record<string, number[]> = { gcm: [], sha: [], seal: [], sealPlainOnly: [], open: [] };
  for (let run = 1; run <= runs; run++) {
    figures['gcm']!.push(opensslGcmMBps());
    figures['sha']!.push(opensslSha256MBps(bytes));
    figures['sealPlainOnly']!.push(bytes / 1e6 / (await sealOnce(false)));
    figures['seal']!.push(bytes / 1e6 / (await sealOnce(true)));
    figures['open']!.push(bytes / 1e6 / (await openOnce()));
    console.log(
      `run ${run}/${runs}: ${Object.entries(figures)
        .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`)
        .join(', ')} MB/s`,
    );
  }
  await rm(sealedFile, { force: true });
  const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, median(v)])) as Record<
    string,
    number
  >;
  const anchor = Math.min(m['gcm']!, m['sha']!);
  const anchorName = m['gcm']! <= m['sha']! ? 'openssl speed aes-256-gcm' : 'openssl dgst -sha256';
  const row = (name: string, value: number): string =>
    `${name.padEnd(58)} ${value.toFixed(0).padStart(6)} MB/s  ${((100 * value) / anchor).toFixed(0).padStart(4)} %`;
  console.log(
    `\nmedian of ${runs} run(s), ${sizeMiB} MiB, node ${process.version}, one core; % of the slower OpenSSL figure (${anchorName})`,
  );
  console.log(row('openssl speed -evp aes-256-gcm (16 KiB blocks)', m['gcm']!));
  console.log(row('openssl dgst -sha256 (the same file)', m['sha']!));
  console.log(row('seal + SHA-256 of plaintext and of sealed bytes, file → file', m['seal']!));
  console.log(row('seal + SHA-256 of plaintext only (hashSealed: false)', m['sealPlainOnly']!));
  console.log(row('open + verify (every chunk, trailer, plaintext SHA-256)', m['open']!));
  const met = m['seal']! >= GOAL * anchor;
  console.log(
    `goal: seal+hash ≥ ${GOAL * 100} % of ${anchor.toFixed(0)} MB/s = ${(GOAL * anchor).toFixed(0)} MB/s: ${met ? 'met' : 'NOT met'} (${((100 * m['seal']!) / anchor).toFixed(0)} %)`,
  );
}

await main();
