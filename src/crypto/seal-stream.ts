/**
 * Sealing as a stream: plaintext in, sealed object out, in one pass that also hashes the plaintext
 * (for the trailer) and, unless turned off, the sealed bytes. Memory stays flat: each input buffer
 * is fed to the cipher in slices of at most 64 KiB and the ciphertext goes out as it is produced.
 * With the native addon (native-sealer.ts) each input buffer is sealed, both hashes included, in
 * one call into one output buffer of the exact size; the bytes are the same.
 * @module
 */
import { createHash, type CipherGCM, type Hash } from 'node:crypto';
import { Transform, addAbortSignal, type TransformCallback } from 'node:stream';
import { CoreErrors, toHdhError } from '../core/index.js';
import { CIPHER_SLICE_BYTES, DEFAULT_CHUNK_SIZE } from './constants.js';
import { checkChunkSize, type SealIdentity } from './header.js';
import { createSealKeys, type SealKeys } from './keys.js';
import { nativeBodySealer, type NativeBodySealer } from './native-sealer.js';
import { RecordCrypto, encodeTrailer } from './records.js';
import { settleable, type Settleable } from './settle.js';

export interface SealParams extends SealIdentity {
  /** The 32-byte dataset key named by `keyId`; the object's data key is wrapped under it. */
  readonly datasetKey: Uint8Array;
  /** Plaintext bytes per chunk; {@link DEFAULT_CHUNK_SIZE} when absent. */
  readonly chunkSize?: number;
  /**
   * Whether to compute the SHA-256 of the sealed bytes (default true). It costs about as much as
   * the plaintext hash; turn it off when nothing will compare the sealed bytes later.
   */
  readonly hashSealed?: boolean;
  /**
   * Seal large input buffers on libuv's thread pool (native addon only; default false), so that
   * several objects sealed at once use every core rather than the event loop's one. The bytes are
   * the same; each input buffer costs a hand-off to the pool and back.
   */
  readonly offThread?: boolean;
  readonly signal?: AbortSignal;
}

/** Input buffers smaller than this are sealed on the event loop: the hand-off would cost more. */
const OFF_THREAD_MIN_BYTES = 64 * 1024;

export interface SealResult {
  readonly objectId: string;
  readonly keyId: string;
  readonly plainSize: number;
  /** Hex SHA-256 of the plaintext (also sealed inside the object's trailer). */
  readonly plainSha256: string;
  readonly sealedSize: number;
  /** Hex SHA-256 of the sealed bytes; absent when `hashSealed` was false. */
  readonly sealedSha256: string | undefined;
}

export interface SealStream {
  /** Write plaintext, read the sealed object. */
  readonly stream: Transform;
  /** Settles when the last sealed byte has been pushed, or rejects with the stream's error. */
  readonly result: Promise<SealResult>;
}

/**
 * Seals a plaintext stream under a fresh data key wrapped by `datasetKey`.
 * @example
 * const { stream, result } = createSealStream({ keyId, datasetKey, objectId, dataset, dataClass });
 * await pipeline(createReadStream(src), stream, createWriteStream(dst));
 * const { plainSha256, sealedSize } = await result;
 */
export function createSealStream(params: SealParams): SealStream {
  return sealStreamUnder(params, undefined);
}

/**
 * A seal stream under `keys` made before (reseal.ts: an earlier header and its data key), or under
 * fresh keys when `keys` is undefined.
 * @internal
 */
export function sealStreamUnder(params: SealParams, keys: SealKeys | undefined): SealStream {
  const chunkSize = params.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(chunkSize);
  const outcome = settleable<SealResult>();
  const stream = new SealTransform(params, chunkSize, outcome, keys);
  if (params.signal !== undefined) {
    addAbortSignal(params.signal, stream);
  }
  return { stream, result: outcome.promise };
}

class SealTransform extends Transform {
  readonly #params: SealParams;
  readonly #chunkSize: number;
  readonly #outcome: Settleable<SealResult>;
  /** Set when the native addon seals; the JS fields below are then unused. */
  readonly #native: NativeBodySealer | undefined;
  readonly #offThread: boolean;
  readonly #records: RecordCrypto | undefined;
  readonly #plainHash: Hash = createHash('sha256');
  readonly #sealedHash: Hash | undefined;
  #cipher: CipherGCM | undefined;
  #index = 0;
  #inChunk = 0;
  #plainSize = 0;
  #sealedSize = 0;

  constructor(
    params: SealParams,
    chunkSize: number,
    outcome: Settleable<SealResult>,
    given: SealKeys | undefined,
  ) {
    // Room for a few MiB on each side lets sealing go on while the sink writes (they overlap).
    super({ readableHighWaterMark: 4 * 1024 * 1024, writableHighWaterMark: 1024 * 1024 });
    this.#params = params;
    this.#chunkSize = chunkSize;
    this.#outcome = outcome;
    const hashSealed = params.hashSealed !== false;
    const keys = given ?? createSealKeys(params, params.datasetKey, chunkSize);
    this.#native = nativeBodySealer(keys, chunkSize, hashSealed);
    this.#offThread = params.offThread === true && this.#native?.offThread === true;
    if (this.#native === undefined) {
      this.#sealedHash = hashSealed ? createHash('sha256') : undefined;
      this.#records = new RecordCrypto(keys.dataKey, keys.headerHash);
    }
    this.#emit(keys.header);
  }

  #emit(bytes: Buffer): void {
    this.#sealedHash?.update(bytes);
    this.#sealedSize += bytes.length;
    this.push(bytes);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (this.#native !== undefined) {
        if (this.#offThread && chunk.length >= OFF_THREAD_MIN_BYTES) {
          this.#sealOffThread(this.#native, chunk, callback);
          return;
        }
        this.#sealNative(this.#native, chunk);
        callback();
        return;
      }
      let at = 0;
      while (at < chunk.length) {
        this.#cipher ??= this.#records!.cipher(this.#index, false);
        const take = Math.min(chunk.length - at, this.#chunkSize - this.#inChunk, CIPHER_SLICE_BYTES);
        const slice = chunk.subarray(at, at + take);
        this.#plainHash.update(slice);
        this.#emit(this.#cipher.update(slice));
        at += take;
        this.#inChunk += take;
        if (this.#inChunk === this.#chunkSize) {
          this.#endChunk();
        }
      }
      this.#plainSize += chunk.length;
      callback();
    } catch (err) {
      callback(toHdhError(err));
    }
  }

  /**
   * Output buffers stay under 128 KiB, glibc's threshold for serving malloc from fresh mmap'd pages:
   * one 1 MiB output per 1 MiB input was page-faulted in anew every time (about 30 % more CPU per
   * byte through the fs store, measured), where 64 KiB ones reuse freed heap memory.
   */
  #sealNative(native: NativeBodySealer, chunk: Buffer): void {
    for (let at = 0; at < chunk.length; at += CIPHER_SLICE_BYTES) {
      const piece = chunk.subarray(at, at + CIPHER_SLICE_BYTES);
      const out = Buffer.allocUnsafe(native.room(piece.length));
      const written = native.update(piece, out, 0);
      this.#sealedSize += written;
      if (written > 0) {
        this.push(out);
      }
    }
    this.#plainSize += chunk.length;
  }

  /** As {@link #sealNative}, on the thread pool; the stream waits for it before the next chunk. */
  #sealOffThread(native: NativeBodySealer, chunk: Buffer, callback: TransformCallback): void {
    native.updateOffThread(chunk, CIPHER_SLICE_BYTES, (err, outs) => {
      if (this.destroyed) {
        return;
      }
      if (err !== null) {
        callback(toHdhError(err));
        return;
      }
      for (const out of outs) {
        this.#sealedSize += out.length;
        if (out.length > 0) {
          this.push(out);
        }
      }
      this.#plainSize += chunk.length;
      callback();
    });
  }

  #flushNative(native: NativeBodySealer): void {
    const out = Buffer.allocUnsafe(native.endRoom());
    const end = native.end(out, 0);
    this.#sealedSize += end.written;
    this.push(out);
    this.#resolve(end.plainSha256, end.sealedSha256?.toString('hex'));
  }

  #resolve(plainSha256: Buffer, sealedSha256: string | undefined): void {
    this.#outcome.resolve({
      objectId: this.#params.objectId,
      keyId: this.#params.keyId,
      plainSize: this.#plainSize,
      plainSha256: plainSha256.toString('hex'),
      sealedSize: this.#sealedSize,
      sealedSha256,
    });
  }

  #endChunk(): void {
    const cipher = this.#cipher!;
    cipher.final();
    this.#emit(cipher.getAuthTag());
    this.#cipher = undefined;
    this.#inChunk = 0;
    this.#index++;
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.#native !== undefined) {
        this.#flushNative(this.#native);
        callback();
        return;
      }
      if (this.#cipher !== undefined) {
        this.#endChunk();
      }
      const records = this.#records!;
      const plainSha256 = this.#plainHash.digest();
      const trailer = records.cipher(this.#index, true);
      this.#emit(trailer.update(encodeTrailer(this.#plainSize, plainSha256)));
      trailer.final();
      this.#emit(trailer.getAuthTag());
      records.dispose();
      this.#resolve(plainSha256, this.#sealedHash?.digest('hex'));
      callback();
    } catch (err) {
      callback(toHdhError(err));
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#records?.dispose();
    this.#native?.dispose();
    this.#outcome.reject(
      error ?? CoreErrors.OPERATION_ABORTED('the seal stream was closed before its input ended'),
    );
    callback(error);
  }
}
