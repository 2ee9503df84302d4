/**
 * Opening as a stream: sealed object in, plaintext out. The stream authenticates the header
 * before emitting anything, emits each chunk's plaintext only once its tag has verified, and ends
 * cleanly only after the trailer (the final record) authenticated and matched the plaintext's size
 * and SHA-256. Any other ending (truncation, extra bytes, a bad record) is an error on the stream.
 *
 * Record boundaries need no length fields: every chunk record but the last is C + 16 bytes and the
 * trailer is the last 56 bytes. So while 72 bytes (a tag and the trailer) are held back, the bytes
 * before them are certainly ciphertext of the current chunk and are decrypted as they arrive.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, addAbortSignal, type TransformCallback } from 'node:stream';
import { CoreErrors, toHdhError } from '../core/index.js';
import { ByteQueue } from './byte-queue.js';
import { TAG_BYTES, TRAILER_BYTES } from './constants.js';
import { CryptoErrors } from './errors.js';
import {
  parseHeaderRecord,
  publicHeader,
  sealedHeaderLength,
  type HeaderRecord,
  type SealedHeader,
} from './header.js';
import { unlockHeader, type KeyResolver } from './keys.js';
import { RecordCrypto, RecordOpener, openTrailer } from './records.js';
import { settleable, type Settleable } from './settle.js';

/** Bytes that may follow the last ciphertext byte of a chunk: its tag and the trailer. */
const HOLD_BACK = TAG_BYTES + TRAILER_BYTES;

export interface OpenParams {
  /** Returns the dataset key named in the header; its errors (e.g. KMS_KEY_DESTROYED) propagate. */
  readonly resolveKey: KeyResolver;
  /** The logical id the caller asked for; an object holding another id is refused (CRYPTO_OBJECT_MISMATCH). */
  readonly expectedObjectId?: string;
  /** Also compute the SHA-256 of the sealed bytes read (default false). */
  readonly hashSealed?: boolean;
  readonly signal?: AbortSignal;
}

export interface OpenResult {
  readonly plainSize: number;
  /** Hex SHA-256 of the plaintext, checked against the sealed trailer. */
  readonly plainSha256: string;
  readonly sealedSize: number;
  /** Hex SHA-256 of the sealed bytes; absent unless `hashSealed` was set. */
  readonly sealedSha256: string | undefined;
}

export interface OpenStream {
  /** Write the sealed object, read the plaintext. */
  readonly stream: Transform;
  /** The header, once it authenticated and (if asked) matched `expectedObjectId`. */
  readonly header: Promise<SealedHeader>;
  /** Settles when the trailer verified; rejects with the stream's error. */
  readonly result: Promise<OpenResult>;
}

/**
 * Opens a sealed object streamed through the returned transform.
 * @example
 * const { stream, result } = createOpenStream({ expectedObjectId: id, resolveKey: (k) => keys.datasetKey(k) });
 * await pipeline(await store.get(key), stream, createWriteStream(out));
 * const { plainSha256 } = await result;
 */
export function createOpenStream(params: OpenParams): OpenStream {
  const header = settleable<SealedHeader>();
  const result = settleable<OpenResult>();
  const stream = new OpenTransform(params, header, result);
  if (params.signal !== undefined) {
    addAbortSignal(params.signal, stream);
  }
  return { stream, header: header.promise, result: result.promise };
}

interface Body {
  readonly header: HeaderRecord;
  readonly records: RecordCrypto;
  readonly chunkSize: number;
  readonly recordBytes: number;
}

class OpenTransform extends Transform {
  readonly #params: OpenParams;
  readonly #headerOutcome: Settleable<SealedHeader>;
  readonly #outcome: Settleable<OpenResult>;
  readonly #queue = new ByteQueue();
  readonly #plainHash: Hash = createHash('sha256');
  readonly #sealedHash: Hash | undefined;
  #body: Body | undefined;
  #opener: RecordOpener | undefined;
  #index = 0;
  #plainSize = 0;
  #sealedSize = 0;

  constructor(params: OpenParams, header: Settleable<SealedHeader>, outcome: Settleable<OpenResult>) {
    super();
    this.#params = params;
    this.#headerOutcome = header;
    this.#outcome = outcome;
    this.#sealedHash = params.hashSealed === true ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#sealedHash?.update(chunk);
    this.#sealedSize += chunk.length;
    this.#queue.push(chunk);
    try {
      if (this.#body !== undefined) {
        this.#drain(false);
        callback();
        return;
      }
      const header = this.#readHeader();
      if (header === undefined) {
        callback();
        return;
      }
      this.#unlock(header).then(
        () => {
          try {
            this.#drain(false);
            callback();
          } catch (err) {
            callback(toHdhError(err));
          }
        },
        (err: unknown) => {
          callback(toHdhError(err));
        },
      );
    } catch (err) {
      callback(toHdhError(err));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.#body === undefined) {
        if (this.#queue.length === 0) {
          throw CryptoErrors.CRYPTO_NOT_SEALED('the input is empty: it is not a sealed object');
        }
        // A complete header would have been read by now: this one is cut short.
        this.#readHeader();
        throw CryptoErrors.CRYPTO_TAMPERED(
          `the sealed object ends inside its header after ${this.#queue.length} bytes: it is truncated`,
        );
      }
      this.#drain(true);
      callback();
    } catch (err) {
      callback(toHdhError(err));
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#body?.records.dispose();
    const reason = error ?? CoreErrors.OPERATION_ABORTED('the open stream was closed before its input ended');
    this.#headerOutcome.reject(reason);
    this.#outcome.reject(reason);
    callback(error);
  }

  #readHeader(): HeaderRecord | undefined {
    const queue = this.#queue;
    const length = sealedHeaderLength(queue.copy(0, Math.min(queue.length, 16)));
    if (length === undefined || queue.length < length) {
      return undefined;
    }
    const header = parseHeaderRecord(queue.copy(0, length));
    queue.consume(length);
    return header;
  }

  async #unlock(header: HeaderRecord): Promise<void> {
    const dataKey = await unlockHeader(header, this.#params.resolveKey);
    const expected = this.#params.expectedObjectId;
    if (expected !== undefined && header.objectId !== expected) {
      dataKey.fill(0);
      throw CryptoErrors.CRYPTO_OBJECT_MISMATCH(
        `the sealed object holds object ${header.objectId}, not the expected ${expected}: it was renamed or swapped`,
      );
    }
    const headerHash = createHash('sha256').update(header.bytes).digest();
    this.#body = {
      header,
      records: new RecordCrypto(dataKey, headerHash),
      chunkSize: header.chunkSize,
      recordBytes: header.chunkSize + TAG_BYTES,
    };
    this.#headerOutcome.resolve(publicHeader(header));
  }

  /** Decrypts what is certainly ciphertext, completes full chunks, and at the end the last chunk and trailer. */
  #drain(ended: boolean): void {
    const body = this.#body!;
    const queue = this.#queue;
    for (;;) {
      this.#feed(Math.min(body.chunkSize, queue.length - HOLD_BACK));
      if (queue.length < body.recordBytes + TRAILER_BYTES) {
        break;
      }
      this.#completeChunk(body.chunkSize, ended);
    }
    if (!ended) {
      return;
    }
    const rest = queue.length;
    if (rest === TRAILER_BYTES) {
      this.#verifyTrailer();
    } else if (rest > HOLD_BACK && rest < body.recordBytes + TRAILER_BYTES) {
      this.#completeChunk(rest - HOLD_BACK, ended);
      this.#verifyTrailer();
    } else {
      throw this.#diagnose(
        ended,
        rest < TRAILER_BYTES
          ? `the sealed object ends ${rest} bytes into record ${this.#index} (sealed offset ${queue.offset}): it is truncated`
          : `the last ${rest} bytes (from sealed offset ${queue.offset}, record ${this.#index}) form no valid record: the object is truncated or extended`,
      );
    }
  }

  #feed(upTo: number): void {
    const fed = this.#opener?.fed ?? 0;
    if (upTo <= fed) {
      return;
    }
    const opener = (this.#opener ??= new RecordOpener(this.#body!.records, this.#index, false));
    this.#queue.forEach(fed, upTo, (view) => {
      opener.feed(view, (plain) => this.#plainHash.update(plain));
    });
  }

  #completeChunk(length: number, ended: boolean): void {
    this.#feed(length);
    const plain = this.#opener!.finish(this.#queue.copy(length, length + TAG_BYTES));
    if (plain === undefined) {
      const offset = this.#queue.offset;
      throw this.#diagnose(
        ended,
        `chunk ${this.#index} (sealed bytes ${offset}..${offset + length + TAG_BYTES}) did not authenticate: it was altered, truncated, or moved from another position or object`,
      );
    }
    for (const piece of plain) {
      this.#plainSize += piece.length;
      this.push(piece);
    }
    this.#queue.consume(length + TAG_BYTES);
    this.#opener = undefined;
    this.#index++;
  }

  #verifyTrailer(): void {
    const body = this.#body!;
    const offset = this.#queue.offset;
    const trailer = openTrailer(body.records, this.#index, this.#queue.copy(0, TRAILER_BYTES));
    if (trailer === undefined) {
      throw CryptoErrors.CRYPTO_TAMPERED(
        `the trailer (record ${this.#index}, sealed offset ${offset}) did not authenticate: the object is truncated, extended or its trailer altered`,
      );
    }
    const plainSha256 = this.#plainHash.digest();
    if (trailer.plainSize !== this.#plainSize || !trailer.plainSha256.equals(plainSha256)) {
      throw CryptoErrors.CRYPTO_TAMPERED(
        `the plaintext (${this.#plainSize} bytes) does not match the size and SHA-256 sealed in the trailer of object ${body.header.objectId}`,
      );
    }
    this.#queue.consume(TRAILER_BYTES);
    body.records.dispose();
    this.#outcome.resolve({
      plainSize: this.#plainSize,
      plainSha256: plainSha256.toString('hex'),
      sealedSize: this.#sealedSize,
      sealedSha256: this.#sealedHash?.digest('hex'),
    });
  }

  /** Names the failure precisely when the bytes at hand show it (cheap: only on the error path). */
  #diagnose(ended: boolean, otherwise: string): Error {
    const body = this.#body!;
    const queue = this.#queue;
    const offset = queue.offset;
    if (
      queue.length > TRAILER_BYTES &&
      openTrailer(body.records, this.#index, queue.copy(0, TRAILER_BYTES))
    ) {
      return CryptoErrors.CRYPTO_TAMPERED(
        `${queue.length - TRAILER_BYTES} unexpected bytes follow the trailer (record ${this.#index}, sealed offset ${offset}): the object was extended`,
      );
    }
    if (ended && queue.length > TAG_BYTES && queue.length <= body.recordBytes) {
      const opener = new RecordOpener(body.records, this.#index, false);
      queue.forEach(0, queue.length - TAG_BYTES, (view) => {
        opener.feed(view);
      });
      if (opener.finish(queue.copy(queue.length - TAG_BYTES, queue.length)) !== undefined) {
        return CryptoErrors.CRYPTO_TAMPERED(
          `the object is truncated after chunk ${this.#index} (sealed offset ${offset + queue.length}): its trailer is missing`,
        );
      }
    }
    return CryptoErrors.CRYPTO_TAMPERED(otherwise);
  }
}
