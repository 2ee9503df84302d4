/**
 * Stream helpers shared by storage, crypto and ingestion. Bodies travel as Node `Readable`s; callers
 * may hand in any of the common shapes and get a `Readable` back.
 * @module
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Read size of a {@link FileBody} turned into a stream: one system call and one stream hop per MiB. */
const FILE_READ_BYTES = 1024 * 1024;

/**
 * A body that is a whole file, named by its path. Whoever can read the file itself does (the
 * sealed store over the fs backend seals it file to file, see docs/crypto-native.md); anyone else
 * gets a stream of it from {@link toReadable}.
 */
export class FileBody {
  constructor(readonly path: string) {}
}

export type BodySource =
  | FileBody
  | Readable
  | WebReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | Uint8Array
  | string;

export function toReadable(body: BodySource): Readable {
  if (body instanceof Readable) {
    return body;
  }
  if (body instanceof FileBody) {
    return createReadStream(body.path, { highWaterMark: FILE_READ_BYTES });
  }
  if (typeof body === 'string') {
    return Readable.from([Buffer.from(body)], { objectMode: false });
  }
  if (body instanceof Uint8Array) {
    return Readable.from([body], { objectMode: false });
  }
  if (isWebStream(body)) {
    return Readable.fromWeb(body);
  }
  return Readable.from(body as AsyncIterable<Uint8Array>, { objectMode: false });
}

function isWebStream(body: unknown): body is WebReadableStream<Uint8Array> {
  return typeof (body as { getReader?: unknown }).getReader === 'function';
}

/** Reads a whole body into memory: for small objects and tests only. */
export async function readAll(body: BodySource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of toReadable(body)) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/** Throws the signal's reason (an AbortError) when it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}
