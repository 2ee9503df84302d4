/**
 * Cancellation: every store operation takes `{ signal }`, and a fired signal always surfaces as
 * OPERATION_ABORTED, whatever reason the caller gave it and whatever the SDK made of it.
 * @module
 */
import { CoreErrors, type HdhError } from '../../core/index.js';

export function abortedError(what: string, signal?: AbortSignal): HdhError {
  return CoreErrors.OPERATION_ABORTED(`${what}: aborted`, { cause: signal?.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) {
    throw abortedError(what, signal);
  }
}
