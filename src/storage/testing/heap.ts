/**
 * Measures how much the heap grows while a listing is iterated, to prove a listing streams instead of
 * holding the whole prefix. It forces garbage collection before each sample, so only what the
 * iterator (and the code under it) keeps alive counts.
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

function collect(): void {
  if (gc === undefined) {
    // Exposes V8's gc() without needing --expose-gc on the command line of the test runner.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

export interface HeapGrowth {
  /** Items the iterable yielded. */
  readonly count: number;
  /** Largest heap growth seen at a sample, over the heap before iteration began. */
  readonly maxGrowthBytes: number;
}

/**
 * Iterates `items` to the end, sampling the heap (after a full collection) every `sampleEvery`
 * items and once at the end; returns the largest growth over the heap before iteration began.
 */
export async function heapGrowthWhileIterating(
  items: AsyncIterable<unknown>,
  sampleEvery = 20_000,
): Promise<HeapGrowth> {
  collect();
  const baseline = process.memoryUsage().heapUsed;
  let maxGrowthBytes = 0;
  let count = 0;
  const sample = (): void => {
    collect();
    maxGrowthBytes = Math.max(maxGrowthBytes, process.memoryUsage().heapUsed - baseline);
  };
  for await (const item of items) {
    if (item === undefined) {
      continue;
    }
    count++;
    if (count % sampleEvery === 0) {
      sample();
    }
  }
  sample();
  return { count, maxGrowthBytes };
}
