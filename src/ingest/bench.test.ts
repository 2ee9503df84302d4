import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureIngest, measureJsonCeiling } from './bench.js';
import { defaultProfile } from './profile.js';
import { localHmac, tempDir } from './testing/harness.js';
import { writePopulation, type Population } from './testing/population.js';

let work: { dir: string; remove: () => Promise<void> };
let population: Population;

beforeAll(async () => {
  work = await tempDir('bench');
  population = await writePopulation(join(work.dir, 'in'), { patients: 20, seed: 5 });
});

afterAll(async () => {
  await work.remove();
});

describe('throughput measures', () => {
  it('measure the JSON ceiling and the ingest over the same files', async () => {
    const ceiling = await measureJsonCeiling([join(work.dir, 'in')]);
    const { measure, result } = await measureIngest({
      inputs: [join(work.dir, 'in')],
      workDir: join(work.dir, 'out'),
      profile: await defaultProfile(),
      hmac: localHmac('bench'),
      keyId: 'k',
      onQuarantine: async () => {},
    });
    expect(ceiling.records).toBe(population.resources);
    expect(measure.records).toBe(population.resources);
    expect(measure.bytes).toBe(ceiling.bytes);
    expect(result.summary.accepted).toBe(population.resources);
    for (const m of [ceiling, measure]) {
      expect(m.seconds).toBeGreaterThan(0);
      expect(m.mbPerSecond).toBeCloseTo(m.bytes / 1e6 / m.seconds, 6);
      expect(m.recordsPerSecond).toBeCloseTo(m.records / m.seconds, 6);
    }
  });
});
