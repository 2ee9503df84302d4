/**
 * The sealed-object header: in the clear (so a store can be scanned without keys) but
 * authenticated, as the AAD of the wrapped data key and, through its SHA-256, of every record.
 *
 * ```
 * offset  bytes  field
 * 0       8      magic 89 48 44 48 53 45 41 4C
 * 8       1      format version (1)
 * 9       1      algorithm suite (1)
 * 10      2      flags, u16 BE, 0 in version 1
 * 12      4      header length H, u32 BE, bytes from offset 0 to the end of the header
 * 16      4      chunk size C, u32 BE, plaintext bytes per chunk
 * 20      …      key id, object id, dataset, data class: each u16 BE length + UTF-8
 * …       16     key check value
 * …       12     wrap nonce
 * …       32     wrapped data key
 * …       16     wrap tag
 * ```
 * @module
 */
import { CoreErrors } from '../core/index.js';
import {
  HEADER_PREFIX_BYTES,
  KEY_BYTES,
  KEY_CHECK_BYTES,
  MAX_CHUNK_SIZE,
  MAX_HEADER_BYTES,
  MAX_HEADER_FIELD_BYTES,
  MIN_CHUNK_SIZE,
  NONCE_BYTES,
  SEALED_FORMAT_VERSION,
  SEALED_MAGIC,
  SUITE_AES256GCM_V1,
  TAG_BYTES,
} from './constants.js';
import { CryptoErrors } from './errors.js';

/** What a sealed object says about itself, readable without any key. */
export interface SealIdentity {
  /** Id of the dataset key the data key is wrapped under (the resolver's argument on open). */
  readonly keyId: string;
  /** The object's logical id in the hub; opening checks it against the id the caller expects. */
  readonly objectId: string;
  /** Name of the dataset the object belongs to (may be empty). */
  readonly dataset: string;
  /** Data class for the sovereignty policy, e.g. `pseudonymised-health` (may be empty). */
  readonly dataClass: string;
}

/** A parsed header. Parsing does not authenticate it: only opening (with the key) does. */
export interface SealedHeader extends SealIdentity {
  readonly formatVersion: number;
  readonly algorithm: 'AES-256-GCM';
  /** Plaintext bytes per chunk. */
  readonly chunkSize: number;
  /** Length of the header in the sealed bytes; the first chunk starts here. */
  readonly headerBytes: number;
}

/** A header with the fields only this module uses. */
export interface HeaderRecord extends SealedHeader {
  /** The header's bytes exactly (a copy, safe to keep). */
  readonly bytes: Buffer;
  /** Bytes the wrap tag authenticates: the header up to the wrap nonce. */
  readonly wrapAad: Buffer;
  readonly keyCheck: Buffer;
  readonly wrapNonce: Buffer;
  readonly wrappedKey: Buffer;
  readonly wrapTag: Buffer;
}

/** Bytes after the four text fields: key check, wrap nonce, wrapped key, wrap tag. */
const KEY_SECTION_BYTES = KEY_CHECK_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const FIELDS_OFFSET = HEADER_PREFIX_BYTES + 4;
const FIELD_NAMES = ['keyId', 'objectId', 'dataset', 'dataClass'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when `firstBytes` starts with the sealed-object magic (needs at least 8 bytes). */
export function isSealed(firstBytes: Uint8Array): boolean {
  if (firstBytes.length < SEALED_MAGIC.length) {
    return false;
  }
  for (let i = 0; i < SEALED_MAGIC.length; i++) {
    if (firstBytes[i] !== SEALED_MAGIC[i]) {
      return false;
    }
  }
  return true;
}

/** Length in bytes of the header an object sealed with `identity` gets. */
export function sealedHeaderSize(identity: SealIdentity): number {
  return FIELDS_OFFSET + encodeFields(identity).reduce((n, f) => n + 2 + f.length, 0) + KEY_SECTION_BYTES;
}

/** Checks a chunk size given by a caller; throws INPUT_INVALID naming the limits. */
export function checkChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw CoreErrors.INPUT_INVALID(
      `chunk size ${chunkSize} must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE} bytes`,
    );
  }
}

function encodeFields(identity: SealIdentity): Buffer[] {
  return FIELD_NAMES.map((name) => {
    const value = identity[name];
    if (typeof value !== 'string') {
      throw CoreErrors.INPUT_INVALID(`sealed header field ${name} must be a string`);
    }
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > MAX_HEADER_FIELD_BYTES) {
      throw CoreErrors.INPUT_INVALID(
        `sealed header field ${name} is ${bytes.length} bytes long; at most ${MAX_HEADER_FIELD_BYTES} are allowed`,
      );
    }
    if (bytes.length === 0 && (name === 'keyId' || name === 'objectId')) {
      throw CoreErrors.INPUT_INVALID(`sealed header field ${name} must not be empty`);
    }
    return bytes;
  });
}

/**
 * Lays out a header with every field but the wrap nonce, wrapped key and wrap tag, which the
 * caller fills in at the returned offset once it has the AAD (everything before that offset).
 */
export function layoutHeader(
  identity: SealIdentity,
  chunkSize: number,
  keyCheck: Uint8Array,
): { bytes: Buffer; wrapOffset: number } {
  checkChunkSize(chunkSize);
  const fields = encodeFields(identity);
  const length = FIELDS_OFFSET + fields.reduce((n, f) => n + 2 + f.length, 0) + KEY_SECTION_BYTES;
  const bytes = Buffer.alloc(length);
  bytes.set(SEALED_MAGIC, 0);
  bytes.writeUInt8(SEALED_FORMAT_VERSION, 8);
  bytes.writeUInt8(SUITE_AES256GCM_V1, 9);
  bytes.writeUInt16BE(0, 10);
  bytes.writeUInt32BE(length, 12);
  bytes.writeUInt32BE(chunkSize, 16);
  let at = FIELDS_OFFSET;
  for (const field of fields) {
    bytes.writeUInt16BE(field.length, at);
    bytes.set(field, at + 2);
    at += 2 + field.length;
  }
  bytes.set(keyCheck, at);
  return { bytes, wrapOffset: at + KEY_CHECK_BYTES };
}

/**
 * Reads the fixed prefix and returns the header length, or `undefined` while fewer than 16 bytes
 * are at hand. Throws CRYPTO_NOT_SEALED for a foreign magic and CRYPTO_UNSUPPORTED_FORMAT for a
 * version, suite or flag this code does not know.
 */
export function sealedHeaderLength(prefix: Uint8Array): number | undefined {
  const seen = Math.min(prefix.length, SEALED_MAGIC.length);
  for (let i = 0; i < seen; i++) {
    if (prefix[i] !== SEALED_MAGIC[i]) {
      throw CryptoErrors.CRYPTO_NOT_SEALED('the bytes do not start with the hdh sealed-object magic');
    }
  }
  if (prefix.length < HEADER_PREFIX_BYTES) {
    return undefined;
  }
  const view = Buffer.from(prefix.buffer, prefix.byteOffset, HEADER_PREFIX_BYTES);
  const version = view.readUInt8(8);
  if (version !== SEALED_FORMAT_VERSION) {
    throw CryptoErrors.CRYPTO_UNSUPPORTED_FORMAT(
      `sealed-object format version ${version} is not supported (this hdh reads version ${SEALED_FORMAT_VERSION})`,
    );
  }
  const suite = view.readUInt8(9);
  if (suite !== SUITE_AES256GCM_V1) {
    throw CryptoErrors.CRYPTO_UNSUPPORTED_FORMAT(`sealed-object algorithm suite ${suite} is not supported`);
  }
  const flags = view.readUInt16BE(10);
  if (flags !== 0) {
    throw CryptoErrors.CRYPTO_UNSUPPORTED_FORMAT(
      `sealed-object header flags 0x${flags.toString(16).padStart(4, '0')} are not supported`,
    );
  }
  const length = view.readUInt32BE(12);
  const minimum = FIELDS_OFFSET + 2 * FIELD_NAMES.length + 2 + KEY_SECTION_BYTES;
  if (length < minimum || length > MAX_HEADER_BYTES) {
    throw CryptoErrors.CRYPTO_TAMPERED(
      `sealed header length ${length} is outside ${minimum}..${MAX_HEADER_BYTES}: the header is corrupt`,
    );
  }
  return length;
}

/**
 * Parses a header from the first bytes of a sealed object, without a key and without
 * authenticating it (opening does that). `bytes` must hold the whole header: reading the first
 * {@link MAX_HEADER_BYTES} bytes of the object (or all of a shorter one) is always enough.
 * @example
 * const header = parseSealedHeader(await readFirstBytes(file, MAX_HEADER_BYTES));
 * console.log(header.dataset, header.dataClass, header.keyId);
 */
export function parseSealedHeader(bytes: Uint8Array): SealedHeader {
  return publicHeader(parseHeaderRecord(bytes));
}

/** The fields of a header record callers may see. */
export function publicHeader(record: HeaderRecord): SealedHeader {
  return {
    formatVersion: record.formatVersion,
    algorithm: record.algorithm,
    chunkSize: record.chunkSize,
    headerBytes: record.headerBytes,
    keyId: record.keyId,
    objectId: record.objectId,
    dataset: record.dataset,
    dataClass: record.dataClass,
  };
}

/** Parses a header with the key material fields; see {@link parseSealedHeader}. */
export function parseHeaderRecord(input: Uint8Array): HeaderRecord {
  const length = sealedHeaderLength(input);
  if (length === undefined || input.length < length) {
    throw CryptoErrors.CRYPTO_TAMPERED(
      `the sealed object ends inside its header (${input.length} bytes of ${length ?? 'at least 16'}): it is truncated`,
    );
  }
  const bytes = Buffer.from(input.subarray(0, length));
  const chunkSize = bytes.readUInt32BE(16);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw CryptoErrors.CRYPTO_TAMPERED(
      `sealed header chunk size ${chunkSize} is out of range: the header is corrupt`,
    );
  }
  const text: string[] = [];
  let at = FIELDS_OFFSET;
  for (const name of FIELD_NAMES) {
    const fieldLength = at + 2 <= length ? bytes.readUInt16BE(at) : Infinity;
    if (at + 2 + fieldLength > length - KEY_SECTION_BYTES || fieldLength > MAX_HEADER_FIELD_BYTES) {
      throw CryptoErrors.CRYPTO_TAMPERED(
        `sealed header field ${name} overruns the header: the header is corrupt`,
      );
    }
    try {
      text.push(utf8.decode(bytes.subarray(at + 2, at + 2 + fieldLength)));
    } catch {
      throw CryptoErrors.CRYPTO_TAMPERED(`sealed header field ${name} is not UTF-8: the header is corrupt`);
    }
    at += 2 + fieldLength;
  }
  if (at + KEY_SECTION_BYTES !== length) {
    throw CryptoErrors.CRYPTO_TAMPERED(
      `sealed header fields end at byte ${at + KEY_SECTION_BYTES}, not at its length ${length}: the header is corrupt`,
    );
  }
  const [keyId, objectId, dataset, dataClass] = text as [string, string, string, string];
  if (keyId === '' || objectId === '') {
    throw CryptoErrors.CRYPTO_TAMPERED(
      'sealed header has an empty key id or object id: the header is corrupt',
    );
  }
  const wrapOffset = at + KEY_CHECK_BYTES;
  return {
    formatVersion: SEALED_FORMAT_VERSION,
    algorithm: 'AES-256-GCM',
    chunkSize,
    headerBytes: length,
    keyId,
    objectId,
    dataset,
    dataClass,
    bytes,
    wrapAad: bytes.subarray(0, wrapOffset),
    keyCheck: bytes.subarray(at, wrapOffset),
    wrapNonce: bytes.subarray(wrapOffset, wrapOffset + NONCE_BYTES),
    wrappedKey: bytes.subarray(wrapOffset + NONCE_BYTES, wrapOffset + NONCE_BYTES + KEY_BYTES),
    wrapTag: bytes.subarray(wrapOffset + NONCE_BYTES + KEY_BYTES, length),
  };
}
