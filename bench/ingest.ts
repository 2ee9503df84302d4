/**
 * `npm run bench:ingest`: a synthetic population as FHIR Bulk Data NDJSON through the hub's ingest
 * (what `hdh ingest` runs: input digests, both pipeline passes, validation, the fr-default profile
 * with the key provider's pseudonym key, OMOP rows, Parquet export by DuckDB, every table sealed into
 * the hub's fs store, the dataset version recorded), beside the ceiling of any JSON pipeline on this
 * machine measured in the same run over the same files: `JSON.parse` then `JSON.stringify` of every
 * record, read the same way.
 *
 * The ingest's own work runs on the main thread (one core); DuckDB's Parquet export, at the end, uses
 * its own threads. Figures are printed as wall-clock resources/s and MB/s and, steadier on a shared
 * machine, per CPU-second of the process (all threads). The goal: ingest ≥ 0.5 × ceiling.
 *
 * Usage: `npm run bench:ingest [-- PATIENTS]`. Environment: HDH_BENCH_PATIENTS (default 100000),
 * HDH_BENCH_RUNS (default 3 for the ceiling and the ingest; medians printed). The population is
 * generated once into bench/.out/ (git-ignored) and reused; each ingest goes to a fresh dataset.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cpuUsage } from 'node:process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { initHub, ingestIntoHub, openHub } from '../src/hub/index.js';
import { measureJsonCeiling } from '../src/ingest/index.js';
import { generatePopulation } from '../src/synth/index.js';

const GOAL = 0.5;
const patients = Number(process.argv[2] ?? process.env['HDH_BENCH_PATIENTS'] ?? 100_000);
const runs = Number(process.env['HDH_BENCH_RUNS'] ?? 3);
if (!Number.isInteger(patients) || patients < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new RangeError('PATIENTS and HDH_BENCH_RUNS must be positive whole numbers');
}
const outDir = join(dirname(fileURLToPath(import.meta.url)), '.out');
const input = join(outDir, `ingest-${patients}`);
const home = join(outDir, `ingest-hub-${process.pid}`);

interface Figure {
  readonly records: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed(fn: () => Promise<{ records: number; bytes: number }>): Promise<Figure> {
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  const { records, bytes } = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(cpu0);
  return { records, bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function line(label: string, figures: readonly Figure[]): { wall: number; cpu: number } {
  const f = figures[0]!;
  const wall = median(figures.map((x) => x.bytes / 1e6 / x.seconds));
  const cpu = median(figures.map((x) => x.bytes / 1e6 / x.cpuSeconds));
  const rps = median(figures.map((x) => x.records / x.seconds));
  console.log(
    `${label.padEnd(34)} ${Math.round(rps).toLocaleString('en').padStart(9)} resources/s  ${wall.toFixed(1).padStart(6)} MB/s  ` +
      `${cpu.toFixed(1).padStart(6)} MB/CPU-s  (${f.records.toLocaleString('en')} resources, ${(f.bytes / 1e6).toFixed(0)} MB, ` +
      `median of ${figures.length}: ${figures.map((x) => x.seconds.toFixed(1)).join(' / ')} s)`,
  );
  return { wall, cpu };
}

async function main(): Promise<void> {
  if (!existsSync(join(input, 'manifest.json'))) {
    console.log(`generating ${patients.toLocaleString('en')} patients into ${input} …`);
    await rm(input, { recursive: true, force: true });
    await generatePopulation({ patients, seed: 'bench-ingest', outDir: input, format: 'ndjson' });
  }
  await rm(home, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await initHub({ home, actor: 'bench', keys: { provider: 'local', development: true } });
  const hub = await openHub({ home, prompt: false });
  try {
    const ceiling: Figure[] = [];
    const ingest: Figure[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate, so both see the same page cache and the same neighbours on the machine.
      ceiling.push(
        await timed(async () => {
          const m = await measureJsonCeiling([input]);
          return { records: m.records, bytes: m.bytes };
        }),
      );
      ingest.push(
        await timed(async () => {
          const r = await ingestIntoHub(hub, { dataset: `bench-${i}`, inputs: [input], actor: 'bench' });
          if (r.summary.read !== r.summary.accepted + r.summary.quarantined) {
            throw new Error('counts do not add up');
          }
          return { records: r.summary.read, bytes: r.inputs.reduce((n, x) => n + x.bytes, 0) };
        }),
      );
    }
    console.log(
      `ingestion of ${patients.toLocaleString('en')} synthetic patients (FHIR NDJSON), ${new Date().toISOString().slice(0, 10)}`,
    );
    const c = line('JSON.parse + JSON.stringify', ceiling);
    const g = line('hdh ingest (hub, sealed tables)', ingest);
    console.log(
      `ratio ingest / ceiling: ${(g.wall / c.wall).toFixed(2)} wall-clock, ${(g.cpu / c.cpu).toFixed(2)} per CPU-second ` +
        `(goal ≥ ${GOAL})`,
    );
  } finally {
    await hub.close();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
