/**
 * Ranged reads: only the chunks a plaintext range touches are fetched and decrypted. Before any
 * chunk, the header is authenticated and the trailer (the last 56 bytes, fetched in parallel) is
 * authenticated at the record index the sealed size implies: so a truncated or extended object is
 * refused even though most of it is never read, and the plaintext size is known for the caller.
 * @module
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, addAbortSignal, pipeline, type TransformCallback } from 'node:stream';
import { CoreErrors, toHdhError } from '../core/index.js';
import { ByteQueue } from './byte-queue.js';
import { TAG_BYTES, TRAILER_BYTES } from './constants.js';
import { CryptoErrors } from './errors.js';
import { parseHeaderRecord, publicHeader, sealedHeaderLength, type SealedHeader } from './header.js';
import { unlockHeader, type KeyResolver } from './keys.js';
import { chunkCount, plainSizeFromSealed } from './layout.js';
import { RecordCrypto, RecordOpener, openTrailer } from './records.js';

/** Bytes fetched first for the header: every usual header fits; a longer one costs a second read. */
const FIRST_READ_BYTES = 4096;

/** Returns sealed bytes [start, end) (end exclusive) of the object, e.g. a ranged GET. */
export type SealedReader = (
  start: number,
  end: number,
  options: { signal?: AbortSignal },
) => Promise<Readable>;

export interface OpenRangeParams {
  readonly readSealed: SealedReader;
  /** Size of the sealed object, e.g. from the store's `head`. */
  readonly sealedSize: number;
  /** Plaintext bytes [start, end); `end` defaults to the end of the plaintext. */
  readonly range: { readonly start: number; readonly end?: number };
  readonly expectedObjectId?: string;
  readonly resolveKey: KeyResolver;
  readonly signal?: AbortSignal;
}

export interface SealedRange {
  /** Exactly the plaintext bytes [start, end); errors if a chunk fails authentication. */
  readonly stream: Readable;
  readonly header: SealedHeader;
  /** Size of the whole plaintext (authenticated by the trailer). */
  readonly plainSize: number;
  /** Hex SHA-256 of the whole plaintext, from the authenticated trailer. */
  readonly plainSha256: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Opens plaintext bytes [start, end) of a sealed object, reading and decrypting only the chunks
 * they fall in. Rejects before streaming when the header, the trailer or the range is wrong.
 * @example
 * const { stream, plainSize } = await openRange({
 *   readSealed: (start, end) => store.get(key, { range: { start, end } }),
 *   sealedSize: info.size, range: { start: 1000, end: 2000 }, expectedObjectId: id, resolveKey,
 * });
 */
export async function openRange(params: OpenRangeParams): Promise<SealedRange> {
  const { sealedSize, signal } = params;
  signal?.throwIfAborted();
  if (!Number.isSafeInteger(sealedSize) || sealedSize < 0) {
    throw CoreErrors.INPUT_INVALID(`sealed size ${sealedSize} must be a non-negative integer`);
  }
  const read = (start: number, end: number): Promise<Buffer> =>
    readExactly(params.readSealed, start, end, signal);
  const firstRead = read(0, Math.min(sealedSize, FIRST_READ_BYTES));
  const tailRead = sealedSize >= TRAILER_BYTES ? read(sealedSize - TRAILER_BYTES, sealedSize) : undefined;
  tailRead?.catch(() => undefined);
  let head = await firstRead;
  if (head.length === 0) {
    throw CryptoErrors.CRYPTO_NOT_SEALED('the object is empty: it is not a sealed object');
  }
  const headerLength = sealedHeaderLength(head);
  if (headerLength !== undefined && headerLength > head.length && headerLength <= sealedSize) {
    head = Buffer.concat([head, await read(head.length, headerLength)]);
  }
  const header = parseHeaderRecord(head);
  const dataKey = await unlockHeader(header, params.resolveKey);
  const records = new RecordCrypto(dataKey, createHash('sha256').update(header.bytes).digest());
  try {
    if (params.expectedObjectId !== undefined && header.objectId !== params.expectedObjectId) {
      throw CryptoErrors.CRYPTO_OBJECT_MISMATCH(
        `the sealed object holds object ${header.objectId}, not the expected ${params.expectedObjectId}: it was renamed or swapped`,
      );
    }
    const { chunkSize } = header;
    const plainSize = plainSizeFromSealed(sealedSize, header.headerBytes, chunkSize);
    if (plainSize === undefined || tailRead === undefined) {
      throw CryptoErrors.CRYPTO_TAMPERED(
        `the sealed size ${sealedSize} fits no chunk layout of object ${header.objectId}: it is truncated or extended`,
      );
    }
    const trailerIndex = chunkCount(plainSize, chunkSize);
    const trailer = openTrailer(records, trailerIndex, await tailRead);
    if (trailer?.plainSize !== plainSize) {
      throw CryptoErrors.CRYPTO_TAMPERED(
        `the trailer of object ${header.objectId} (record ${trailerIndex}, sealed offset ${sealedSize - TRAILER_BYTES}) did not authenticate: the object is truncated, extended or altered`,
      );
    }
    const { start, end = plainSize } = params.range;
    if (
      !Number.isSafeInteger(start) ||
      !Number.isSafeInteger(end) ||
      start < 0 ||
      start > end ||
      end > plainSize
    ) {
      throw CryptoErrors.CRYPTO_RANGE_NOT_SATISFIABLE(
        `plaintext range ${start}..${end} is not within object ${header.objectId}, whose plaintext is ${plainSize} bytes (ranges are start-inclusive, end-exclusive)`,
      );
    }
    const base = {
      header: publicHeader(header),
      plainSize,
      plainSha256: trailer.plainSha256.toString('hex'),
      start,
      end,
    };
    if (start === end) {
      records.dispose();
      return { ...base, stream: Readable.from([]) };
    }
    const first = Math.floor(start / chunkSize);
    const last = Math.floor((end - 1) / chunkSize);
    const recordBytes = chunkSize + TAG_BYTES;
    const sealedStart = header.headerBytes + first * recordBytes;
    const sealedEnd =
      header.headerBytes + last * recordBytes + Math.min(chunkSize, plainSize - last * chunkSize) + TAG_BYTES;
    const source = await params.readSealed(sealedStart, sealedEnd, signal === undefined ? {} : { signal });
    const stream = new RangeTransform({
      records,
      chunkSize,
      plainSize,
      first,
      last,
      start,
      end,
      sealedStart,
    });
    if (signal !== undefined) {
      addAbortSignal(signal, stream);
    }
    pipeline(source, stream, () => undefined);
    return { ...base, stream };
  } catch (err) {
    records.dispose();
    throw err;
  }
}

async function readExactly(
  reader: SealedReader,
  start: number,
  end: number,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of await reader(start, end, signal === undefined ? {} : { signal })) {
    const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array);
    parts.push(buffer);
    length += buffer.length;
  }
  if (length !== end - start) {
    throw CryptoErrors.CRYPTO_TAMPERED(
      `reading sealed bytes ${start}..${end} returned ${length} bytes: the object is shorter or longer than its stated size`,
    );
  }
  return Buffer.concat(parts, length);
}

interface RangePlan {
  readonly records: RecordCrypto;
  readonly chunkSize: number;
  readonly plainSize: number;
  readonly first: number;
  readonly last: number;
  readonly start: number;
  readonly end: number;
  readonly sealedStart: number;
}

/** Decrypts chunk records first..last (lengths known from the layout) and emits the range's bytes. */
class RangeTransform extends Transform {
  readonly #plan: RangePlan;
  readonly #queue = new ByteQueue();
  #index: number;
  #opener: RecordOpener | undefined;

  constructor(plan: RangePlan) {
    super();
    this.#plan = plan;
    this.#index = plan.first;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#queue.push(chunk);
    try {
      this.#drain();
      callback();
    } catch (err) {
      callback(toHdhError(err));
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#index <= this.#plan.last || this.#queue.length > 0) {
      callback(
        CryptoErrors.CRYPTO_TAMPERED(
          `reading chunks ${this.#plan.first}..${this.#plan.last} returned ${this.#index <= this.#plan.last ? 'too few' : 'too many'} bytes (stopped at chunk ${this.#index}): the object is shorter or longer than its stated size`,
        ),
      );
      return;
    }
    this.#plan.records.dispose();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#plan.records.dispose();
    callback(error);
  }

  #drain(): void {
    const { records, chunkSize, plainSize, last } = this.#plan;
    const queue = this.#queue;
    while (this.#index <= last) {
      const length = Math.min(chunkSize, plainSize - this.#index * chunkSize);
      const opener = (this.#opener ??= new RecordOpener(records, this.#index, false));
      const upTo = Math.min(length, queue.length);
      if (upTo > opener.fed) {
        queue.forEach(opener.fed, upTo, (view) => {
          opener.feed(view);
        });
      }
      if (queue.length < length + TAG_BYTES) {
        return;
      }
      const plain = opener.finish(queue.copy(length, length + TAG_BYTES));
      if (plain === undefined) {
        const offset = this.#plan.sealedStart + queue.offset;
        throw CryptoErrors.CRYPTO_TAMPERED(
          `chunk ${this.#index} (sealed bytes ${offset}..${offset + length + TAG_BYTES}) did not authenticate: it was altered, or moved from another position or object`,
        );
      }
      this.#emit(plain, this.#index * chunkSize);
      queue.consume(length + TAG_BYTES);
      this.#opener = undefined;
      this.#index++;
    }
  }

  #emit(pieces: Buffer[], chunkStart: number): void {
    const { start, end } = this.#plan;
    let at = chunkStart;
    for (const piece of pieces) {
      const from = Math.max(start, at);
      const to = Math.min(end, at + piece.length);
      if (to > from) {
        this.push(from === at && to === at + piece.length ? piece : piece.subarray(from - at, to - at));
      }
      at += piece.length;
    }
  }
}
