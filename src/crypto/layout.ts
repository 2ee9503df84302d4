/**
 * Sizes: a sealed object is its header, one record per plaintext chunk (the chunk's ciphertext,
 * same length, then a 16-byte tag) and the 56-byte trailer record. So
 * `sealed = H + P + 16·⌈P/C⌉ + 56`, and the plaintext size follows from the sealed size alone.
 * @module
 */
import { CoreErrors } from '../core/index.js';
import { DEFAULT_CHUNK_SIZE, TAG_BYTES, TRAILER_BYTES } from './constants.js';
import { checkChunkSize, sealedHeaderSize, type SealIdentity } from './header.js';

/** Number of data chunks of a plaintext of `plainSize` bytes (the trailer's record index). */
export function chunkCount(plainSize: number, chunkSize: number): number {
  return Math.ceil(plainSize / chunkSize);
}

/** Bytes after the header: every chunk record and the trailer. */
export function sealedBodySize(plainSize: number, chunkSize: number): number {
  return plainSize + TAG_BYTES * chunkCount(plainSize, chunkSize) + TRAILER_BYTES;
}

/** What {@link sealedSizeFor} needs: the header's fields and the chunk size. */
export interface SealLayout extends SealIdentity {
  /** Plaintext bytes per chunk; {@link DEFAULT_CHUNK_SIZE} when absent. */
  readonly chunkSize?: number;
}

/**
 * Exact length of the sealed object for a plaintext of `plainSize` bytes, e.g. to plan a
 * multipart upload before sealing. The header's length depends on its text fields, hence `layout`.
 * @example
 * const size = sealedSizeFor(file.size, { keyId, objectId, dataset, dataClass });
 */
export function sealedSizeFor(plainSize: number, layout: SealLayout): number {
  if (!Number.isSafeInteger(plainSize) || plainSize < 0) {
    throw CoreErrors.INPUT_INVALID(`plaintext size ${plainSize} must be a non-negative integer`);
  }
  const chunkSize = layout.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(chunkSize);
  return sealedHeaderSize(layout) + sealedBodySize(plainSize, chunkSize);
}

/**
 * Plaintext size of a sealed object of `sealedSize` bytes whose header is `headerBytes` long, or
 * `undefined` when no plaintext size gives that sealed size (the object was truncated or extended
 * by a length that no chunk layout explains).
 */
export function plainSizeFromSealed(
  sealedSize: number,
  headerBytes: number,
  chunkSize: number,
): number | undefined {
  const records = sealedSize - headerBytes - TRAILER_BYTES;
  if (!Number.isSafeInteger(records) || records < 0) {
    return undefined;
  }
  const record = chunkSize + TAG_BYTES;
  const full = Math.floor(records / record);
  const rest = records - full * record;
  if (rest === 0) {
    return full * chunkSize;
  }
  if (rest <= TAG_BYTES) {
    return undefined;
  }
  return full * chunkSize + rest - TAG_BYTES;
}
