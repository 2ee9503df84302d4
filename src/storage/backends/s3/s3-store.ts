/**
 * The s3 backend, for any S3-compatible service (OVHcloud, Outscale, Scaleway, Ceph radosgw, AWS).
 * Checksums are sent only when required (non-AWS services reject or mangle the SDK's default
 * CRC32 headers) and every body is a buffer of known length (so no 411 MissingContentLength and no
 * aws-chunked framing): one PutObject up to a few MiB, multipart beyond, aborted on any failure.
 * @module
 */
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { BodySource } from '../../../core/index.js';
import type {
  CompletedPart,
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
import { checkMd5, hexToBase64, md5FromEtag } from '../../common/digests.js';
import { checkKey, checkPrefix, describeKey } from '../../common/keys.js';
import { checkMetadata, normaliseMetadata } from '../../common/metadata.js';
import { fitPartSize } from '../../common/part-size.js';
import { putInParts } from '../../common/parts-put.js';
import { checkRange, httpRange, resolveRange } from '../../common/ranges.js';
import { s3Capabilities, S3_MAX_COPY_BYTES, S3_MAX_PART_BYTES, type S3StoreOptions } from './s3-config.js';
import { translateS3Error } from './s3-errors.js';
import { S3Multipart } from './s3-multipart.js';

const MiB = 1024 * 1024;
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export class S3Store implements ObjectStore {
  readonly kind = 's3';
  readonly name: string;
  readonly bucket: string;
  readonly capabilities: StoreCapabilities;
  readonly multipart: S3Multipart;
  /** @internal */
  readonly client: S3Client;
  private readonly singleMaxBytes: number;
  private readonly partBytes: number;
  private readonly concurrency: number;
  private readonly listPageSize: number;

  constructor(options: S3StoreOptions) {
    const { config, tuning = {} } = options;
    this.name = options.name;
    this.bucket = config.bucket;
    this.capabilities = s3Capabilities(config);
    this.singleMaxBytes = tuning.singleMaxBytes ?? 16 * MiB;
    this.partBytes = tuning.partBytes ?? 8 * MiB;
    this.concurrency = tuning.concurrency ?? 4;
    this.listPageSize = tuning.listPageSize ?? 1000;
    this.client = new S3Client({
      region: config.region,
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      forcePathStyle: config.pathStyle,
      credentials: { ...options.credentials },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: tuning.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: tuning.connectionTimeoutMs ?? 10_000,
        requestTimeout: tuning.requestTimeoutMs ?? 120_000,
      },
    });
    this.multipart = new S3Multipart(this);
  }

  async head(key: string, options: OpOptions = {}): Promise<ObjectInfo | undefined> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        this.sendOptions(options.signal),
      );
      return headInfo(key, out);
    } catch (err) {
      const translated = translateS3Error(err, what, options.signal);
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
      if (range !== undefined && range.end !== undefined && range.end === range.start) {
        return await this.emptyRange(key, options);
      }
      let out;
      try {
        const Range = httpRange(range);
        out = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(Range === undefined ? {} : { Range }) }),
          this.sendOptions(options.signal),
        );
      } catch (err) {
        // 416: only the object's size tells an empty read (start = size) from a bad range.
        if (translateS3Error(err, what, options.signal).code === 'STORAGE_RANGE_INVALID') {
          return await this.emptyRange(key, options);
        }
        throw err;
      }
      const body = out.Body as Readable | undefined;
      if (body === undefined) {
        return emptyStream();
      }
      return guardStream(body, {
        translate: (err) => translateS3Error(err, what),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
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
          maxPartBytes: S3_MAX_PART_BYTES,
          multipart: this.multipart,
          putSingle: (data, checked) => this.putObject(key, data, options, checked),
        },
        key,
        body,
        { ...options, ...(md5 === undefined ? {} : { md5 }) },
      );
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
    }
  }

  async delete(key: string, options: OpOptions = {}): Promise<void> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(key);
      // S3 answers 204 for a key that does not exist: delete is idempotent by nature.
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key }),
        this.sendOptions(options.signal),
      );
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const what = `store ${this.name}: listing ${describeKey(prefix)}`;
    try {
      checkPrefix(prefix, this.capabilities.maxKeyBytes, this.name);
      let token: string | undefined;
      do {
        throwIfAborted(options.signal, what);
        const out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(token === undefined
              ? options.startAfter === undefined
                ? {}
                : { StartAfter: options.startAfter }
              : { ContinuationToken: token }),
          }),
          this.sendOptions(options.signal),
        );
        for (const item of out.Contents ?? []) {
          if (item.Key === undefined) {
            continue;
          }
          yield {
            key: item.Key,
            size: item.Size ?? 0,
            lastModified: item.LastModified ?? new Date(0),
            ...(item.ETag === undefined ? {} : { etag: item.ETag }),
            ...optional('md5', md5FromEtag(item.ETag)),
            ...optional('storageClass', item.StorageClass),
            ...(item.StorageClass !== undefined && ARCHIVE_CLASSES.has(item.StorageClass)
              ? { archived: true }
              : {}),
          };
        }
        token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
    }
  }

  async copy(sourceKey: string, targetKey: string, options: OpOptions = {}): Promise<ObjectInfo> {
    const what = `${this.what(targetKey)}: copy from ${describeKey(sourceKey)}`;
    try {
      throwIfAborted(options.signal, what);
      this.checkKey(sourceKey);
      this.checkKey(targetKey);
      const source = await this.head(sourceKey, options);
      if (source === undefined) {
        throw StorageErrors.STORAGE_NOT_FOUND(`${this.what(sourceKey)}: no such object`);
      }
      const copySource = `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`;
      if (source.size > S3_MAX_COPY_BYTES) {
        return await this.copyInParts(copySource, source, targetKey, options);
      }
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: targetKey,
          CopySource: copySource,
          MetadataDirective: 'COPY',
        }),
        this.sendOptions(options.signal),
      );
      const copied = await this.head(targetKey, options);
      if (copied === undefined) {
        throw StorageErrors.STORAGE_UNAVAILABLE(`${what}: the copy is not visible yet`);
      }
      return copied;
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
    }
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  /** Creates the bucket when it does not exist (for `hdh store add` and tests). */
  async ensureBucket(options: OpOptions = {}): Promise<void> {
    const what = `store ${this.name}: bucket ${this.bucket}`;
    try {
      await this.client.send(
        new HeadBucketCommand({ Bucket: this.bucket }),
        this.sendOptions(options.signal),
      );
      return;
    } catch (err) {
      const translated = translateS3Error(err, what, options.signal);
      // HEAD has no body, so a missing bucket shows only as a 404.
      if (translated.code !== 'STORAGE_BUCKET_NOT_FOUND' && translated.code !== 'STORAGE_NOT_FOUND') {
        throw translated;
      }
    }
    try {
      await this.client.send(
        new CreateBucketCommand({ Bucket: this.bucket }),
        this.sendOptions(options.signal),
      );
    } catch (err) {
      throw translateS3Error(err, what, options.signal);
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
  sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
    return signal === undefined ? {} : { abortSignal: signal };
  }

  private async putObject(
    key: string,
    data: Buffer,
    options: PutOptions,
    md5: string | undefined,
  ): Promise<ObjectInfo> {
    const out = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        // The service checks it (RGW and AWS answer BadDigest on a mismatch).
        ...(md5 === undefined ? {} : { ContentMD5: hexToBase64(md5) }),
        ...(options.metadata === undefined ? {} : { Metadata: { ...options.metadata } }),
      }),
      this.sendOptions(options.signal),
    );
    return {
      key,
      size: data.length,
      // PutObject does not say when; the client's clock at completion is the closest we know.
      lastModified: new Date(),
      ...(out.ETag === undefined ? {} : { etag: out.ETag }),
      ...optional('md5', out.ServerSideEncryption === 'aws:kms' ? undefined : md5FromEtag(out.ETag)),
      metadata: { ...options.metadata },
    };
  }

  /** A read of zero bytes still needs the object to exist and the start to be within it. */
  private async emptyRange(key: string, options: GetOptions): Promise<Readable> {
    const info = await this.head(key, options);
    if (info === undefined) {
      throw StorageErrors.STORAGE_NOT_FOUND(`${this.what(key)}: no such object`);
    }
    const { start, end } = resolveRange(options.range, info.size, this.what(key));
    if (end > start) {
      // The object changed between the GET and this HEAD: let the caller try again.
      throw StorageErrors.STORAGE_UNAVAILABLE(`${this.what(key)}: the object changed while being read`);
    }
    return emptyStream();
  }

  /** CopyObject stops at 5 GiB: larger objects are copied range by range with UploadPartCopy. */
  private async copyInParts(
    copySource: string,
    source: ObjectInfo,
    targetKey: string,
    options: OpOptions,
  ): Promise<ObjectInfo> {
    const partSize = fitPartSize(
      source.size,
      { ...this.capabilities, maxPartBytes: S3_MAX_PART_BYTES },
      512 * MiB,
    );
    const { uploadId } = await this.multipart.create(targetKey, {
      ...(source.metadata === undefined ? {} : { metadata: source.metadata }),
    });
    try {
      const parts: CompletedPart[] = [];
      for (let start = 0, n = 1; start < source.size; start += partSize, n++) {
        const end = Math.min(start + partSize, source.size);
        const out = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: targetKey,
            UploadId: uploadId,
            PartNumber: n,
            CopySource: copySource,
            CopySourceRange: `bytes=${start}-${end - 1}`,
          }),
          this.sendOptions(options.signal),
        );
        parts.push({ partNumber: n, etag: out.CopyPartResult?.ETag ?? '', size: end - start });
      }
      return await this.multipart.complete(targetKey, uploadId, parts, options);
    } catch (err) {
      await this.multipart.abort(targetKey, uploadId).catch(() => undefined);
      throw err;
    }
  }
}

function headInfo(key: string, out: HeadObjectCommandOutput): ObjectInfo {
  const storageClass = out.StorageClass;
  // A restored archive object says `ongoing-request="false"` in its Restore header.
  const archived =
    storageClass !== undefined &&
    ARCHIVE_CLASSES.has(storageClass) &&
    !/ongoing-request="false"/.test(out.Restore ?? '');
  const encrypted = out.ServerSideEncryption === 'aws:kms' || out.SSECustomerAlgorithm !== undefined;
  return {
    key,
    size: out.ContentLength ?? 0,
    lastModified: out.LastModified ?? new Date(0),
    ...(out.ETag === undefined ? {} : { etag: out.ETag }),
    // Encrypted objects' ETags are not their MD5.
    ...optional('md5', encrypted ? undefined : md5FromEtag(out.ETag)),
    metadata: s3Metadata(out.Metadata),
    ...optional('storageClass', storageClass),
    ...(archived ? { archived: true } : {}),
  };
}

/**
 * Metadata names as written: Ceph RGW turns `_` into `-` in x-amz-meta names, and hdh's names never
 * hold `-` (Azure forbids it), so `-` is read back as `_`.
 */
function s3Metadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(normaliseMetadata(metadata))) {
    out[name.replace(/-/g, '_')] = value;
  }
  return out;
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}
