/**
 * Sealing a whole plaintext held in memory, in one call: the same bytes a seal stream would emit
 * (header, chunk records, trailer), without the stream machinery, into one buffer of the exact
 * sealed size. For many small objects sealed under one dataset key (a migration), the stream's
 * per-object costs — stream setup and teardown, two HKDF runs — outweigh the cipher work: a
 * {@link BufferSealer} derives the dataset key's sealing keys once.
 * @module
 */
import { createHash } from 'node:crypto';
import { CIPHER_SLICE_BYTES, DEFAULT_CHUNK_SIZE, TAG_BYTES } from './constants.js';
import { checkChunkSize } from './header.js';
import { createSealKeysDerived, deriveSealingKeys, type DerivedKeys, type SealKeys } from './keys.js';
import { chunkCount, sealedBodySize } from './layout.js';
import { nativeBodySealer, type NativeBodySealer } from './native-sealer.js';
import { RecordCrypto, encodeTrailer } from './records.js';
import type { SealResult } from './seal-stream.js';

/** The object a buffer is sealed as (the dataset key is the sealer's). */
export interface BufferIdentity {
  readonly objectId: string;
  readonly dataset: string;
  readonly dataClass: string;
}

export interface SealedBuffer {
  readonly sealed: Buffer;
  /** `sealedSha256` is always present. */
  readonly result: SealResult & { readonly sealedSha256: string };
}

/** Seals buffers under one dataset key; {@link BufferSealer.dispose} wipes the derived keys. */
export interface BufferSealer {
  readonly keyId: string;
  seal(identity: BufferIdentity, plain: Uint8Array, options?: { chunkSize?: number }): SealedBuffer;
  dispose(): void;
}

/**
 * A sealer of in-memory plaintexts under the dataset key `datasetKey` named `keyId`.
 * @example
 * const sealer = createBufferSealer(keyId, datasetKey);
 * const { sealed, result } = sealer.seal({ objectId, dataset, dataClass }, plain);
 */
export function createBufferSealer(keyId: string, datasetKey: Uint8Array): BufferSealer {
  const derived: DerivedKeys = deriveSealingKeys(datasetKey, keyId);
  return {
    keyId,
    seal: (identity, plain, options = {}) => sealBuffer(keyId, derived, identity, plain, options.chunkSize),
    dispose: () => derived.wrapKey.fill(0),
  };
}

function sealBuffer(
  keyId: string,
  derived: DerivedKeys,
  identity: BufferIdentity,
  plain: Uint8Array,
  chunkSize = DEFAULT_CHUNK_SIZE,
): SealedBuffer {
  checkChunkSize(chunkSize);
  const keys = createSealKeysDerived({ ...identity, keyId }, derived, chunkSize);
  const native = nativeBodySealer(keys, chunkSize, true);
  if (native !== undefined) {
    return sealNative(native, keyId, keys, identity, plain, chunkSize);
  }
  const records = new RecordCrypto(keys.dataKey, keys.headerHash);
  try {
    const out = Buffer.allocUnsafe(keys.header.length + sealedBodySize(plain.length, chunkSize));
    let at = keys.header.copy(out, 0);
    const plainHash = createHash('sha256');
    const chunks = chunkCount(plain.length, chunkSize);
    for (let index = 0; index < chunks; index++) {
      const cipher = records.cipher(index, false);
      const end = Math.min(plain.length, (index + 1) * chunkSize);
      for (let from = index * chunkSize; from < end; from += CIPHER_SLICE_BYTES) {
        const slice = plain.subarray(from, Math.min(end, from + CIPHER_SLICE_BYTES));
        plainHash.update(slice);
        at += cipher.update(slice).copy(out, at);
      }
      cipher.final();
      at += cipher.getAuthTag().copy(out, at, 0, TAG_BYTES);
    }
    const plainSha256 = plainHash.digest();
    const trailer = records.cipher(chunks, true);
    at += trailer.update(encodeTrailer(plain.length, plainSha256)).copy(out, at);
    trailer.final();
    trailer.getAuthTag().copy(out, at);
    return sealedBuffer(
      out,
      keyId,
      identity,
      plain.length,
      plainSha256,
      createHash('sha256').update(out).digest(),
    );
  } finally {
    records.dispose();
  }
}

/** The same bytes through the native addon, written straight into the output, both hashes in the pass. */
function sealNative(
  native: NativeBodySealer,
  keyId: string,
  keys: SealKeys,
  identity: BufferIdentity,
  plain: Uint8Array,
  chunkSize: number,
): SealedBuffer {
  try {
    const out = Buffer.allocUnsafe(keys.header.length + sealedBodySize(plain.length, chunkSize));
    let at = keys.header.copy(out, 0);
    at += native.update(plain, out, at);
    const end = native.end(out, at);
    return sealedBuffer(out, keyId, identity, plain.length, end.plainSha256, end.sealedSha256!);
  } finally {
    native.dispose();
  }
}

/** `out` is exactly the sealed object (allocated at its sealed size). */
function sealedBuffer(
  out: Buffer,
  keyId: string,
  identity: BufferIdentity,
  plainSize: number,
  plainSha256: Buffer,
  sealedSha256: Buffer,
): SealedBuffer {
  return {
    sealed: out,
    result: {
      objectId: identity.objectId,
      keyId,
      plainSize,
      plainSha256: plainSha256.toString('hex'),
      sealedSize: out.length,
      sealedSha256: sealedSha256.toString('hex'),
    },
  };
}
