/** A promise settled from outside, already marked as handled so a caller that never awaits it
 * (e.g. one that only watches the stream) does not crash the process with an unhandled rejection.
 * Rejections are turned into HdhErrors. */
import { toHdhError } from '../core/index.js';

export interface Settleable<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function settleable<T>(): Settleable<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return {
    promise,
    resolve,
    reject: (reason) => {
      reject(toHdhError(reason));
    },
  };
}
