/**
 * Input files: expanding the paths given to an ingest into files, telling their kind from the name,
 * and reading them as chunks while computing their SHA-256 on the way (the digest covers the bytes
 * as stored, compressed or not).
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IngestErrors } from '../errors.js';

export type InputKind = 'ndjson' | 'json' | 'csv';

export interface InputFile {
  readonly path: string;
  readonly kind: InputKind;
  readonly gzip: boolean;
  readonly bytes: number;
}

const CHUNK = 1 << 20;

/** The kind of a file from its name, or undefined when ingestion does not read it. */
export function inputKind(path: string): { kind: InputKind; gzip: boolean } | undefined {
  const name = basename(path).toLowerCase();
  const gzip = name.endsWith('.gz');
  const bare = gzip ? name.slice(0, -3) : name;
  if (bare.endsWith('.ndjson') || bare.endsWith('.jsonl')) {
    return { kind: 'ndjson', gzip };
  }
  if (bare.endsWith('.json')) {
    return { kind: 'json', gzip };
  }
  if (bare.endsWith('.csv')) {
    return { kind: 'csv', gzip };
  }
  return undefined;
}

/** Files whose names say they describe other files (CSV schemas), never data. */
function isSidecar(name: string): boolean {
  return /\.schema\.(ya?ml|json)$/i.test(name);
}

/** Largest manifest read: a manifest lists files, it never holds data. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * The files a FHIR Bulk Data export folder holds, when it has its `manifest.json` (the body of the
 * export's completion response: `{ transactionTime, request, output: [{ type, url }], error: [...] }`):
 * exactly the `output` files, in the manifest's order. The manifest itself, the `error` files
 * (OperationOutcomes) and anything else in the folder are not data. Undefined when the folder has no
 * such manifest (then every file of a known kind is read).
 */
async function bulkManifestFiles(dir: string): Promise<string[] | undefined> {
  const file = join(dir, 'manifest.json');
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile() || info.size > MAX_MANIFEST_BYTES) {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  const output = (doc as { output?: unknown } | null)?.output;
  if (typeof doc !== 'object' || doc === null || !('transactionTime' in doc) || !Array.isArray(output)) {
    return undefined;
  }
  const files: string[] = [];
  for (const item of output as unknown[]) {
    const url = (item as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || url === '') {
      continue;
    }
    // Servers give absolute URLs; a downloaded export keeps the file name (its URL's last segment).
    const name = basename(url.split(/[?#]/)[0]!);
    const path = join(dir, name);
    if (
      !(await stat(path).then(
        (s) => s.isFile(),
        () => false,
      ))
    ) {
      throw IngestErrors.INGEST_INPUT_NOT_FOUND(
        `${file} lists ${url}, but ${path} does not exist (download every output file of the export)`,
      );
    }
    files.push(path);
  }
  return [...new Set(files)];
}

/**
 * Expands `inputs` (files or directories, directories recursively) into the files to read, in a
 * stable order. In directories, files of other kinds and CSV schema sidecars are skipped, and a
 * folder holding a Bulk Data `manifest.json` gives the files its manifest lists; a file named
 * explicitly must be of a known kind.
 */
export async function expandInputs(inputs: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, bytes: number): void => {
    if (seen.has(path)) {
      return;
    }
    const kind = inputKind(path);
    if (kind === undefined) {
      return;
    }
    seen.add(path);
    out.push({ path, bytes, ...kind });
  };
  const walk = async (dir: string): Promise<void> => {
    const listed = await bulkManifestFiles(dir);
    if (listed !== undefined) {
      for (const path of listed) {
        add(path, (await stat(path)).size);
      }
      return;
    }
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile() && !isSidecar(entry.name)) {
        add(path, (await stat(path)).size);
      }
    }
  };
  for (const input of inputs) {
    const path = resolve(input);
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw IngestErrors.INGEST_INPUT_NOT_FOUND(`input ${input} does not exist or cannot be read`, {
        cause: err,
      });
    }
    if (info.isDirectory()) {
      await walk(path);
    } else if (inputKind(path) === undefined || isSidecar(path)) {
      throw IngestErrors.INGEST_INPUT_UNSUPPORTED(
        `input ${input} is not .ndjson, .jsonl, .json or .csv (optionally .gz)`,
      );
    } else {
      add(path, info.size);
    }
  }
  return out;
}

/** Shows every chunk that passes to a callback (the digest), before decompression. */
class HashTap extends Transform {
  constructor(private readonly see: (chunk: Buffer) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.see(chunk);
    done(null, chunk);
  }
}

/** An open input: its decoded chunks, then (once they are consumed) its digest and size. */
export interface OpenedInput {
  readonly chunks: AsyncIterable<Buffer>;
  /** Stored bytes read so far (for progress). */
  bytesRead(): number;
  /** SHA-256 and size of the stored bytes; undefined unless opened with `digest`. */
  digest(): { sha256: string; bytes: number } | undefined;
}

/**
 * Opens a file for one pass. With `digest`, the SHA-256 of the stored bytes is computed as they are
 * read. Uncompressed files are read into one reused buffer: each chunk is valid only until the next
 * is asked for (readers copy what they keep longer), which spares the garbage collector a fresh
 * megabyte per chunk.
 */
export function openInput(file: InputFile, options: { digest: boolean; signal?: AbortSignal }): OpenedInput {
  const hash = options.digest ? createHash('sha256') : undefined;
  const counter = { bytes: 0 };
  const hashed = (chunk: Buffer): void => {
    hash?.update(chunk);
    counter.bytes += chunk.length;
  };
  let chunks: AsyncIterable<Buffer>;
  if (file.gzip) {
    const source = createReadStream(file.path, {
      highWaterMark: CHUNK,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const tap = source.pipe(new HashTap(hashed));
    const gunzip = createGunzip({ chunkSize: CHUNK });
    tap.on('error', (err) => gunzip.destroy(err));
    chunks = tap.pipe(gunzip);
  } else {
    chunks = (async function* () {
      const handle = await open(file.path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(CHUNK);
        for (;;) {
          options.signal?.throwIfAborted();
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
          if (bytesRead === 0) {
            break;
          }
          const chunk = buffer.subarray(0, bytesRead);
          hashed(chunk);
          yield chunk;
        }
      } finally {
        await handle.close();
      }
    })();
  }
  let digest: { sha256: string; bytes: number } | undefined;
  return {
    chunks,
    bytesRead: () => counter.bytes,
    digest: () => {
      if (hash === undefined) {
        return undefined;
      }
      digest ??= { sha256: hash.digest('hex'), bytes: counter.bytes };
      return digest;
    },
  };
}
