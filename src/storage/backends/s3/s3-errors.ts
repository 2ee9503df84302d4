/**
 * AWS SDK errors translated into STORAGE_* codes, once, at the s3 backend's edge. The SDK has
 * already retried what it retries; what reaches here is classified for the caller's own retries
 * (migration backs off on `retryable`, and slows down on STORAGE_THROTTLED).
 * @module
 */
import { isHdhError, type HdhError } from '../../../core/index.js';
import { StorageErrors } from '../../errors.js';
import { abortedError } from '../../common/abort.js';

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const DENIED = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
]);
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
]);
const INTEGRITY = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentSHA256Mismatch', 'ChecksumMismatch']);
const MULTIPART = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'MalformedXML']);

/** The vendor's error name (e.g. `NoSuchKey`) and HTTP status, for messages and classification. */
export function sdkErrorName(err: unknown): { name: string; status: number | undefined } {
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.Code ?? (typeof e.code === 'string' ? e.code : undefined) ?? e.name ?? 'Error';
  return { name, status: e.$metadata?.httpStatusCode };
}

/** Translates `err` raised while doing `what` (e.g. `store eu, key "a": get`). */
export function translateS3Error(err: unknown, what: string, signal?: AbortSignal): HdhError {
  if (isHdhError(err)) {
    return err;
  }
  if (signal?.aborted === true) {
    return abortedError(what, signal);
  }
  const { name, status } = sdkErrorName(err);
  if (name === 'AbortError') {
    return abortedError(what, signal);
  }
  const detail = `${name}${status === undefined ? '' : ` (HTTP ${status})`}`;
  const options = { cause: err };
  if (name === 'NoSuchKey' || (name === 'NotFound' && status === 404)) {
    return StorageErrors.STORAGE_NOT_FOUND(`${what}: no such object`, options);
  }
  if (name === 'NoSuchBucket') {
    return StorageErrors.STORAGE_BUCKET_NOT_FOUND(`${what}: the bucket does not exist (${detail})`, options);
  }
  if (name === 'NoSuchUpload') {
    return StorageErrors.STORAGE_UPLOAD_NOT_FOUND(
      `${what}: the multipart upload does not exist (${detail})`,
      options,
    );
  }
  if (MULTIPART.has(name)) {
    return StorageErrors.STORAGE_MULTIPART_INVALID(`${what}: ${detail}: ${messageOf(err)}`, options);
  }
  if (name === 'EntityTooLarge') {
    return StorageErrors.STORAGE_TOO_LARGE(`${what}: ${detail}`, options);
  }
  if (INTEGRITY.has(name)) {
    return StorageErrors.STORAGE_INTEGRITY(
      `${what}: the service found the content did not match its digest (${detail})`,
      options,
    );
  }
  if (name === 'InvalidRange') {
    return StorageErrors.STORAGE_RANGE_INVALID(`${what}: ${detail}`, options);
  }
  if (name === 'InvalidObjectState') {
    return StorageErrors.STORAGE_ARCHIVED(
      `${what}: the object is archived; restore it first (${detail})`,
      options,
    );
  }
  if (DENIED.has(name) || status === 403) {
    return StorageErrors.STORAGE_ACCESS_DENIED(
      `${what}: the service refused the credentials or the operation (${detail})`,
      options,
    );
  }
  if (THROTTLED.has(name) || status === 429) {
    return StorageErrors.STORAGE_THROTTLED(`${what}: the service asks to slow down (${detail})`, options);
  }
  if (NETWORK.has(name) || isTransientStatus(status) || isNetworkError(err)) {
    return StorageErrors.STORAGE_UNAVAILABLE(
      `${what}: the service is unreachable or failing (${detail}: ${messageOf(err)})`,
      options,
    );
  }
  return StorageErrors.STORAGE_SERVICE_ERROR(`${what}: ${detail}: ${messageOf(err)}`, options);
}

/** 5xx but 501 Not Implemented, which no retry fixes (a feature the service lacks). */
function isTransientStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 500 && status !== 501;
}

function isNetworkError(err: unknown): boolean {
  // Node's socket errors carry `code`; the SDK may wrap them and keep the original as `cause`.
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK.has(code)) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function messageOf(err: unknown): string {
  const message = (err as SdkErrorShape | null)?.message;
  return typeof message === 'string' && message !== '' && message !== 'UnknownError' ? message : 'no detail';
}
