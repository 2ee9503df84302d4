/**
 * The azure-blob backend (block blobs), above all the source of migrations away from Azure.
 * Content-MD5 is reported where the service has one (single-shot uploads, and blobs whose writer set
 * it) and never invented: blobs uploaded in blocks usually have none. Archive-tier blobs are listed
 * with `archived: true` and refuse reads with STORAGE_ARCHIVED until rehydrated.
 * @module
 */
import type { Readable } from 'node:stream';
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type BlobGetPropertiesResponse,
  type BlobItem,
  type ContainerClient,
} from '@azure/storage-blob';
import type { BodySource } from '../../../core/index.js';
import type {
  GetOptions,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  OpOptions,
  PutOptions,
  StoreCapabilities,
} from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { throwIfAborted } from '../../common/abort.js';
import { emptyStream, guardStream } from '../../common/bodies.js';
import { checkMd5, hexToBase64, md5FromBytes } from '../../common/digests.js';
import { checkKey, checkPrefix, compareKeys, describeKey } from '../../common/keys.js';
import { checkMetadata, normaliseMetadata } from '../../common/metadata.js';
import { putInParts } from '../../common/parts-put.js';
import { checkRange, resolveRange } from '../../common/ranges.js';
import {
  AZURE_BLOB_CAPABILITIES,
  AZURE_MAX_BLOCK_BYTES,
  isEmulatorEndpoint,
  type AzureBlobStoreOptions,
} from './azure-blob-config.js';
import { translateAzureError } from './azure-blob-errors.js';
import { AzureBlobMultipart } from './azure-blob-multipart.js';

const MiB = 1024 * 1024;

export class AzureBlobStore implements ObjectStore {
  readonly kind = 'azure-blob';
  readonly name: string;
  readonly capabilities: StoreCapabilities = AZURE_BLOB_CAPABILITIES;
  readonly multipart: AzureBlobMultipart;
  /** @internal */
  readonly container: ContainerClient;
  private readonly secrets: readonly string[];
  private readonly singleMaxBytes: number;
  private readonly partBytes: number;
  private readonly concurrency: number;
  private readonly listPageSize: number;
  private readonly compareListed: (a: string, b: string) => number;

  constructor(options: AzureBlobStoreOptions) {
    const { config, credential, tuning = {} } = options;
    this.name = options.name;
    this.singleMaxBytes = tuning.singleMaxBytes ?? 16 * MiB;
    this.partBytes = tuning.partBytes ?? 8 * MiB;
    this.concurrency = tuning.concurrency ?? 4;
    this.listPageSize = tuning.listPageSize ?? 5000;
    const order = tuning.keyOrder ?? (isEmulatorEndpoint(config.endpoint) ? 'utf16' : 'utf8');
    this.compareListed = order === 'utf8' ? compareKeys : compareUtf16;
    const pipeline = { retryOptions: { maxTries: tuning.maxTries ?? 3 } };
    const endpoint = config.endpoint.replace(/\/+$/, '');
    let service: BlobServiceClient;
    if (credential.kind === 'shared-key') {
      this.secrets = [credential.accountKey];
      service = new BlobServiceClient(
        endpoint,
        new StorageSharedKeyCredential(credential.accountName, credential.accountKey),
        pipeline,
      );
    } else {
      const sas = credential.sasToken.replace(/^\?/, '');
      this.secrets = [sas];
      service = new BlobServiceClient(`${endpoint}?${sas}`, new AnonymousCredential(), pipeline);
    }
    this.container = service.getContainerClient(config.container);
    this.multipart = new AzureBlobMultipart(this);
  }

  async head(key: string, options: OpOptions = {}): Promise<ObjectInfo | undefined> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      const props = await this.container.getBlockBlobClient(key).getProperties(abortOption(options.signal));
      return propertiesInfo(key, props);
    } catch (err) {
      const translated = this.translate(err, what, options.signal);
      if (translated.code === 'STORAGE_NOT_FOUND') {
        return undefined;
      }
      throw translated;
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      checkRange(options.range, what);
      const range = options.range;
      // Azure has no suffix ranges, and a zero-length range is no range at all: both need the size.
      if (range !== undefined && (range.start < 0 || range.end === range.start)) {
        return await this.readResolved(key, options);
      }
      const count = range?.end === undefined ? undefined : range.end - range.start;
      let response;
      try {
        response = await this.container.getBlockBlobClient(key).download(range?.start ?? 0, count, {
          // Resumes a broken download from where it stopped instead of failing the read.
          maxRetryRequests: 3,
          ...abortOption(options.signal),
        });
      } catch (err) {
        // 416: only the size tells an empty read (start = size) from a bad range.
        if (this.translate(err, what, options.signal).code === 'STORAGE_RANGE_INVALID') {
          return await this.readResolved(key, options);
        }
        throw err;
      }
      const body = response.readableStreamBody as Readable | undefined;
      if (body === undefined) {
        return emptyStream();
      }
      return guardStream(body, {
        translate: (err) => this.translate(err, what),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (err) {
      throw this.translate(err, what, options.signal);
    }
  }

  async put(key: string, body: BodySource, options: PutOptions = {}): Promise<ObjectInfo> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      checkMetadata(options.metadata, this.name, key);
      const md5 = checkMd5(options.md5, this.name, key);
      return await putInParts(
        {
          storeName: this.name,
          capabilities: this.capabilities,
          singleMaxBytes: this.singleMaxBytes,
          partBytes: this.partBytes,
          concurrency: this.concurrency,
          maxPartBytes: AZURE_MAX_BLOCK_BYTES,
          multipart: this.multipart,
          putSingle: (data, checked) => this.putBlob(key, data, options, checked),
        },
        key,
        body,
        { ...options, ...(md5 === undefined ? {} : { md5 }) },
      );
    } catch (err) {
      throw this.translate(err, what, options.signal);
    }
  }

  async delete(key: string, options: OpOptions = {}): Promise<void> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      await this.container
        .getBlockBlobClient(key)
        .deleteIfExists({ deleteSnapshots: 'include', ...abortOption(options.signal) });
    } catch (err) {
      throw this.translate(err, what, options.signal);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const what = `store ${this.name}: listing ${describeKey(prefix)}`;
    const { startAfter } = options;
    try {
      checkPrefix(prefix, this.capabilities.maxKeyBytes, this.name);
      const pages = this.container
        .listBlobsFlat({
          prefix,
          // Inclusive, and only honoured by recent service versions: items are filtered below as well.
          ...(startAfter !== undefined && this.compareListed(startAfter, prefix) > 0
            ? { startFrom: startAfter }
            : {}),
          ...abortOption(options.signal),
        })
        .byPage({ maxPageSize: this.listPageSize });
      for await (const page of pages) {
        throwIfAborted(options.signal, what);
        for (const item of page.segment.blobItems) {
          if (startAfter !== undefined && this.compareListed(item.name, startAfter) <= 0) {
            continue;
          }
          yield itemInfo(item);
        }
      }
    } catch (err) {
      throw this.translate(err, what, options.signal);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Creates the container when it does not exist (for `hdh store add` and tests). */
  async ensureContainer(options: OpOptions = {}): Promise<void> {
    try {
      await this.container.createIfNotExists(abortOption(options.signal));
    } catch (err) {
      throw this.translate(
        err,
        `store ${this.name}: container ${this.container.containerName}`,
        options.signal,
      );
    }
  }

  /** @internal */
  checkKey(key: string): void {
    checkKey(key, this.capabilities.maxKeyBytes, this.name);
  }

  /** @internal */
  what(key: string): string {
    return `store ${this.name}, key ${describeKey(key)}`;
  }

  /** @internal */
  translate(err: unknown, what: string, signal?: AbortSignal) {
    return translateAzureError(err, what, signal, this.secrets);
  }

  private async putBlob(
    key: string,
    data: Buffer,
    options: PutOptions,
    md5: string | undefined,
  ): Promise<ObjectInfo> {
    const out = await this.container.getBlockBlobClient(key).upload(data, data.length, {
      ...(options.metadata === undefined ? {} : { metadata: { ...options.metadata } }),
      // On Put Blob the service checks this header against the bytes (400 on a mismatch).
      ...(md5 === undefined
        ? {}
        : { blobHTTPHeaders: { blobContentMD5: Buffer.from(hexToBase64(md5), 'base64') } }),
      ...abortOption(options.signal),
    });
    const stored = md5FromBytes(out.contentMD5) ?? md5;
    return {
      key,
      size: data.length,
      lastModified: out.lastModified ?? new Date(),
      ...(out.etag === undefined ? {} : { etag: out.etag }),
      ...(stored === undefined ? {} : { md5: stored }),
      metadata: { ...options.metadata },
    };
  }

  /** Reads a range that needs the object's size first (suffix, empty, or past the end). */
  private async readResolved(key: string, options: GetOptions): Promise<Readable> {
    const info = await this.head(key, options);
    if (info === undefined) {
      throw StorageErrors.STORAGE_NOT_FOUND(`${this.what(key)}: no such object`);
    }
    const { start, end } = resolveRange(options.range, info.size, this.what(key));
    if (end <= start) {
      return emptyStream();
    }
    return this.get(key, { ...options, range: { start, end } });
  }
}

function propertiesInfo(key: string, props: BlobGetPropertiesResponse): ObjectInfo {
  const md5 = md5FromBytes(props.contentMD5);
  return {
    key,
    size: props.contentLength ?? 0,
    lastModified: props.lastModified ?? new Date(0),
    ...(props.etag === undefined ? {} : { etag: props.etag }),
    ...(md5 === undefined ? {} : { md5 }),
    metadata: normaliseMetadata(props.metadata),
    ...(props.accessTier === undefined ? {} : { storageClass: props.accessTier }),
    // Still archived while a rehydration is pending (archiveStatus rehydrate-pending-to-…).
    ...(props.accessTier === 'Archive' ? { archived: true } : {}),
  };
}

function itemInfo(item: BlobItem): ObjectInfo {
  const p = item.properties;
  const md5 = md5FromBytes(p.contentMD5);
  return {
    key: item.name,
    size: p.contentLength ?? 0,
    lastModified: p.lastModified,
    etag: p.etag,
    ...(md5 === undefined ? {} : { md5 }),
    ...(p.accessTier === undefined ? {} : { storageClass: p.accessTier }),
    ...(p.accessTier === 'Archive' ? { archived: true } : {}),
  };
}

/** JavaScript's own string order (UTF-16 code units), the order Azurite lists in. */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}
