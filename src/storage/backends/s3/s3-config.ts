/**
 * Capabilities and options of the s3 backend. Provider limits come from the store's configuration
 * (`maxParts`: Scaleway 1,000, most others 10,000; `maxObjectBytes`), S3's own rules from here.
 * @module
 */
import type { S3StoreConfig } from '../../../core/index.js';
import type { StoreCapabilities } from '../../object-store.js';

const MiB = 1024 * 1024;

/** S3's smallest part (all but the last) and largest part. */
export const S3_MIN_PART_BYTES = 5 * MiB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MiB;
/** Largest object CopyObject copies in one request; larger copies go part by part. */
export const S3_MAX_COPY_BYTES = 5 * 1024 * MiB;

export function s3Capabilities(
  config: Pick<S3StoreConfig, 'maxParts' | 'maxObjectBytes'>,
): StoreCapabilities {
  return {
    multipart: true,
    rangedReads: true,
    serverSideCopy: true,
    // A plain (single-part, unencrypted) ETag is the MD5; multipart ETags are not, and are not reported.
    hashes: ['md5'],
    maxKeyBytes: 1024,
    maxObjectBytes: config.maxObjectBytes,
    maxParts: config.maxParts,
    minPartBytes: S3_MIN_PART_BYTES,
  };
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Knobs of the client side, with defaults fitted to a few cores and a few hundred MB of memory. */
export interface S3Tuning {
  /** Bodies of a known size up to this go as one PutObject (default 16 MiB). */
  readonly singleMaxBytes?: number;
  /** Part size for bodies of unknown size, and the least for known ones (default 8 MiB). */
  readonly partBytes?: number;
  /** Parts of one put uploaded at once (default 4). */
  readonly concurrency?: number;
  /** Keys per ListObjectsV2 page (default 1,000, S3's maximum). */
  readonly listPageSize?: number;
  /** Attempts the SDK makes before an error surfaces (default 3). */
  readonly maxAttempts?: number;
  /** Milliseconds to wait for a connection (default 10 s). */
  readonly connectionTimeoutMs?: number;
  /** Milliseconds a request may stay silent before it is cut (default 120 s): a stalled server fails, never hangs. */
  readonly requestTimeoutMs?: number;
}

export interface S3StoreOptions {
  /** The store's name in messages. */
  readonly name: string;
  readonly config: Pick<
    S3StoreConfig,
    'endpoint' | 'bucket' | 'region' | 'pathStyle' | 'maxParts' | 'maxObjectBytes'
  >;
  readonly credentials: S3Credentials;
  readonly tuning?: S3Tuning;
}
