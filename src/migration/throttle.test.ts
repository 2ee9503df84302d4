import { describe, expect, it } from 'vitest';
import { AimdController, RateLimiter, Semaphore } from './throttle.js';

describe('flow control', () => {
  it('a semaphore never lets more than its limit run, even when the limit changes', async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await s.acquire();
        running++;
        peak = Math.max(peak, running);
        if (i === 5) {
          s.setLimit(2);
        }
        await new Promise((r) => setTimeout(r, 2));
        running--;
        s.release();
      }),
    );
    expect(peak).toBeLessThanOrEqual(3);
    expect(s.held).toBe(0);
  });

  it('halves concurrency when a store throttles, not below the minimum', () => {
    const s = new Semaphore(1);
    const aimd = new AimdController(s, { initial: 8, min: 1, max: 16, intervalMs: 1000, growth: 0.05 });
    expect(aimd.limit).toBe(8);
    aimd.throttled();
    expect(aimd.limit).toBe(4);
    aimd.throttled(); // same interval: one decrease per interval
    expect(aimd.limit).toBe(4);
    expect(aimd.throttles).toBe(2);
  });

  it('grows concurrency by one while throughput grows and every slot is busy', async () => {
    const s = new Semaphore(1);
    const aimd = new AimdController(s, { initial: 2, min: 1, max: 4, intervalMs: 20, growth: 0.05 });
    await s.acquire();
    await s.acquire();
    aimd.start();
    let bytes = 1000;
    for (let i = 0; i < 10 && aimd.limit < 4; i++) {
      aimd.addBytes(bytes);
      bytes *= 2;
      await new Promise((r) => setTimeout(r, 25));
      while (s.held < s.limit) {
        await s.acquire();
      }
    }
    aimd.stop();
    expect(aimd.limit).toBe(4);
  });

  it('a rate limiter spaces transfers out to its rate', async () => {
    const limiter = new RateLimiter(4 * 1024 * 1024);
    const started = performance.now();
    for (let i = 0; i < 8; i++) {
      await limiter.take(512 * 1024);
    }
    // 4 MiB at 4 MiB/s with a 1 MiB burst: at least ~0.7 s.
    expect(performance.now() - started).toBeGreaterThan(500);
  });
});
