import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, expect, it } from 'vitest';
import { generatePopulation } from './generate.js';

// A full collection before each heap reading, so the readings measure what is kept, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let dir: string | undefined;
afterAll(async () => {
  if (dir !== undefined) {
    await rm(dir, { recursive: true, force: true });
  }
});

it('keeps memory flat while writing 20,000 patients with faults and identities', async () => {
  dir = await mkdtemp(join(tmpdir(), 'hdh-synth-memory-'));
  const heap = new Map<number, number>();
  const summary = await generatePopulation({
    patients: 20_000,
    seed: 'memory',
    outDir: dir,
    faults: 0.005,
    identities: true,
    onProgress: ({ done }) => {
      if (done % 2000 === 0) {
        gc();
        heap.set(done, process.memoryUsage().heapUsed);
      }
    },
  });
  expect(summary.resources.Patient).toBe(20_000);
  const early = heap.get(2000)!;
  const late = Math.max(...[...heap.entries()].filter(([done]) => done >= 10_000).map(([, used]) => used));
  // Nothing per patient is retained: ten times more patients must not mean a larger live heap.
  // The margin absorbs JIT and allocator noise; a leak of even 1 KiB per patient would exceed it.
  expect(late - early).toBeLessThan(12 * 1024 * 1024);
}, 300_000);
