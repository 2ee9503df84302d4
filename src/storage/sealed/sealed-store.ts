/**
 * The sealed-store wrapper: sealing added to any ObjectStore. Every byte it writes to the backend is
 * an hdh sealed object (docs/formats/sealed-object.md) under a per-object data key wrapped by the
 * dataset's key; every byte it reads back is authenticated before it is returned. The backend — a
 * cloud provider — only ever sees ciphertext.
 *
 * Object identity: each sealed object carries a logical object id (by default its key at the time
 * it was written). Reads pass the id they expect, so an object renamed or swapped with another is
 * refused (CRYPTO_OBJECT_MISMATCH), yet a sealed object can be copied between stores unchanged.
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { CoreErrors, FileBody, toReadable, type BodySource } from '../../core/index.js';
import {
  canSealFiles,
  createOpenStream,
  createSealStream,
  MAX_HEADER_BYTES,
  openRange,
  plainSizeFromSealed,
  readSealedHeader,
  sealFileInto,
  sealedSizeFor,
  type SealedHeader,
  type SealParams,
  type SealResult,
} from '../../crypto/index.js';
import { bodyError } from '../common/bodies.js';
import { describeKey } from '../common/keys.js';
import {
  writesFiles,
  type ByteRange,
  type FileWritingStore,
  type ObjectInfo,
  type ObjectStore,
  type OpOptions,
} from '../object-store.js';

/** Where the dataset keys come from (the hub's DatasetKeys over its key provider). */
export interface SealingKeys {
  current(
    dataset: string,
    options?: OpOptions,
  ): Promise<{ readonly keyId: string; readonly key: Uint8Array }>;
  resolve(keyId: string, options?: OpOptions): Promise<Uint8Array>;
}

export interface SealedPutOptions extends OpOptions {
  readonly dataset: string;
  readonly dataClass: string;
  /** Logical id bound into the object; defaults to the key. */
  readonly objectId?: string;
  /** Plaintext size when known: lets the backend choose single-shot or multipart up front. */
  readonly size?: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface SealedGetOptions extends OpOptions {
  readonly range?: ByteRange;
  /** The logical id the caller expects (from its records); refused when the object carries another. */
  readonly expectedObjectId?: string;
}

export interface SealedPutResult {
  /** What the backend stored (sealed bytes). */
  readonly stored: ObjectInfo;
  readonly seal: SealResult;
}

export interface SealedObjectInfo {
  readonly key: string;
  readonly header: SealedHeader;
  /** Plaintext size, derived from the sealed size and the chunk layout. */
  readonly size: number;
  readonly sealedSize: number;
  readonly lastModified: Date;
}

export interface VerifiedObject {
  readonly key: string;
  readonly header: SealedHeader;
  readonly plainSize: number;
  readonly plainSha256: string;
  readonly sealedSize: number;
  readonly sealedSha256: string | undefined;
}

export class SealedStore {
  readonly inner: ObjectStore;
  readonly #keys: SealingKeys;
  readonly #chunkSize: number | undefined;
  readonly #hashSealed: boolean;

  /**
   * `hashSealed` (default true): also compute the SHA-256 of the sealed bytes while writing, which
   * migration and verification compare later; it costs a second hash pass over the data.
   */
  constructor(
    inner: ObjectStore,
    keys: SealingKeys,
    options: { chunkSize?: number; hashSealed?: boolean } = {},
  ) {
    this.inner = inner;
    this.#keys = keys;
    this.#chunkSize = options.chunkSize;
    this.#hashSealed = options.hashSealed ?? true;
  }

  get name(): string {
    return this.inner.name;
  }

  /** Seals `body` on the way to the backend; hashes plaintext and sealed bytes in the same pass. */
  async put(key: string, body: BodySource, options: SealedPutOptions): Promise<SealedPutResult> {
    const { keyId, key: datasetKey } = await this.#keys.current(options.dataset, options);
    const identity = {
      keyId,
      objectId: options.objectId ?? key,
      dataset: options.dataset,
      dataClass: options.dataClass,
    };
    const params: SealParams = {
      ...identity,
      datasetKey,
      hashSealed: this.#hashSealed,
      ...(this.#chunkSize !== undefined ? { chunkSize: this.#chunkSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    if (body instanceof FileBody && writesFiles(this.inner) && canSealFiles()) {
      return this.#putFile(key, body.path, this.inner, params, options);
    }
    const seal = createSealStream(params);
    const source = toReadable(body);
    // The backend reads the sealed stream; a failing source fails the put, which then leaves nothing.
    pipeline(source, seal.stream, () => undefined);
    const sealedSize =
      options.size !== undefined
        ? sealedSizeFor(options.size, {
            ...identity,
            ...(this.#chunkSize !== undefined ? { chunkSize: this.#chunkSize } : {}),
          })
        : undefined;
    // The backend's error comes first: when it gives up (a body longer than announced, a full
    // disk), the seal stream only knows it was closed early.
    seal.result.catch(() => undefined);
    const stored = await this.inner.put(key, seal.stream, {
      ...(sealedSize !== undefined ? { size: sealedSize } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const result = await seal.result;
    if (options.size !== undefined && result.plainSize !== options.size) {
      await this.inner.delete(key).catch(() => undefined);
      throw CoreErrors.INPUT_INVALID(
        `body of ${key} had ${result.plainSize} bytes, not the ${options.size} announced`,
      );
    }
    return { stored, seal: result };
  }

  /**
   * A file into a store of files: sealed file to file by the native pipe (crypto/seal-file.ts)
   * inside the store's own atomic write, so nothing is left behind when anything fails.
   */
  async #putFile(
    key: string,
    path: string,
    store: FileWritingStore,
    params: SealParams,
    options: SealedPutOptions,
  ): Promise<SealedPutResult> {
    const what = `store ${store.name}, key ${describeKey(key)}`;
    let source: FileHandle;
    try {
      source = await open(path, 'r');
    } catch (err) {
      throw bodyError(err, what);
    }
    try {
      // A regular file's size is known: a file too large for the store is refused before any write
      // (and one that changes size meanwhile, after it, as the written size no longer matches).
      const stat = await source.stat();
      const sealedSize = stat.isFile() ? sealedSizeFor(stat.size, params) : undefined;
      let seal: SealResult | undefined;
      const stored = await store.putWritten(
        key,
        async (file) => {
          seal = await sealFileInto(params, source, file).catch((err: unknown) => {
            throw (err as { syscall?: unknown }).syscall === 'read' ? bodyError(err, what) : err;
          });
          if (options.size !== undefined && seal.plainSize !== options.size) {
            throw CoreErrors.INPUT_INVALID(
              `body of ${key} had ${seal.plainSize} bytes, not the ${options.size} announced`,
            );
          }
        },
        {
          ...(sealedSize !== undefined ? { size: sealedSize } : {}),
          ...(options.metadata ? { metadata: options.metadata } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      return { stored, seal: seal! };
    } finally {
      await source.close();
    }
  }

  /**
   * Plaintext of the object, authenticated chunk by chunk; with `range`, only the chunks the range
   * touches are read and decrypted. The stream errors (never ends cleanly) on any failed check.
   */
  async get(key: string, options: SealedGetOptions = {}): Promise<Readable> {
    const resolveKey = (keyId: string): Promise<Uint8Array> => this.#keys.resolve(keyId, options);
    if (options.range !== undefined) {
      const info = await this.inner.head(key, options);
      if (info === undefined) {
        // Let the backend raise its own STORAGE_NOT_FOUND.
        await this.inner.get(key, options);
        throw CoreErrors.INTERNAL_ERROR(`object ${key} vanished while it was read`);
      }
      const ranged = await openRange({
        readSealed: (start, end, o) =>
          this.inner.get(key, { range: { start, end }, ...(o.signal ? { signal: o.signal } : {}) }),
        sealedSize: info.size,
        range: options.range,
        resolveKey,
        ...(options.expectedObjectId !== undefined ? { expectedObjectId: options.expectedObjectId } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return ranged.stream;
    }
    const sealed = await this.inner.get(key, options);
    const open = createOpenStream({
      resolveKey,
      ...(options.expectedObjectId !== undefined ? { expectedObjectId: options.expectedObjectId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const out = new PassThrough();
    pipeline(sealed, open.stream, out, () => undefined);
    // A failed check must surface as the stream's error even if nobody awaited `result`.
    open.result.catch(() => undefined);
    return out;
  }

  /** The sealed header and plaintext size, from the first bytes of the object (one ranged read). */
  async head(key: string, options: OpOptions = {}): Promise<SealedObjectInfo | undefined> {
    const info = await this.inner.head(key, options);
    if (info === undefined) {
      return undefined;
    }
    const header = await this.header(key, info.size, options);
    const size = plainSizeFromSealed(info.size, header.headerBytes, header.chunkSize);
    if (size === undefined) {
      throw CoreErrors.INTERNAL_ERROR(
        `object ${key}: its sealed size ${info.size} fits no chunk layout (truncated?)`,
      );
    }
    return { key, header, size, sealedSize: info.size, lastModified: info.lastModified };
  }

  async header(key: string, sealedSize: number, options: OpOptions = {}): Promise<SealedHeader> {
    const end = Math.min(sealedSize, MAX_HEADER_BYTES);
    const stream = await this.inner.get(key, {
      range: { start: 0, end },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return readSealedHeader(stream);
  }

  /** Reads the whole object through every check, discarding the plaintext. Throws on the first failure. */
  async verify(key: string, options: SealedGetOptions = {}): Promise<VerifiedObject> {
    const sealed = await this.inner.get(key, options);
    const open = createOpenStream({
      resolveKey: (keyId) => this.#keys.resolve(keyId, options),
      hashSealed: true,
      ...(options.expectedObjectId !== undefined ? { expectedObjectId: options.expectedObjectId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    pipeline(sealed, open.stream, () => undefined);
    open.stream.resume();
    const [header, result] = await Promise.all([open.header, open.result]);
    return { key, header, ...result };
  }

  delete(key: string, options?: OpOptions): Promise<void> {
    return this.inner.delete(key, options);
  }

  /** The backend's listing: sizes are sealed sizes. */
  list(prefix: string, options?: OpOptions & { startAfter?: string }): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, options);
  }
}
