/**
 * Azure SDK errors (RestError) translated into STORAGE_* codes, once, at the azure-blob backend's
 * edge. Messages are rebuilt from the error code and status, never copied from the request, and SAS
 * signatures are scrubbed from anything quoted, so credentials never reach a log.
 * @module
 */
import { isHdhError, type HdhError } from '../../../core/index.js';
import { StorageErrors } from '../../errors.js';
import { abortedError } from '../../common/abort.js';

interface RestErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly statusCode?: number;
  readonly message?: string;
}

const NETWORK = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ESOCKETTIMEDOUT',
  'PARSE_ERROR',
]);
const DENIED = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'AuthorizationProtocolMismatch',
  'AuthorizationSourceIPMismatch',
  'InsufficientAccountPermissions',
  'AccountIsDisabled',
]);
const THROTTLED = new Set(['ServerBusy', 'TooManyRequests']);
const UNAVAILABLE = new Set(['InternalError', 'OperationTimedOut', 'ServiceUnavailable']);
const INTEGRITY = new Set(['Md5Mismatch', 'Crc64Mismatch', 'InvalidMd5']);
const MULTIPART = new Set([
  'InvalidBlockList',
  'InvalidBlobOrBlock',
  'InvalidBlockId',
  'BlockCountExceedsLimit',
]);

/** Removes SAS signatures (and any other given secret) from text quoted in messages. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/([?&]sig=)[^&\s"']+/gi, '$1REDACTED');
  for (const secret of secrets) {
    if (secret.length >= 8) {
      out = out.split(secret).join('REDACTED');
    }
  }
  return out;
}

/** Translates `err` raised while doing `what` (e.g. `store legacy, key "a": get`). */
export function translateAzureError(
  err: unknown,
  what: string,
  signal?: AbortSignal,
  secrets: readonly string[] = [],
): HdhError {
  if (isHdhError(err)) {
    return err;
  }
  if (signal?.aborted === true) {
    return abortedError(what, signal);
  }
  const e = (err ?? {}) as RestErrorShape;
  if (e.name === 'AbortError') {
    return abortedError(what, signal);
  }
  const code = e.code ?? '';
  const status = e.statusCode;
  const detail = `${code === '' ? 'error' : code}${status === undefined ? '' : ` (HTTP ${status})`}`;
  const options = { cause: err };
  if (code === 'BlobNotFound' || (status === 404 && code === '')) {
    return StorageErrors.STORAGE_NOT_FOUND(`${what}: no such object`, options);
  }
  if (code === 'ContainerNotFound') {
    return StorageErrors.STORAGE_BUCKET_NOT_FOUND(
      `${what}: the container does not exist (${detail})`,
      options,
    );
  }
  if (code === 'BlobArchived' || code === 'BlobBeingRehydrated') {
    return StorageErrors.STORAGE_ARCHIVED(
      `${what}: the blob is in the Archive tier; rehydrate it first (${detail})`,
      options,
    );
  }
  if (code === 'InvalidRange' || status === 416) {
    return StorageErrors.STORAGE_RANGE_INVALID(`${what}: ${detail}`, options);
  }
  if (INTEGRITY.has(code)) {
    return StorageErrors.STORAGE_INTEGRITY(
      `${what}: the service found the content did not match its MD5 (${detail})`,
      options,
    );
  }
  if (MULTIPART.has(code)) {
    return StorageErrors.STORAGE_MULTIPART_INVALID(
      `${what}: the service refused the block list (${detail})`,
      options,
    );
  }
  if (code === 'RequestBodyTooLarge' || status === 413) {
    return StorageErrors.STORAGE_TOO_LARGE(`${what}: ${detail}`, options);
  }
  if (DENIED.has(code) || status === 403) {
    return StorageErrors.STORAGE_ACCESS_DENIED(
      `${what}: the service refused the credentials or the operation (${detail})`,
      options,
    );
  }
  if (THROTTLED.has(code) || status === 429) {
    return StorageErrors.STORAGE_THROTTLED(`${what}: the service asks to slow down (${detail})`, options);
  }
  // 501 Not Implemented is a missing feature, not a transient failure.
  if (
    NETWORK.has(code) ||
    UNAVAILABLE.has(code) ||
    (status !== undefined && status >= 500 && status !== 501)
  ) {
    const message = scrub(typeof e.message === 'string' ? e.message : '', secrets);
    return StorageErrors.STORAGE_UNAVAILABLE(
      `${what}: the service is unreachable or failing (${detail}: ${firstLine(message)})`,
      options,
    );
  }
  const message = scrub(typeof e.message === 'string' ? e.message : '', secrets);
  return StorageErrors.STORAGE_SERVICE_ERROR(`${what}: ${detail}: ${firstLine(message)}`, options);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]?.trim() ?? '';
  return line === '' ? 'no detail' : line.slice(0, 300);
}
