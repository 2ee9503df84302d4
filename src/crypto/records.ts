/**
 * The body records: chunk i is AES-256-GCM under the object's data key with
 * nonce = flag (1 byte) ‖ 0 0 0 ‖ i (u64 BE) and AAD = SHA-256(header) ‖ i (u64 BE) ‖ flag (1 byte),
 * where flag is 1 for the final record (the trailer) and 0 for data chunks. The data key is unique
 * to the object, so these counter nonces never repeat under one key.
 * @module
 */
import { createCipheriv, createDecipheriv, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { CIPHER_SLICE_BYTES, NONCE_BYTES, TAG_BYTES, TRAILER_PLAIN_BYTES } from './constants.js';

const AAD_BYTES = 32 + 8 + 1;
const TWO_32 = 2 ** 32;

/** Makes the ciphers of one object's records; nonce and AAD buffers are reused (OpenSSL copies them). */
export class RecordCrypto {
  readonly #key: Buffer;
  readonly #nonce = Buffer.alloc(NONCE_BYTES);
  readonly #aad = Buffer.alloc(AAD_BYTES);

  constructor(dataKey: Buffer, headerHash: Buffer) {
    this.#key = dataKey;
    headerHash.copy(this.#aad, 0, 0, 32);
  }

  #bind(index: number, final: boolean): void {
    const flag = final ? 1 : 0;
    const high = Math.floor(index / TWO_32);
    const low = index - high * TWO_32;
    this.#nonce.writeUInt8(flag, 0);
    this.#nonce.writeUInt32BE(high, 4);
    this.#nonce.writeUInt32BE(low, 8);
    this.#aad.writeUInt32BE(high, 32);
    this.#aad.writeUInt32BE(low, 36);
    this.#aad.writeUInt8(flag, 40);
  }

  cipher(index: number, final: boolean): CipherGCM {
    this.#bind(index, final);
    const cipher = createCipheriv('aes-256-gcm', this.#key, this.#nonce);
    cipher.setAAD(this.#aad);
    return cipher;
  }

  decipher(index: number, final: boolean): DecipherGCM {
    this.#bind(index, final);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#nonce);
    decipher.setAAD(this.#aad);
    return decipher;
  }

  /** Wipes the data key once the object is done. */
  dispose(): void {
    this.#key.fill(0);
  }
}

/**
 * Decrypts one record fed in pieces, holding the plaintext back until the tag authenticates it:
 * no byte of a chunk leaves before the whole chunk is known to be genuine.
 */
export class RecordOpener {
  readonly #decipher: DecipherGCM;
  readonly #plain: Buffer[] = [];
  #fed = 0;

  constructor(crypto: RecordCrypto, index: number, final: boolean) {
    this.#decipher = crypto.decipher(index, final);
  }

  /** Ciphertext bytes fed so far. */
  get fed(): number {
    return this.#fed;
  }

  /** Feeds ciphertext; returns each plaintext piece to the optional observer (for hashing). */
  feed(ciphertext: Buffer, observe?: (plain: Buffer) => void): void {
    for (let at = 0; at < ciphertext.length; at += CIPHER_SLICE_BYTES) {
      const plain = this.#decipher.update(ciphertext.subarray(at, at + CIPHER_SLICE_BYTES));
      if (plain.length > 0) {
        observe?.(plain);
        this.#plain.push(plain);
      }
    }
    this.#fed += ciphertext.length;
  }

  /** Checks the tag; returns the authenticated plaintext pieces, or `undefined` when it fails. */
  finish(tag: Buffer): Buffer[] | undefined {
    this.#decipher.setAuthTag(tag);
    try {
      this.#decipher.final();
    } catch {
      return undefined;
    }
    return this.#plain;
  }
}

/** The trailer's plaintext: plaintext size (u64 BE) ‖ plaintext SHA-256. */
export function encodeTrailer(plainSize: number, plainSha256: Buffer): Buffer {
  const trailer = Buffer.alloc(TRAILER_PLAIN_BYTES);
  const high = Math.floor(plainSize / TWO_32);
  trailer.writeUInt32BE(high, 0);
  trailer.writeUInt32BE(plainSize - high * TWO_32, 4);
  plainSha256.copy(trailer, 8);
  return trailer;
}

export interface Trailer {
  readonly plainSize: number;
  readonly plainSha256: Buffer;
}

export function decodeTrailer(plain: Buffer): Trailer {
  return {
    plainSize: plain.readUInt32BE(0) * TWO_32 + plain.readUInt32BE(4),
    plainSha256: Buffer.from(plain.subarray(8, 8 + 32)),
  };
}

/** Opens a whole trailer record (56 bytes); `undefined` when it does not authenticate. */
export function openTrailer(crypto: RecordCrypto, index: number, record: Buffer): Trailer | undefined {
  const opener = new RecordOpener(crypto, index, true);
  opener.feed(record.subarray(0, TRAILER_PLAIN_BYTES));
  const plain = opener.finish(record.subarray(TRAILER_PLAIN_BYTES, TRAILER_PLAIN_BYTES + TAG_BYTES));
  return plain === undefined ? undefined : decodeTrailer(Buffer.concat(plain));
}
