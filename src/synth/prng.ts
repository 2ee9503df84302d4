/**
 * Deterministic randomness. Every random choice of the generator comes from {@link Rng}, a small
 * fast generator (sfc32: 128-bit state, 32-bit output) driven only by 32-bit integer operations
 * (`Math.imul`, shifts, additions), so one seed gives the same numbers on every Node version and CPU.
 * Transcendental functions (`Math.log`, `Math.exp`, `Math.cos`) are deliberately never used: their
 * last bit is implementation-defined, which would break byte-identical output across engines.
 *
 * Each patient gets its own generator derived from (seed, stream, patient index), so patient `i`
 * is the same whatever slice of the population a run generates (`startIndex`).
 * @module
 */

const TWO_POW_32 = 4294967296;
/** √3, written out: Irwin–Hall scaling must not depend on `Math.sqrt` of a computed value. */
const SQRT3 = 1.7320508075688772;

/** Murmur3's 32-bit finaliser: a bijective avalanche mix. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Four 32-bit words derived from a seed text; the same text always gives the same words. */
export type SeedWords = readonly [number, number, number, number];

/**
 * Hashes a seed (any text, or a number taken as its decimal text) into 128 bits.
 * @example seedWords('42') // the same words as seedWords(42)
 */
export function seedWords(seed: string | number): SeedWords {
  const text = typeof seed === 'number' ? String(seed) : seed;
  let h1 = 0x243f6a88;
  let h2 = 0x85a308d3;
  let h3 = 0x13198a2e;
  let h4 = 0x03707344;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = mix32(h1 ^ c) + h2;
    h2 = mix32(h2 ^ Math.imul(c, 0x9e3779b1)) + h3;
    h3 = mix32(h3 ^ (c + i)) + h4;
    h4 = mix32(h4 ^ Math.imul(c + 0x7f4a7c15, i + 1)) + h1;
  }
  h1 = mix32(h1 ^ text.length);
  h2 = mix32(h2 ^ h1);
  h3 = mix32(h3 ^ h2);
  h4 = mix32(h4 ^ h3);
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A cumulative-weight table for {@link Rng.weighted}; build it once per data table. */
export interface WeightedTable<T> {
  readonly items: readonly T[];
  readonly cumulative: Float64Array;
  readonly total: number;
}

export function weightedTable<T>(entries: readonly (readonly [T, number])[]): WeightedTable<T> {
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([, w], i) => {
    if (!(w >= 0)) {
      throw new Error(`weight ${w} at ${i} must be a non-negative number`);
    }
    total += w;
    cumulative[i] = total;
  });
  if (total <= 0) {
    throw new Error('a weighted table needs a positive total weight');
  }
  return { items: entries.map(([item]) => item), cumulative, total };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) {
      this.u32();
    }
  }

  /** Next 32-bit unsigned integer (sfc32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi], both included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /**
   * Approximately normal (Irwin–Hall of four uniforms, variance scaled to 1): bounded to ±3.46 sd,
   * which suits clinical values better than unbounded tails and needs no logarithm.
   */
  normal(mean: number, sd: number): number {
    const s = this.next() + this.next() + this.next() + this.next() - 2;
    return mean + sd * s * SQRT3;
  }

  weighted<T>(table: WeightedTable<T>): T {
    const x = this.next() * table.total;
    const cum = table.cumulative;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return table.items[lo]!;
  }
}

/**
 * The generator of one (seed, stream, index) triple. Streams separate independent uses (the clinical
 * content, the fault injection) so that enabling faults leaves every clean record unchanged.
 */
export function rngFor(seed: SeedWords, stream: number, index: number): Rng {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO_POW_32) >>> 0;
  const k = mix32(lo ^ mix32(hi + Math.imul(stream, 0x9e3779b9)));
  return new Rng(
    mix32(seed[0] ^ k),
    mix32(seed[1] ^ mix32(k + 0x6a09e667)),
    mix32(seed[2] ^ mix32(k + 0xbb67ae85)),
    mix32(seed[3] ^ mix32(k + stream)),
  );
}

/**
 * A keyed pseudo-random permutation of [0, size): a 4-round Feistel network on the smallest even
 * number of bits that covers `size`, with cycle walking. Used where values must be unique (NIR
 * order numbers, hospital numbers) yet look random, without remembering what was already issued.
 */
export class Permutation {
  private readonly half: number;
  private readonly mask: number;
  private readonly keys: readonly number[];

  constructor(
    readonly size: number,
    seed: SeedWords,
    tweak: number,
  ) {
    if (!Number.isSafeInteger(size) || size < 2 || size > 2 ** 30) {
      throw new Error(`permutation size ${size} must be an integer in [2, 2^30]`);
    }
    let bits = 2;
    while (2 ** bits < size) {
      bits += 2;
    }
    this.half = bits / 2;
    this.mask = 2 ** this.half - 1;
    this.keys = [0, 1, 2, 3].map((r) => mix32(seed[r]! ^ mix32(tweak + Math.imul(r + 1, 0x27d4eb2f))));
  }

  apply(x: number): number {
    if (!(x >= 0 && x < this.size)) {
      throw new Error(`value ${x} outside the permutation domain`);
    }
    let v = x;
    do {
      let l = v >>> this.half;
      let r = v & this.mask;
      for (const key of this.keys) {
        const f = mix32(r ^ key) & this.mask;
        const nl = r;
        r = l ^ f;
        l = nl;
      }
      v = l * 2 ** this.half + r;
    } while (v >= this.size);
    return v;
  }
}
