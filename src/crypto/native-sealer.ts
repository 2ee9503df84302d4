/**
 * Sealing an object's body (chunk records and trailer) through the native addon: the caller hands
 * the output buffer, so no allocation or zero-fill per slice, and both SHA-256 are updated in the
 * same pass. Writes exactly the bytes {@link RecordCrypto} and the seal stream write.
 * @module
 */
import { TAG_BYTES, TRAILER_BYTES } from './constants.js';
import type { SealKeys } from './keys.js';
import { fastShaAllowed, sealBinding, type SealBinding } from './native.js';

export interface NativeSealEnd {
  /** Bytes written: the last chunk's tag, if a chunk was open, and the trailer record. */
  readonly written: number;
  readonly plainSha256: Buffer;
  /** SHA-256 of header and body; `undefined` when the sealed bytes were not hashed. */
  readonly sealedSha256: Buffer | undefined;
}

export class NativeBodySealer {
  readonly #binding: SealBinding;
  readonly #sealer: object;
  readonly #chunkSize: number;
  /** Mirrors the addon's position in the open chunk, to size the output before each call. */
  #inChunk = 0;

  /** The data key is wiped here: the addon keeps only OpenSSL's key schedule. */
  constructor(binding: SealBinding, keys: SealKeys, chunkSize: number, hashSealed: boolean) {
    this.#binding = binding;
    this.#chunkSize = chunkSize;
    try {
      this.#sealer = binding.sealerCreate(
        keys.dataKey,
        keys.headerHash,
        keys.header,
        chunkSize,
        hashSealed,
        fastShaAllowed(),
      );
    } finally {
      keys.dataKey.fill(0);
    }
  }

  /** Bytes {@link update} writes for `plainBytes` more plaintext: the ciphertext and a tag per chunk it completes. */
  room(plainBytes: number): number {
    return plainBytes + TAG_BYTES * Math.floor((this.#inChunk + plainBytes) / this.#chunkSize);
  }

  /** Bytes {@link end} writes. */
  endRoom(): number {
    return (this.#inChunk > 0 ? TAG_BYTES : 0) + TRAILER_BYTES;
  }

  /** Seals `plain` into `out` at `offset`; returns the bytes written ({@link room}). */
  update(plain: Uint8Array, out: Uint8Array, offset: number): number {
    const expected = this.room(plain.length);
    const written = this.#binding.sealerUpdate(this.#sealer, plain, out, offset);
    if (written !== expected) {
      throw new Error(`the native sealer wrote ${written} bytes where ${expected} were expected`);
    }
    this.#inChunk = (this.#inChunk + plain.length) % this.#chunkSize;
    return written;
  }

  /**
   * Seals the file open as `srcFd`, from its position to its end, into the file open as `dstFd` at
   * its position, off the main thread; the trailer is left for {@link end}. `signal` stops it.
   */
  async pipe(
    srcFd: number,
    dstFd: number,
    bufferBytes: number,
    signal?: AbortSignal,
  ): Promise<{ readonly plainBytes: number; readonly sealedBytes: number }> {
    signal?.throwIfAborted();
    const cancel = (): void => this.#binding.sealerCancel(this.#sealer);
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      const [plainBytes, sealedBytes] = await this.#binding.sealerPipe(
        this.#sealer,
        srcFd,
        dstFd,
        bufferBytes,
      );
      this.#inChunk = (this.#inChunk + plainBytes) % this.#chunkSize;
      return { plainBytes, sealedBytes };
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Whether {@link updateOffThread} can run (an addon built before it existed cannot). */
  get offThread(): boolean {
    return this.#binding.sealerUpdateAsync !== undefined;
  }

  /**
   * Seals `plain` on libuv's thread pool, each `pieceBytes` of it into an output buffer of its own;
   * `done` gets them in order. One call at a time: the next only after `done`.
   */
  updateOffThread(
    plain: Uint8Array,
    pieceBytes: number,
    done: (err: Error | null, outs: Buffer[]) => void,
  ): void {
    const outs: Buffer[] = [];
    let inChunk = this.#inChunk;
    let expected = 0;
    for (let at = 0; at < plain.length; at += pieceBytes) {
      const take = Math.min(pieceBytes, plain.length - at);
      const room = take + TAG_BYTES * Math.floor((inChunk + take) / this.#chunkSize);
      outs.push(Buffer.allocUnsafe(room));
      expected += room;
      inChunk = (inChunk + take) % this.#chunkSize;
    }
    this.#binding.sealerUpdateAsync!(this.#sealer, plain, outs, pieceBytes, (err, written) => {
      if (err === null && written !== expected) {
        err = new Error(`the native sealer wrote ${written} bytes where ${expected} were expected`);
      }
      if (err === null) {
        this.#inChunk = inChunk;
      }
      done(err, outs);
    });
  }

  /** Closes the open chunk and writes the trailer into `out` at `offset`; the sealer is spent. */
  end(out: Uint8Array, offset: number): NativeSealEnd {
    const [written, plainSha256, sealedSha256] = this.#binding.sealerFinal(this.#sealer, out, offset);
    return { written, plainSha256, sealedSha256: sealedSha256 ?? undefined };
  }

  /** Wipes the key schedule now (also done by {@link end}, and at garbage collection). */
  dispose(): void {
    this.#binding.sealerDispose(this.#sealer);
  }
}

/** A native body sealer, or `undefined` when sealing takes the node:crypto path. */
export function nativeBodySealer(
  keys: SealKeys,
  chunkSize: number,
  hashSealed: boolean,
): NativeBodySealer | undefined {
  const binding = sealBinding();
  return binding === undefined ? undefined : new NativeBodySealer(binding, keys, chunkSize, hashSealed);
}
