import { describe, expect, it } from 'vitest';
import { Permutation, Rng, rngFor, seedWords, weightedTable } from './prng.js';

/** Reference sfc32 written with BigInt arithmetic, independent of the 32-bit tricks of the real one. */
function* referenceSfc32(a0: number, b0: number, c0: number, d0: number): Generator<number> {
  const M = 0xffffffffn;
  let a = BigInt(a0 >>> 0);
  let b = BigInt(b0 >>> 0);
  let c = BigInt(c0 >>> 0);
  let d = BigInt(d0 >>> 0);
  for (;;) {
    const t = (a + b + d) & M;
    d = (d + 1n) & M;
    a = b ^ (b >> 9n);
    b = (c + (c << 3n)) & M;
    c = ((c << 21n) | (c >> 11n)) & M;
    c = (c + t) & M;
    yield Number(t);
  }
}

describe('Rng', () => {
  it('is sfc32: matches an independent BigInt implementation after the warm-up', () => {
    const ref = referenceSfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, 42);
    for (let i = 0; i < 12; i++) {
      ref.next();
    }
    const rng = new Rng(0x9e3779b9, 0x243f6a88, 0xb7e15162, 42);
    const ours = Array.from({ length: 1000 }, () => rng.u32());
    expect(ours).toEqual(Array.from({ length: 1000 }, () => ref.next().value as number));
  });

  it('gives the same sequence for the same seed and index, another for another', () => {
    const seed = seedWords('demo');
    const a = rngFor(seed, 1, 7);
    const b = rngFor(seedWords('demo'), 1, 7);
    const seqA = Array.from({ length: 50 }, () => a.u32());
    expect(Array.from({ length: 50 }, () => b.u32())).toEqual(seqA);
    for (const other of [rngFor(seed, 2, 7), rngFor(seed, 1, 8), rngFor(seedWords('demo2'), 1, 7)]) {
      expect(Array.from({ length: 50 }, () => other.u32())).not.toEqual(seqA);
    }
    expect(seedWords(42)).toEqual(seedWords('42'));
  });

  it('handles patient indices beyond 2^32', () => {
    const seed = seedWords('x');
    expect(rngFor(seed, 1, 2 ** 32 + 5).u32()).not.toBe(rngFor(seed, 1, 5).u32());
  });

  it('draws uniform, bounded and approximately normal values', () => {
    const rng = rngFor(seedWords('stats'), 0, 0);
    const n = 20000;
    let sum = 0;
    let sumN = 0;
    let sumN2 = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (u < 0 || u >= 1) {
        outOfRange++;
      }
      sum += u;
      const x = rng.normal(10, 2);
      sumN += x;
      sumN2 += x * x;
      const k = rng.range(3, 5);
      if (k < 3 || k > 5 || !Number.isInteger(k)) {
        outOfRange++;
      }
    }
    expect(outOfRange).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 1);
    const mean = sumN / n;
    expect(mean).toBeCloseTo(10, 0);
    expect(Math.sqrt(sumN2 / n - mean * mean)).toBeCloseTo(2, 0);
  });

  it('picks from weighted tables in proportion to the weights', () => {
    const rng = rngFor(seedWords('w'), 0, 0);
    const table = weightedTable([
      ['a', 1],
      ['b', 3],
      ['c', 0],
      ['d', 6],
    ] as const);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    for (let i = 0; i < 20000; i++) {
      counts[rng.weighted(table)]!++;
    }
    expect(counts.c).toBe(0);
    expect(counts.a! / 20000).toBeCloseTo(0.1, 1);
    expect(counts.d! / 20000).toBeCloseTo(0.6, 1);
    expect(() => weightedTable([['x', 0]])).toThrow();
  });
});

describe('Permutation', () => {
  it('is a bijection of its domain, for odd-sized domains too', () => {
    for (const size of [2, 999, 4096, 998001 % 5000]) {
      const perm = new Permutation(size, seedWords('p'), size);
      const seen = new Set<number>();
      for (let x = 0; x < size; x++) {
        seen.add(perm.apply(x));
      }
      expect(seen.size).toBe(size);
      expect([...seen].every((y) => y >= 0 && y < size)).toBe(true);
    }
  });

  it('depends on the seed and the tweak', () => {
    const a = new Permutation(10000, seedWords('p'), 1);
    const b = new Permutation(10000, seedWords('p'), 2);
    const c = new Permutation(10000, seedWords('q'), 1);
    const first = (p: Permutation): number[] => Array.from({ length: 20 }, (_, i) => p.apply(i));
    expect(first(a)).not.toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
    expect(() => a.apply(10000)).toThrow();
  });
});
