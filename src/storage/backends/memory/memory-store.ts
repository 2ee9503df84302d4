/**
 * The memory backend: the reference implementation of the ObjectStore contract (every rule of the
 * conformance suite, nothing more) and the default fake for tests of the concepts built on storage.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { toHdhError, type BodySource } from '../../../core/index.js';
import type {
  CompletedPart,
  GetOptions,
  ListOptions,
  MultipartStore,
  ObjectInfo,
  ObjectStore,
  OpOptions,
  PutOptions,
  StoreCapabilities,
} from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { throwIfAborted } from '../../common/abort.js';
import { chunkBody, md5Hash } from '../../common/bodies.js';
import { checkMd5, integrityError } from '../../common/digests.js';
import { checkKey, checkPrefix, compareKeys, describeKey } from '../../common/keys.js';
import { checkMetadata } from '../../common/metadata.js';
import { checkCompletion, checkPartNumber } from '../../common/multipart-checks.js';
import { checkRange, resolveRange } from '../../common/ranges.js';
import { MEMORY_CAPABILITIES, type MemoryStoreOptions } from './memory-config.js';
import { MemorySpace, type MemoryObject, type MemoryUpload } from './memory-space.js';

const READ_CHUNK = 64 * 1024;

export class MemoryStore implements ObjectStore {
  readonly kind = 'memory';
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly multipart: MultipartStore;
  readonly space: MemorySpace;

  constructor(options: MemoryStoreOptions = {}) {
    this.name = options.name ?? 'memory';
    this.space = options.space ?? new MemorySpace();
    this.capabilities = { ...MEMORY_CAPABILITIES, ...options.capabilities };
    this.multipart = new MemoryMultipart(this);
  }

  head(key: string, options: OpOptions = {}): Promise<ObjectInfo | undefined> {
    return settle(options.signal, () => {
      this.checkKey(key);
      const object = this.space.get(key);
      return object === undefined ? undefined : info(key, object, true);
    });
  }

  get(key: string, options: GetOptions = {}): Promise<Readable> {
    return settle(options.signal, () => {
      this.checkKey(key);
      checkRange(options.range, this.what(key));
      const object = this.space.get(key);
      if (object === undefined) {
        throw this.notFound(key);
      }
      const { start, end } = resolveRange(options.range, object.data.length, this.what(key));
      const slice = object.data.subarray(start, end);
      const signal = options.signal;
      return Readable.from(
        (function* chunks() {
          for (let at = 0; at < slice.length; at += READ_CHUNK) {
            throwIfAborted(signal, 'read');
            yield slice.subarray(at, at + READ_CHUNK);
          }
        })(),
        { objectMode: false },
      );
    });
  }

  async put(key: string, body: BodySource, options: PutOptions = {}): Promise<ObjectInfo> {
    try {
      this.checkKey(key);
      checkMetadata(options.metadata, this.name, key);
      const md5 = checkMd5(options.md5, this.name, key);
      const data = await this.readBody(key, body, options);
      const actual = createHash('md5').update(data).digest('hex');
      if (md5 !== undefined && md5 !== actual) {
        throw integrityError(this.name, key, md5, actual);
      }
      throwIfAborted(options.signal, this.what(key));
      const object = {
        data,
        lastModified: new Date(),
        etag: actual,
        md5: actual,
        metadata: { ...options.metadata },
      };
      this.space.set(key, object);
      return info(key, object, true);
    } catch (err) {
      throw toHdhError(err);
    }
  }

  delete(key: string, options: OpOptions = {}): Promise<void> {
    return settle(options.signal, () => {
      this.checkKey(key);
      this.space.delete(key);
    });
  }

  // Nothing to wait for in memory; the method is async to honour the streamed-listing contract.
  // eslint-disable-next-line @typescript-eslint/require-await
  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    checkPrefix(prefix, this.capabilities.maxKeyBytes, this.name);
    const { startAfter, signal } = options;
    let key =
      startAfter !== undefined && compareKeys(startAfter, prefix) >= 0
        ? this.space.nextKey(startAfter)
        : this.space.nextKey(prefix, true);
    while (key?.startsWith(prefix)) {
      throwIfAborted(signal, `listing of store ${this.name}`);
      const object = this.space.get(key);
      if (object !== undefined) {
        yield info(key, object, false);
      }
      key = this.space.nextKey(key);
    }
  }

  copy(sourceKey: string, targetKey: string, options: OpOptions = {}): Promise<ObjectInfo> {
    return settle(options.signal, () => {
      this.checkKey(sourceKey);
      this.checkKey(targetKey);
      const source = this.space.get(sourceKey);
      if (source === undefined) {
        throw this.notFound(sourceKey);
      }
      const object = { ...source, lastModified: new Date() };
      this.space.set(targetKey, object);
      return info(targetKey, object, true);
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** @internal shared with the multipart half. */
  checkKey(key: string): void {
    checkKey(key, this.capabilities.maxKeyBytes, this.name);
  }

  /** @internal */
  what(key: string): string {
    return `store ${this.name}, key ${describeKey(key)}`;
  }

  private notFound(key: string) {
    return StorageErrors.STORAGE_NOT_FOUND(`${this.what(key)}: no such object`);
  }

  private async readBody(key: string, body: BodySource, options: PutOptions): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const part of chunkBody(body, {
      partSize: () => 1024 * 1024,
      maxBytes: this.capabilities.maxObjectBytes,
      what: this.what(key),
      ...(options.size === undefined ? {} : { expectedSize: options.size }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })) {
      chunks.push(part.data);
    }
    return Buffer.concat(chunks);
  }
}

class MemoryMultipart implements MultipartStore {
  constructor(private readonly store: MemoryStore) {}

  create(key: string, options: PutOptions = {}): Promise<{ readonly uploadId: string }> {
    return settle(options.signal, () => {
      this.store.checkKey(key);
      checkMetadata(options.metadata, this.store.name, key);
      const uploadId = randomBytes(16).toString('hex');
      this.store.space.uploads.set(uploadId, { key, metadata: { ...options.metadata }, parts: new Map() });
      return { uploadId };
    });
  }

  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options: OpOptions = {},
  ): Promise<CompletedPart> {
    return settle(options.signal, () => {
      const upload = this.upload(key, uploadId);
      checkPartNumber(partNumber, this.store.capabilities.maxParts, this.store.what(key));
      const data = Buffer.from(body);
      const etag = md5Hash().update(data).digest('hex');
      upload.parts.set(partNumber, { data, etag });
      return { partNumber, etag, size: data.length };
    });
  }

  listParts(key: string, uploadId: string, options: OpOptions = {}): Promise<CompletedPart[]> {
    return settle(options.signal, () =>
      [...this.upload(key, uploadId).parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([partNumber, part]) => ({ partNumber, etag: part.etag, size: part.data.length })),
    );
  }

  complete(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: OpOptions = {},
  ): Promise<ObjectInfo> {
    return settle(options.signal, () => {
      const upload = this.upload(key, uploadId);
      const held = new Map(
        [...upload.parts.entries()].map(([n, part]) => [n, { etag: part.etag, size: part.data.length }]),
      );
      checkCompletion(parts, held, this.store.capabilities.minPartBytes, this.store.what(key));
      const data = Buffer.concat(parts.map((p) => upload.parts.get(p.partNumber)!.data));
      if (data.length > this.store.capabilities.maxObjectBytes) {
        throw StorageErrors.STORAGE_TOO_LARGE(
          `${this.store.what(key)}: ${data.length} bytes is over the limit`,
        );
      }
      const md5 = createHash('md5').update(data).digest('hex');
      const object = { data, lastModified: new Date(), etag: md5, md5, metadata: upload.metadata };
      this.store.space.set(key, object);
      this.store.space.uploads.delete(uploadId);
      return info(key, object, true);
    });
  }

  abort(key: string, uploadId: string, options: OpOptions = {}): Promise<void> {
    return settle(options.signal, () => {
      const upload = this.store.space.uploads.get(uploadId);
      if (upload?.key === key) {
        this.store.space.uploads.delete(uploadId);
      }
    });
  }

  private upload(key: string, uploadId: string): MemoryUpload {
    this.store.checkKey(key);
    const upload = this.store.space.uploads.get(uploadId);
    if (upload?.key !== key) {
      throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(
        `${this.store.what(key)}: no multipart upload ${uploadId} in progress`,
      );
    }
    return upload;
  }
}

function info(key: string, object: MemoryObject, withMetadata: boolean): ObjectInfo {
  return {
    key,
    size: object.data.length,
    lastModified: object.lastModified,
    etag: object.etag,
    md5: object.md5,
    ...(withMetadata ? { metadata: { ...object.metadata } } : {}),
  };
}

/** Runs `fn` as an async operation: aborted signals refuse it, and every error is an HdhError. */
async function settle<T>(signal: AbortSignal | undefined, fn: () => T): Promise<T> {
  await Promise.resolve();
  try {
    throwIfAborted(signal, 'store operation');
    return fn();
  } catch (err) {
    throw toHdhError(err);
  }
}
