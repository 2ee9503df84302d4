/**
 * Node file-system errors translated into STORAGE_* codes, once, at the fs backend's edge.
 * @module
 */
import { isHdhError, toHdhError, type HdhError } from '../../../core/index.js';
import { StorageErrors } from '../../errors.js';
import { abortedError } from '../../common/abort.js';

const TRANSIENT = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ESTALE', 'ETIMEDOUT', 'EINTR']);

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Translates `err` raised while doing `what` (e.g. `store local, key "a/b": put`). */
export function translateFsError(err: unknown, what: string, signal?: AbortSignal): HdhError {
  if (isHdhError(err)) {
    return err;
  }
  if (signal?.aborted === true) {
    return abortedError(what, signal);
  }
  const code = errnoOf(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code ?? '') {
    case 'ENOSPC':
    case 'EDQUOT':
      return StorageErrors.STORAGE_DISK_FULL(`${what}: no space left on the file system (${code})`, {
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return StorageErrors.STORAGE_ACCESS_DENIED(`${what}: ${message}`, { cause: err });
    case 'ENAMETOOLONG':
      return StorageErrors.STORAGE_KEY_INVALID(`${what}: the path is too long for the file system`, {
        cause: err,
      });
    case 'ENOENT':
    case 'ENOTDIR':
      return StorageErrors.STORAGE_NOT_FOUND(`${what}: no such object`, { cause: err });
    case 'EFBIG':
      return StorageErrors.STORAGE_TOO_LARGE(`${what}: the file system refuses a file this large`, {
        cause: err,
      });
    default:
      if (code !== undefined && TRANSIENT.has(code)) {
        return StorageErrors.STORAGE_UNAVAILABLE(`${what}: ${message}`, { cause: err });
      }
      if (code !== undefined) {
        return StorageErrors.STORAGE_SERVICE_ERROR(`${what}: ${message}`, { cause: err });
      }
      return toHdhError(err);
  }
}
