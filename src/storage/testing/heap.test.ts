import { describe, expect, it } from 'vitest';
import { heapGrowthWhileIterating } from './heap.js';

const item = (i: number) => ({
  key: `prefix/some/key-${String(i).padStart(8, '0')}`,
  size: i,
  lastModified: new Date(),
});

describe('heapGrowthWhileIterating', () => {
  it('sees little growth for a generator that keeps nothing', async () => {
    async function* streamed() {
      for (let i = 0; i < 100_000; i++) {
        if (i % 1000 === 0) {
          await Promise.resolve();
        }
        yield item(i);
      }
    }
    const { count, maxGrowthBytes } = await heapGrowthWhileIterating(streamed());
    expect(count).toBe(100_000);
    expect(maxGrowthBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('sees the growth of a listing that holds every item it has seen', async () => {
    const held: unknown[] = [];
    async function* hoarding() {
      for (let i = 0; i < 100_000; i++) {
        if (i % 1000 === 0) {
          await Promise.resolve();
        }
        const it = item(i);
        held.push(it);
        yield it;
      }
    }
    const { maxGrowthBytes } = await heapGrowthWhileIterating(hoarding());
    expect(held).toHaveLength(100_000);
    expect(maxGrowthBytes).toBeGreaterThan(8 * 1024 * 1024);
  });
});
