/**
 * Retries with exponential back-off and full jitter, for errors whose code says a retry may pass
 * (`retryable` on the HdhError, set once by each storage backend at its edge).
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isHdhError, toHdhError } from '../core/index.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 200, maxMs: 10_000 };

/** Throttling answers (429, 503 SlowDown/ServerBusy) as the storage backends code them. */
export function isThrottle(err: unknown): boolean {
  return isHdhError(err, 'STORAGE_THROTTLED');
}

export function isRetryable(err: unknown): boolean {
  return isHdhError(err) && err.retryable;
}

export interface RetryHooks {
  readonly signal?: AbortSignal;
  /** Called before each retry; `throttled` when the store asked to slow down. */
  readonly onRetry?: (err: unknown, throttled: boolean) => void;
}

/** Back-off before retry number `attempt` (1-based). */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Runs `op`, retrying retryable failures; the last error is thrown as an HdhError. */
export async function withRetry<T>(
  op: () => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      hooks.signal?.throwIfAborted();
      if (!isRetryable(err) || attempt >= policy.retries) {
        throw toHdhError(err);
      }
      hooks.onRetry?.(err, isThrottle(err));
      await sleep(
        backoffMs(policy, attempt + 1),
        undefined,
        hooks.signal ? { signal: hooks.signal } : undefined,
      );
    }
  }
}
