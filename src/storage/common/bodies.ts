/**
 * Bodies in and out of stores. Puts read the caller's body in parts (each part a buffer, so that an
 * SDK retry can resend it), checking the announced size and the store's limit as bytes arrive; gets
 * hand back a stream whose errors are already translated to HdhErrors and that stops when the
 * caller's signal fires.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { CoreErrors, isHdhError, toHdhError, toReadable, type BodySource } from '../../core/index.js';
import { StorageErrors } from '../errors.js';
import { abortedError, throwIfAborted } from './abort.js';
import { readChunks } from './read-chunks.js';

export interface BodyPart {
  readonly data: Buffer;
  /** True for the final part (the body ended within or right after it). */
  readonly last: boolean;
}

export interface MeterOptions {
  /** The size the caller announced: more or fewer bytes is STORAGE_SIZE_MISMATCH. */
  readonly expectedSize?: number;
  /** The store's largest object: more is STORAGE_TOO_LARGE. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** Feeds every byte, in order, to this hash. */
  readonly hash?: Hash;
  /** For messages: `store NAME, key "K"`. */
  readonly what: string;
}

/**
 * Streams a caller's body as buffers, enforcing as bytes arrive: the caller's signal, the announced
 * size, the store's limit; feeds `hash`. Errors of the body itself are reported as STORAGE_BODY_FAILED
 * (or passed through when they are already hdh errors).
 */
export async function* meteredBody(body: BodySource, options: MeterOptions): AsyncGenerator<Buffer> {
  const { expectedSize, maxBytes, signal, hash, what } = options;
  throwIfAborted(signal, what);
  const source = toReadable(body);
  const iterator = readChunks(source);
  let total = 0;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw signal?.aborted === true ? abortedError(what, signal) : bodyError(err, what);
      }
      if (next.done === true) {
        break;
      }
      throwIfAborted(signal, what);
      const chunk = asBuffer(next.value);
      total += chunk.length;
      if (expectedSize !== undefined && total > expectedSize) {
        throw StorageErrors.STORAGE_SIZE_MISMATCH(
          `${what}: the body is longer than the announced ${expectedSize} bytes`,
        );
      }
      if (total > maxBytes) {
        throw StorageErrors.STORAGE_TOO_LARGE(
          `${what}: the body exceeds this store's limit of ${maxBytes} bytes`,
        );
      }
      hash?.update(chunk);
      yield chunk;
    }
  } finally {
    // Stops the caller's source when the consumer gave up early or failed.
    if (!source.readableEnded) {
      source.destroy();
    }
  }
  throwIfAborted(signal, what);
  if (expectedSize !== undefined && total !== expectedSize) {
    throw StorageErrors.STORAGE_SIZE_MISMATCH(
      `${what}: the body ended after ${total} bytes; ${expectedSize} were announced`,
    );
  }
}

/**
 * Splits a metered body into parts of the planned sizes. A part is yielded once the next byte is
 * known to exist (or the body ended), so `last` is exact: a body that fits one part gives one part,
 * `last`. An empty body gives one empty part. Buffers are only as large as the bytes received, so a
 * small body never costs a whole part's allocation.
 */
export async function* chunkBody(
  body: BodySource,
  options: MeterOptions & { readonly partSize: (index: number) => number },
): AsyncGenerator<BodyPart> {
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of meteredBody(body, options)) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    // Strictly more than a part: the part is full and at least one more byte follows.
    while (pendingBytes > options.partSize(index)) {
      const size = options.partSize(index);
      const joined = Buffer.concat(pending, pendingBytes);
      yield { data: joined.subarray(0, size), last: false };
      const rest = joined.subarray(size);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      index++;
    }
  }
  yield { data: Buffer.concat(pending, pendingBytes), last: true };
}

/**
 * Errors thrown while reading a caller's body: hdh errors pass unchanged (a source store's own
 * translation), an abort becomes OPERATION_ABORTED, anything else says the body failed.
 */
export function bodyError(err: unknown, what: string): unknown {
  if (isHdhError(err)) {
    return err;
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return toHdhError(err);
  }
  const message = err instanceof Error ? err.message : String(err);
  return StorageErrors.STORAGE_BODY_FAILED(`${what}: reading the body failed: ${message}`, { cause: err });
}

export function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) {
    return chunk;
  }
  if (chunk instanceof Uint8Array) {
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (typeof chunk === 'string') {
    return Buffer.from(chunk);
  }
  throw CoreErrors.INPUT_INVALID(`a body chunk is a ${typeof chunk}, not bytes`);
}

export function md5Hash(): Hash {
  return createHash('md5');
}

/**
 * Wraps a service's response stream: its errors are translated (once) and the stream is destroyed
 * with OPERATION_ABORTED when `signal` fires. The returned stream is what callers read.
 */
export function guardStream(
  source: Readable,
  options: { signal?: AbortSignal; translate: (err: unknown) => unknown },
): Readable {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  const onAbort = (): void => {
    source.destroy();
    out.destroy(abortedError('read', options.signal));
  };
  if (options.signal?.aborted) {
    onAbort();
    return out;
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const cleanup = (): void => options.signal?.removeEventListener('abort', onAbort);
  source.on('error', (err) => {
    cleanup();
    out.destroy(asError(options.translate(err)));
  });
  out.on('close', () => {
    cleanup();
    // A reader that stops early must not leave the service connection half-read.
    if (!source.destroyed && !source.readableEnded) {
      source.destroy();
    }
  });
  source.pipe(out);
  return out;
}

export function emptyStream(): Readable {
  return Readable.from([], { objectMode: false });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
