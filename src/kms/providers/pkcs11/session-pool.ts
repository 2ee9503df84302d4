/**
 * A small pool of PKCS#11 sessions. A session runs one multi-part operation at a time (SignInit then
 * Sign), so each operation borrows a session for its whole duration; concurrent operations use
 * different sessions, up to the pool size, and queue beyond it.
 * @module
 */
import { KmsErrors } from '../../errors.js';
import type { Handle } from './pkcs11-module.js';

export class SessionPool {
  readonly #open: () => Handle;
  readonly #close: (session: Handle) => void;
  readonly #size: number;
  readonly #idle: Handle[] = [];
  readonly #waiters: ((session: Handle) => void)[] = [];
  #count = 0;
  #busy = 0;
  #closed = false;
  #drained: (() => void) | undefined;

  constructor(open: () => Handle, close: (session: Handle) => void, size: number) {
    this.#open = open;
    this.#close = close;
    this.#size = Math.max(1, size);
  }

  /** Runs `fn` with a session of its own; KMS_PROVIDER_CLOSED once the pool drains. */
  async use<T>(fn: (session: Handle) => T | Promise<T>, what: string): Promise<T> {
    if (this.#closed) {
      throw KmsErrors.KMS_PROVIDER_CLOSED(`HSM provider was closed (${what})`);
    }
    this.#busy++;
    try {
      const session = await this.#acquire();
      try {
        return await fn(session);
      } finally {
        this.#releaseSession(session);
      }
    } finally {
      if (--this.#busy === 0) {
        this.#drained?.();
      }
    }
  }

  #acquire(): Promise<Handle> {
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      return Promise.resolve(idle);
    }
    if (this.#count < this.#size) {
      const session = this.#open();
      this.#count++;
      return Promise.resolve(session);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #releaseSession(session: Handle): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter(session);
    } else {
      this.#idle.push(session);
    }
  }

  /** Refuses new work, waits for operations in flight, then closes every session. */
  async drain(): Promise<void> {
    this.#closed = true;
    if (this.#busy > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    for (const session of this.#idle.splice(0)) {
      this.#close(session);
    }
    this.#count = 0;
  }
}
