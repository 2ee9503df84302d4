/**
 * Throughput measures for bench/ingest.ts: the ingest pipeline, and its ceiling — JSON.parse then
 * JSON.stringify of every record of the same files, read the same way — on the same machine and run.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { runIngest, type IngestOptions, type IngestResult } from './pipeline.js';
import { expandInputs, openInput } from './readers/input-files.js';
import { scanJson } from './readers/json-scanner.js';
import { readNdjson } from './readers/ndjson-reader.js';
import type { RawRecord } from './readers/raw-record.js';

export interface ThroughputMeasure {
  /** Bytes of the inputs as stored. */
  readonly bytes: number;
  /** Records (resources or rows) handled. */
  readonly records: number;
  readonly seconds: number;
  /** Decimal megabytes (10⁶ bytes) per second. */
  readonly mbPerSecond: number;
  readonly recordsPerSecond: number;
}

function measure(bytes: number, records: number, ms: number): ThroughputMeasure {
  const seconds = ms / 1000;
  return { bytes, records, seconds, mbPerSecond: bytes / 1e6 / seconds, recordsPerSecond: records / seconds };
}

/**
 * The ceiling of a JSON pipeline: every NDJSON line (or Bundle entry, or .json value) of `inputs`
 * parsed with JSON.parse and written back with JSON.stringify, reading files as the ingest does.
 */
export async function measureJsonCeiling(inputs: readonly string[]): Promise<ThroughputMeasure> {
  const files = (await expandInputs(inputs)).filter((f) => f.kind !== 'csv');
  let records = 0;
  let out = 0;
  const sink = (raw: RawRecord): void => {
    out += JSON.stringify(JSON.parse(raw.bytes.toString('utf8'))).length;
    records++;
  };
  const start = performance.now();
  let bytes = 0;
  for (const file of files) {
    const opened = openInput(file, { digest: false });
    if (file.kind === 'ndjson') {
      await readNdjson(opened.chunks, sink, 64 * 1024 * 1024);
    } else {
      await scanJson(opened.chunks, sink, 64 * 1024 * 1024);
    }
    bytes += opened.bytesRead();
  }
  const ms = performance.now() - start;
  // `out` keeps the optimiser from dropping the work.
  if (out < 0) {
    throw new RangeError('impossible');
  }
  return measure(bytes, records, ms);
}

/** Runs an ingest and measures it (all passes, digests and the Parquet export included). */
export async function measureIngest(
  options: IngestOptions,
): Promise<{ measure: ThroughputMeasure; result: IngestResult }> {
  const start = performance.now();
  const result = await runIngest(options);
  const ms = performance.now() - start;
  const bytes = result.inputs.reduce((sum, i) => sum + i.bytes, 0);
  return { measure: measure(bytes, result.summary.read, ms), result };
}
