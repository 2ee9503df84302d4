/**
 * The s3 backend: any S3-compatible service through AWS SDK v3.
 * @module
 */
export { S3Store } from './s3-store.js';
export {
  s3Capabilities,
  S3_MIN_PART_BYTES,
  S3_MAX_PART_BYTES,
  type S3Credentials,
  type S3StoreOptions,
  type S3Tuning,
} from './s3-config.js';
export { translateS3Error } from './s3-errors.js';
