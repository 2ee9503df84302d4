/**
 * Fixed numbers of the sealed-object format, version 1 (docs/formats/sealed-object.md).
 * @module
 */

/** The first 8 bytes of every sealed object: 0x89 then ASCII `HDHSEAL`. The high first byte
 * makes 7-bit transports and text-mode mangling visible, as in PNG. */
export const SEALED_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x48, 0x44, 0x48, 0x53, 0x45, 0x41, 0x4c);

/** The format version this code writes and the only one it reads. */
export const SEALED_FORMAT_VERSION = 1;

/** Algorithm suite 1: AES-256-GCM records, data key wrapped by AES-256-GCM under an HKDF-SHA-256
 * key derived from the dataset key, SHA-256 digests. */
export const SUITE_AES256GCM_V1 = 1;

/** Bytes of the fixed prefix: magic, version, suite, flags, header length. */
export const HEADER_PREFIX_BYTES = 16;

/** No valid version-1 header is longer: readers fetch at most this many bytes to parse one. */
export const MAX_HEADER_BYTES = 8192;

/** Longest key id, object id, dataset name or data class, in UTF-8 bytes. */
export const MAX_HEADER_FIELD_BYTES = 1024;

/**
 * Default plaintext bytes per chunk: 256 KiB, fed to the cipher in 64 KiB slices. Each chunk costs a
 * cipher setup and a tag (3–11 µs here), about 8 % of the work at 64 KiB and 2 % at 256 KiB, where
 * throughput levels off; larger chunks would only make a small ranged read decrypt more and an
 * open stream hold more plaintext back. See docs/formats/sealed-object.md.
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

/** Smallest chunk size accepted (small chunks are for tests; they cost 16 bytes each). */
export const MIN_CHUNK_SIZE = 256;

/** Largest chunk size accepted: an open stream holds up to one chunk of plaintext in memory. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Bytes of an object's data key and of a dataset key (AES-256). */
export const KEY_BYTES = 32;

/** Bytes of a GCM authentication tag. */
export const TAG_BYTES = 16;

/** Bytes of a GCM nonce. */
export const NONCE_BYTES = 12;

/** Bytes of the key check value in the header. */
export const KEY_CHECK_BYTES = 16;

/** Plaintext of the trailer record: plaintext size (u64) then plaintext SHA-256. */
export const TRAILER_PLAIN_BYTES = 8 + 32;

/** The trailer record as stored: its ciphertext and tag. */
export const TRAILER_BYTES = TRAILER_PLAIN_BYTES + TAG_BYTES;

/** Largest slice handed to one `cipher.update`/`hash.update` call: bigger slices run slower in Node. */
export const CIPHER_SLICE_BYTES = 64 * 1024;
