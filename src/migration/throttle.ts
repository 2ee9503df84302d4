/**
 * Flow control of a run: a token bucket for --bwlimit, a semaphore whose size can change, and the
 * AIMD controller that grows concurrency while throughput grows and halves it when a store throttles.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** A token bucket of bytes per second shared by every transfer of a run. */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  /** `bytesPerSecond` ≤ 0 means unlimited. */
  constructor(bytesPerSecond: number) {
    this.#rate = bytesPerSecond;
    // A quarter of a second of traffic may pass at once, and at least one read buffer.
    this.#burst = Math.max(bytesPerSecond / 4, 256 * 1024);
    this.#tokens = this.#burst;
    this.#last = performance.now();
  }

  get unlimited(): boolean {
    return this.#rate <= 0;
  }

  /** Waits until `bytes` may pass. Callers are served in order. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.unlimited) {
      return;
    }
    const turn = this.#queue.then(async () => {
      const now = performance.now();
      this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
      this.#last = now;
      this.#tokens -= bytes;
      if (this.#tokens < 0) {
        await sleep((-this.#tokens / this.#rate) * 1000, undefined, { signal });
      }
    });
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}

/** A counting semaphore whose limit may be changed while permits are held. */
export class Semaphore {
  #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get limit(): number {
    return this.#limit;
  }

  get held(): number {
    return this.#held;
  }

  setLimit(limit: number): void {
    this.#limit = Math.max(1, limit);
    this.#drain();
  }

  async acquire(): Promise<void> {
    if (this.#held < this.#limit) {
      this.#held++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    this.#held--;
    this.#drain();
  }

  #drain(): void {
    while (this.#held < this.#limit && this.#waiting.length > 0) {
      this.#held++;
      this.#waiting.shift()!();
    }
  }
}

export interface AimdOptions {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** How often throughput is sampled, in ms. */
  readonly intervalMs: number;
  /** Relative gain over the previous interval needed to add one more transfer. */
  readonly growth: number;
}

/**
 * Additive increase, multiplicative decrease: every interval, if throughput rose by at least
 * `growth` and nothing throttled, one more transfer runs (twice as many during the initial slow
 * start, as TCP does); a throttling answer (429, 503, SlowDown) halves the number of transfers at
 * once (at most once per interval) and ends the slow start.
 */
export class AimdController {
  readonly #options: AimdOptions;
  readonly #semaphore: Semaphore;
  #bytes = 0;
  #previousRate = 0;
  #throttledAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #last = performance.now();
  /** Doubling (TCP-like slow start) until throughput stops growing or a store throttles. */
  #slowStart = true;
  /** Throttling signals received. */
  throttles = 0;

  constructor(semaphore: Semaphore, options: AimdOptions) {
    this.#options = options;
    this.#semaphore = semaphore;
    semaphore.setLimit(options.initial);
  }

  get limit(): number {
    return this.#semaphore.limit;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#sample(), this.#options.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
    }
    this.#timer = undefined;
  }

  /** Bytes moved since the last sample. */
  addBytes(n: number): void {
    this.#bytes += n;
  }

  /** A store answered "slow down". */
  throttled(): void {
    this.throttles++;
    const now = performance.now();
    if (now - this.#throttledAt < this.#options.intervalMs) {
      return;
    }
    this.#throttledAt = now;
    this.#slowStart = false;
    this.#semaphore.setLimit(Math.max(this.#options.min, Math.floor(this.#semaphore.limit / 2)));
    this.#previousRate = 0;
  }

  #sample(): void {
    const now = performance.now();
    const rate = this.#bytes / ((now - this.#last) / 1000);
    this.#bytes = 0;
    this.#last = now;
    const calm = now - this.#throttledAt > 2 * this.#options.intervalMs;
    const busy = this.#semaphore.held >= this.#semaphore.limit;
    const growing = calm && busy && rate > 0 && rate >= this.#previousRate * (1 + this.#options.growth);
    if (growing) {
      const limit = this.#semaphore.limit;
      this.#semaphore.setLimit(Math.min(this.#options.max, this.#slowStart ? limit * 2 : limit + 1));
    } else if (busy && this.#previousRate > 0) {
      this.#slowStart = false;
    }
    this.#previousRate = rate;
  }
}
