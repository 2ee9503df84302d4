import { describe, expect, it } from 'vitest';
import { runConformance } from '../../testing/conformance.js';
import { heapGrowthWhileIterating } from '../../testing/heap.js';
import { MemorySpace, MemoryStore } from './index.js';

const space = new MemorySpace();
runConformance({ name: 'memory', create: () => Promise.resolve(new MemoryStore({ space })) });

describe('memory store', () => {
  it('lists a 100,000-object prefix with flat memory', async () => {
    const space = new MemorySpace();
    const store = new MemoryStore({ space });
    // Loaded straight into the space: this test is about listing, and 100,000 puts would only add time.
    const object = { data: Buffer.alloc(0), lastModified: new Date(), etag: 'e', md5: 'e', metadata: {} };
    for (let i = 0; i < 100_000; i++) {
      space.set(`big/${String(i).padStart(6, '0')}`, object);
    }
    await store.put('big0', '');
    await store.put('bif/z', '');
    const { count, maxGrowthBytes } = await heapGrowthWhileIterating(store.list('big/'));
    expect(count).toBe(100_000);
    expect(maxGrowthBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('keeps its objects apart from another space', async () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    await a.put('k', 'v');
    expect(await b.head('k')).toBeUndefined();
  });
});
