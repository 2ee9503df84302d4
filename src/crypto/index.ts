/**
 * Sealed objects: the format every byte hdh stores is sealed in (docs/formats/sealed-object.md).
 * Chunked AES-256-GCM under a per-object data key wrapped by a dataset key; streaming seal and
 * open with flat memory; ranged reads that decrypt only the chunks they touch; header helpers
 * that need no key.
 * @module
 */
export { CryptoErrors } from './errors.js';
export {
  SEALED_MAGIC,
  SEALED_FORMAT_VERSION,
  DEFAULT_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_HEADER_BYTES,
  KEY_BYTES,
  TAG_BYTES,
  TRAILER_BYTES,
} from './constants.js';
export {
  isSealed,
  parseSealedHeader,
  sealedHeaderLength,
  sealedHeaderSize,
  type SealIdentity,
  type SealedHeader,
} from './header.js';
export { readSealedHeader } from './read-header.js';
export { sealedSizeFor, plainSizeFromSealed, type SealLayout } from './layout.js';
export type { KeyResolver } from './keys.js';
export { createSealStream, type SealParams, type SealResult, type SealStream } from './seal-stream.js';
export { canSealFiles, sealFileInto } from './seal-file.js';
export { createResealStream, type ResealParams } from './reseal.js';
export {
  createBufferSealer,
  type BufferIdentity,
  type BufferSealer,
  type SealedBuffer,
} from './seal-buffer.js';
export { createOpenStream, type OpenParams, type OpenResult, type OpenStream } from './open-stream.js';
export { openRange, type OpenRangeParams, type SealedRange, type SealedReader } from './open-range.js';
