/**
 * STORAGE_* error codes. Backends translate vendor errors (AWS SDK, Azure RestError, Node errno) into
 * these once, at their edge, and set `retryable` there; callers retry by `retryable`, never by message.
 * Messages name the store and the key, and never carry credentials.
 * @module
 */
import { defineErrors } from '../core/index.js';

export const StorageErrors = defineErrors({
  STORAGE_NOT_FOUND: {
    status: 404,
    description: 'The object does not exist in the store; check the store name and the key.',
  },
  STORAGE_BUCKET_NOT_FOUND: {
    status: 404,
    description:
      'The bucket, container or root folder a store names does not exist; create it or fix the store configuration.',
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description:
      'The store could not be reached or failed on its side (connection refused or reset, timeout, HTTP 500/503); retry later.',
  },
  STORAGE_THROTTLED: {
    status: 429,
    retryable: true,
    description:
      'The store asked hdh to slow down (HTTP 429, 503 SlowDown, ServerBusy); retry with fewer requests in flight.',
  },
  STORAGE_ACCESS_DENIED: {
    status: 403,
    description:
      'The store refused the credentials or the operation (bad key, expired SAS, missing permission).',
  },
  STORAGE_CREDENTIALS_MISSING: {
    status: 400,
    description:
      'An environment variable the store configuration names for a credential is not set; the message names it.',
  },
  STORAGE_DISK_FULL: {
    status: 507,
    description: 'The file system under an fs store has no space left; nothing partial was kept.',
  },
  STORAGE_KEY_INVALID: {
    status: 400,
    description:
      'The key cannot be stored here: empty, too long, or with a segment this store refuses (the message says which).',
  },
  STORAGE_METADATA_INVALID: {
    status: 400,
    description:
      'Object metadata must have lower-case names of letters, digits and underscores and printable ASCII values, 2 KiB at most.',
  },
  STORAGE_TOO_LARGE: {
    status: 413,
    description: 'The object is larger than the store accepts (its provider limit or its part limits).',
  },
  STORAGE_SIZE_MISMATCH: {
    status: 400,
    description:
      'The body given to a put was longer or shorter than the size announced for it (a source that changed while being read).',
  },
  STORAGE_BODY_FAILED: {
    status: 400,
    description:
      'The body handed to a put failed while it was being read (its source broke); nothing was stored under the key.',
  },
  STORAGE_RANGE_INVALID: {
    status: 416,
    description: 'The byte range starts after the end of the object or ends before it starts.',
  },
  STORAGE_READ_ONLY: {
    status: 403,
    description: 'The store is a legacy store (written by another system): hdh only reads from it.',
  },
  STORAGE_INTEGRITY: {
    status: 422,
    description:
      'The content did not match its digest (Content-MD5 or part digest); nothing was stored under the key.',
  },
  STORAGE_ARCHIVED: {
    status: 409,
    description:
      'The object sits in an archive tier and must be rehydrated (restored) before it can be read.',
  },
  STORAGE_UPLOAD_NOT_FOUND: {
    status: 404,
    description:
      'The multipart upload does not exist any more (completed, aborted or expired); start a new one.',
  },
  STORAGE_MULTIPART_INVALID: {
    status: 400,
    description:
      'The parts given to complete a multipart upload do not match the parts the store holds (missing, too small, out of order).',
  },
  STORAGE_BACKEND_UNKNOWN: {
    status: 400,
    description: 'The store configuration names a type hdh has no backend for.',
  },
  STORAGE_SERVICE_ERROR: {
    status: 502,
    description:
      'The storage service answered with an error hdh does not recognise; the message carries its code and HTTP status.',
  },
});

/** Codes this concept declares, for docs/errors.md and tests. */
export type StorageErrorCode = keyof typeof StorageErrors;
