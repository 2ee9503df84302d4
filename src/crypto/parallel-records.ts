/**
 * Data records sealed off the main thread: WebCrypto's AES-GCM runs each call in libuv's thread
 * pool, so with several records in flight the cipher uses a second core while the main thread
 * hashes. The bytes are those of {@link RecordCrypto}'s ciphers (same nonce, AAD and key; WebCrypto
 * returns ciphertext ‖ tag, which is how a record is stored), and records come out in order.
 * @module
 */
import { webcrypto } from 'node:crypto';
import { CoreErrors } from '../core/index.js';
import { recordAad, recordNonce } from './records.js';

/** Most records in flight accepted: beyond a handful the pool is saturated and memory only grows. */
export const MAX_PARALLEL_RECORDS = 64;

export function checkParallelRecords(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLEL_RECORDS) {
    throw CoreErrors.INPUT_INVALID(
      `parallel records ${n} must be an integer from 1 to ${MAX_PARALLEL_RECORDS}`,
    );
  }
}

export class ParallelRecords {
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #headerHash: Buffer;
  readonly #inFlight: Promise<Buffer>[] = [];

  constructor(dataKey: Buffer, headerHash: Buffer) {
    // A copy, wiped once imported: the caller wipes its data key when the object is done, and
    // WebCrypto keeps its own copy inside the CryptoKey (freed when the key is collected).
    const raw = Buffer.from(dataKey);
    this.#key = webcrypto.subtle
      .importKey('raw', raw, 'AES-GCM', false, ['encrypt'])
      .finally(() => raw.fill(0));
    this.#key.catch(() => undefined);
    this.#headerHash = headerHash;
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Starts sealing data record `index`; WebCrypto copies `plain` before this returns. */
  submit(index: number, plain: Uint8Array): void {
    const iv = recordNonce(index, false);
    const additionalData = recordAad(this.#headerHash, index, false);
    const job = this.#key.then((key) =>
      webcrypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData, tagLength: 128 }, key, plain),
    );
    const sealed = job.then((bytes) => Buffer.from(bytes));
    // Awaited in order by next(); a stream destroyed meanwhile never awaits the rest.
    sealed.catch(() => undefined);
    this.#inFlight.push(sealed);
  }

  /** The oldest record in flight, sealed (ciphertext ‖ tag); `undefined` when none is. */
  next(): Promise<Buffer> | undefined {
    return this.#inFlight.shift();
  }
}
