/**
 * The ObjectStore contract: the one interface hdh has over local disk, S3-compatible clouds and Azure
 * Blob. Backends implement it plainly (no encryption); the sealed-store wrapper adds sealing on top,
 * and the hub adds the sovereignty guard on top of that.
 *
 * Error vocabulary (part of the contract; the conformance suite checks it):
 * - `get` of a missing key → STORAGE_NOT_FOUND; `head` of a missing key → `undefined`.
 * - `delete` of a missing key succeeds (idempotent).
 * - a failed `put` leaves no partial object and never replaces an existing good one.
 * - transient vendor failures → an HdhError with `retryable: true` (STORAGE_UNAVAILABLE,
 *   STORAGE_THROTTLED); the backend translates vendor errors once, at its edge.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BodySource } from '../core/index.js';

export interface StoreCapabilities {
  /** Uploads in parts whose state can be persisted and resumed (see {@link MultipartStore}). */
  readonly multipart: boolean;
  /** `get` honours `range`. */
  readonly rangedReads: boolean;
  /** `copy` is implemented inside the service. */
  readonly serverSideCopy: boolean;
  /** Hashes the service keeps and returns (e.g. `md5` for single-part S3 ETags, Azure Content-MD5). */
  readonly hashes: readonly 'md5'[];
  /** Longest key accepted, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest object accepted, in bytes. */
  readonly maxObjectBytes: number;
  /** Most parts one multipart upload may have (0 when multipart is false). */
  readonly maxParts: number;
  /** Smallest part size (all but the last), in bytes. */
  readonly minPartBytes: number;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** Opaque version marker that changes when the content changes (ETag, mtime+size…). */
  readonly etag?: string;
  /** Hex MD5 of the whole content, only when the service really has it (never derived from a multipart ETag). */
  readonly md5?: string;
  /** User metadata stored with the object (keys lower-case). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Azure access tier, S3 storage class… as the service names it. */
  readonly storageClass?: string;
  /** True when the object must be restored/rehydrated before it can be read (archive tiers). */
  readonly archived?: boolean;
}

export interface OpOptions {
  readonly signal?: AbortSignal;
}

export interface HeadOptions extends OpOptions {
  /**
   * `false` when the caller needs only `size`, `lastModified` and `etag` (e.g. to check that an
   * object is still the version it read): a backend that keeps metadata apart from the object (the
   * fs store's sidecars) then skips reading it, and `metadata` and `md5` may be absent. Default true.
   */
  readonly metadata?: boolean;
}

/**
 * Inclusive-exclusive byte range: `{ start: 0, end: 100 }` is the first 100 bytes. `end` defaults to
 * the end and is clamped to it; `start` equal to the size reads nothing, past it is
 * STORAGE_RANGE_INVALID. A negative `start` without `end` is a suffix: `{ start: -100 }` is the last
 * 100 bytes (the whole object when it is shorter).
 */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

export interface GetOptions extends OpOptions {
  readonly range?: ByteRange;
}

export interface PutOptions extends OpOptions {
  /** Size in bytes when known; backends use it to choose single-shot or multipart. */
  readonly size?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Hex MD5 of the content, when the caller knows it: backends that can have the service check it do. */
  readonly md5?: string;
}

export interface ListOptions extends OpOptions {
  /** Start listing after this key (exclusive), for resumable listings. */
  readonly startAfter?: string;
}

export interface ObjectStore {
  readonly kind: string;
  /** The name this store has in hdh.yaml (or a description for ad-hoc stores). */
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  head(key: string, options?: HeadOptions): Promise<ObjectInfo | undefined>;
  get(key: string, options?: GetOptions): Promise<Readable>;
  put(key: string, body: BodySource, options?: PutOptions): Promise<ObjectInfo>;
  delete(key: string, options?: OpOptions): Promise<void>;
  /** Streams every object whose key starts with `prefix`, in lexicographic (UTF-8 byte) order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Present iff `capabilities.serverSideCopy`. */
  copy?(sourceKey: string, targetKey: string, options?: OpOptions): Promise<ObjectInfo>;
  /** Present iff `capabilities.multipart`. */
  readonly multipart?: MultipartStore;
  close(): Promise<void>;
}

/**
 * A store whose objects are local files (the fs backend): a producer may write an object's bytes
 * straight into the file that will hold it, with the store's own atomic write around it (temporary
 * file, fsync, rename). The sealed store seals a {@link FileBody} that way, file to file.
 */
export interface FileWritingStore extends ObjectStore {
  /**
   * `write` fills the open file from its start; the object then appears whole or not at all. With
   * `size`, a file of any other size is refused and removed.
   */
  putWritten(
    key: string,
    write: (file: FileHandle) => Promise<void>,
    options?: PutOptions,
  ): Promise<ObjectInfo>;
}

export function writesFiles(store: ObjectStore): store is FileWritingStore {
  return typeof (store as Partial<FileWritingStore>).putWritten === 'function';
}

/**
 * Multipart uploads whose state the caller can persist (in the migration journal) and resume in
 * another process: nothing here keeps state in memory between calls.
 */
export interface MultipartStore {
  create(key: string, options?: PutOptions): Promise<{ readonly uploadId: string }>;
  /** Uploads part `partNumber` (1-based). `body` is the whole part. */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options?: OpOptions,
  ): Promise<CompletedPart>;
  /** Parts the service holds for this upload (to resume after a crash). */
  listParts(key: string, uploadId: string, options?: OpOptions): Promise<CompletedPart[]>;
  complete(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options?: OpOptions,
  ): Promise<ObjectInfo>;
  abort(key: string, uploadId: string, options?: OpOptions): Promise<void>;
}

export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}
