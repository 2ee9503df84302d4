/**
 * S3 multipart uploads with their state in the caller's hands (the migration journal): the service
 * keeps the parts, `listParts` reads them back after a crash. Ceph RGW 16 answers
 * CompleteMultipartUpload with an empty ETag, so the object is read back with HEAD afterwards.
 * @module
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, MultipartStore, ObjectInfo, OpOptions, PutOptions } from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { checkMetadata } from '../../common/metadata.js';
import { checkPartNumber } from '../../common/multipart-checks.js';
import { translateS3Error } from './s3-errors.js';
import type { S3Store } from './s3-store.js';

export class S3Multipart implements MultipartStore {
  constructor(private readonly store: S3Store) {}

  async create(key: string, options: PutOptions = {}): Promise<{ readonly uploadId: string }> {
    const what = `${this.store.what(key)}: create upload`;
    try {
      this.store.checkKey(key);
      checkMetadata(options.metadata, this.store.name, key);
      const out = await this.store.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: key,
          ...(options.metadata === undefined ? {} : { Metadata: { ...options.metadata } }),
        }),
        this.store.sendOptions(options.signal),
      );
      if (out.UploadId === undefined || out.UploadId === '') {
        throw StorageErrors.STORAGE_SERVICE_ERROR(`${what}: the service returned no upload id`);
      }
      return { uploadId: out.UploadId };
    } catch (err) {
      throw uploadError(err, what, options.signal);
    }
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options: OpOptions = {},
  ): Promise<CompletedPart> {
    const what = `${this.store.what(key)}: upload ${shortId(uploadId)} part ${partNumber}`;
    try {
      this.store.checkKey(key);
      checkPartNumber(partNumber, this.store.capabilities.maxParts, what);
      const out = await this.store.client.send(
        new UploadPartCommand({
          Bucket: this.store.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.byteLength,
        }),
        this.store.sendOptions(options.signal),
      );
      if (out.ETag === undefined || out.ETag === '') {
        throw StorageErrors.STORAGE_SERVICE_ERROR(`${what}: the service returned no ETag for the part`);
      }
      return { partNumber, etag: out.ETag, size: body.byteLength };
    } catch (err) {
      throw uploadError(err, what, options.signal);
    }
  }

  async listParts(key: string, uploadId: string, options: OpOptions = {}): Promise<CompletedPart[]> {
    const what = `${this.store.what(key)}: upload ${shortId(uploadId)}`;
    try {
      this.store.checkKey(key);
      const parts: CompletedPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const out = await this.store.client.send(
          new ListPartsCommand({
            Bucket: this.store.bucket,
            Key: key,
            UploadId: uploadId,
            ...(marker === undefined ? {} : { PartNumberMarker: marker }),
          }),
          this.store.sendOptions(options.signal),
        );
        for (const p of out.Parts ?? []) {
          if (p.PartNumber !== undefined && p.ETag !== undefined) {
            parts.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
          }
        }
        if (out.IsTruncated !== true || out.NextPartNumberMarker === undefined) {
          break;
        }
        marker = out.NextPartNumberMarker;
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    } catch (err) {
      throw uploadError(err, what, options.signal);
    }
  }

  async complete(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: OpOptions = {},
  ): Promise<ObjectInfo> {
    const what = `${this.store.what(key)}: complete upload ${shortId(uploadId)}`;
    try {
      this.store.checkKey(key);
      if (parts.length === 0) {
        throw StorageErrors.STORAGE_MULTIPART_INVALID(`${what}: no parts to complete the upload with`);
      }
      await this.store.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
        this.store.sendOptions(options.signal),
      );
    } catch (err) {
      const translated = uploadError(err, what, options.signal);
      // RGW answers the completion of an aborted upload with 500 "completion already in progress":
      // ask whether the upload still exists before calling the failure transient.
      if (translated.retryable && !(await this.exists(key, uploadId))) {
        throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(`${what}: the multipart upload does not exist`, {
          cause: err,
        });
      }
      throw translated;
    }
    // RGW 16 leaves the ETag of the completion answer empty; HEAD shows the real one.
    const info = await this.store.head(key);
    if (info === undefined) {
      throw StorageErrors.STORAGE_UNAVAILABLE(
        `${what}: the upload completed but the object is not visible yet`,
      );
    }
    return info;
  }

  /** False only when the service says the upload is gone (errors count as "maybe"). */
  private async exists(key: string, uploadId: string): Promise<boolean> {
    try {
      await this.store.client.send(
        new ListPartsCommand({ Bucket: this.store.bucket, Key: key, UploadId: uploadId, MaxParts: 1 }),
      );
      return true;
    } catch (err) {
      return uploadError(err, 'probe', undefined).code !== 'STORAGE_UPLOAD_NOT_FOUND';
    }
  }

  async abort(key: string, uploadId: string, options: OpOptions = {}): Promise<void> {
    const what = `${this.store.what(key)}: abort upload ${shortId(uploadId)}`;
    try {
      this.store.checkKey(key);
      await this.store.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.store.bucket, Key: key, UploadId: uploadId }),
        this.store.sendOptions(options.signal),
      );
    } catch (err) {
      const translated = uploadError(err, what, options.signal);
      // Aborting an upload that is already gone is what the caller wanted.
      if (translated.code === 'STORAGE_UPLOAD_NOT_FOUND') {
        return;
      }
      throw translated;
    }
  }
}

/**
 * Within an upload, "not found" means the upload: RGW answers a finished or aborted upload id with a
 * 404 that is not always NoSuchUpload.
 */
function uploadError(err: unknown, what: string, signal: AbortSignal | undefined) {
  const translated = translateS3Error(err, what, signal);
  if (translated.code !== 'STORAGE_NOT_FOUND') {
    return translated;
  }
  return StorageErrors.STORAGE_UPLOAD_NOT_FOUND(`${what}: the multipart upload does not exist`, {
    cause: err,
  });
}

/** Upload ids are long; messages carry a recognisable head of one. */
function shortId(uploadId: string): string {
  return uploadId.length > 24 ? `${uploadId.slice(0, 20)}…` : uploadId;
}
