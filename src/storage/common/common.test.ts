import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isHdhError } from '../../core/index.js';
import { chunkBody } from './bodies.js';
import { checkKey, compareKeys } from './keys.js';
import { checkMetadata } from './metadata.js';
import { fitPartSize, growingPartSizes } from './part-size.js';
import { resolveRange } from './ranges.js';

const MiB = 1024 * 1024;
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isHdhError(err) ? err.code : 'not an HdhError';
  }
};

describe('key order', () => {
  it('matches UTF-8 byte order, also around surrogate pairs', () => {
    const alphabet = ['a', 'z', '/', '-', 'é', '\u20ac', '\ue000', '\uffff', '\ufffd', '😀', '𝄞', '\u0080'];
    for (let i = 0; i < 2000; i++) {
      const word = (): string =>
        Array.from({ length: randomInt(0, 5) }, () => alphabet[randomInt(alphabet.length)]).join('');
      const a = word();
      const b = word();
      expect(Math.sign(compareKeys(a, b)), `${a} vs ${b}`).toBe(
        Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))),
      );
    }
  });
});

describe('key rules', () => {
  it('refuses control characters, lone surrogates, dot segments and keys over the limit', () => {
    for (const key of [
      'a\u0000b',
      'tab\there',
      'del\u007f',
      'lone\ud800',
      'lone\udc00x',
      'a/../b',
      './a',
      '',
    ]) {
      expect(
        codeOf(() => {
          checkKey(key, 1024, 's');
        }),
        JSON.stringify(key),
      ).toBe('STORAGE_KEY_INVALID');
    }
    expect(
      codeOf(() => {
        checkKey('é'.repeat(513), 1024, 's');
      }),
    ).toBe('STORAGE_KEY_INVALID');
    for (const key of ['a/b.c', '..a/b..', 'emoji 😀', 'é'.repeat(512), 'a//b', '/lead']) {
      expect(
        codeOf(() => {
          checkKey(key, 1024, 's');
        }),
        key,
      ).toBeUndefined();
    }
  });

  it('keeps metadata portable across S3 and Azure', () => {
    expect(
      codeOf(() => {
        checkMetadata({ sha256: 'ab', data_set: 'x', _x: 'y' }, 's', 'k');
      }),
    ).toBeUndefined();
    const invalid: Record<string, string>[] = [
      { '1st': 'x' },
      { a: 'x'.repeat(2048) },
      { a: 'line\nbreak' },
      { a: 'tab\t' },
    ];
    for (const bad of invalid) {
      expect(
        codeOf(() => {
          checkMetadata(bad, 's', 'k');
        }),
      ).toBe('STORAGE_METADATA_INVALID');
    }
  });
});

describe('ranges', () => {
  it('clamps ends, reads nothing at the end and refuses a start past it', () => {
    expect(resolveRange({ start: 2, end: 100 }, 10, 'x')).toEqual({ start: 2, end: 10 });
    expect(resolveRange({ start: -3 }, 10, 'x')).toEqual({ start: 7, end: 10 });
    expect(resolveRange({ start: -30 }, 10, 'x')).toEqual({ start: 0, end: 10 });
    expect(resolveRange({ start: 10 }, 10, 'x')).toEqual({ start: 10, end: 10 });
    expect(codeOf(() => resolveRange({ start: 11 }, 10, 'x'))).toBe('STORAGE_RANGE_INVALID');
    expect(codeOf(() => resolveRange({ start: -3, end: 5 }, 10, 'x'))).toBe('STORAGE_RANGE_INVALID');
    expect(codeOf(() => resolveRange({ start: 1.5 }, 10, 'x'))).toBe('STORAGE_RANGE_INVALID');
  });
});

describe('part sizes', () => {
  it('fits the provider part limit', () => {
    expect(fitPartSize(100 * MiB, { maxParts: 10_000, minPartBytes: 5 * MiB })).toBe(8 * MiB);
    const scaleway = fitPartSize(1024 ** 4, { maxParts: 1000, minPartBytes: 5 * MiB });
    expect(scaleway * 1000).toBeGreaterThanOrEqual(1024 ** 4);
    expect(scaleway % MiB).toBe(0);
    expect(codeOf(() => fitPartSize(6 * 1024 ** 4, { maxParts: 1000, minPartBytes: 5 * MiB }))).toBe(
      'STORAGE_TOO_LARGE',
    );
  });

  it('grows the parts of bodies of unknown size enough to reach terabytes within the limit', () => {
    for (const maxParts of [1000, 10_000]) {
      const size = growingPartSizes({ maxParts, minPartBytes: 5 * MiB });
      let total = 0;
      for (let i = 0; i < maxParts; i++) {
        total += size(i);
      }
      expect(size(0)).toBe(8 * MiB);
      expect(total).toBeGreaterThan(1024 ** 4);
    }
  });
});

describe('chunkBody', () => {
  const parts = async (chunks: Buffer[], partSize: number) => {
    const out = [];
    for await (const p of chunkBody(chunks, { partSize: () => partSize, maxBytes: 1e9, what: 'test' })) {
      out.push([p.data.length, p.last]);
    }
    return out;
  };

  it('knows which part is the last, exactly', async () => {
    expect(await parts([], 4)).toEqual([[0, true]]);
    expect(await parts([Buffer.alloc(3)], 4)).toEqual([[3, true]]);
    expect(await parts([Buffer.alloc(4)], 4)).toEqual([[4, true]]);
    expect(await parts([Buffer.alloc(4), Buffer.alloc(1)], 4)).toEqual([
      [4, false],
      [1, true],
    ]);
    expect(await parts([Buffer.alloc(10)], 4)).toEqual([
      [4, false],
      [4, false],
      [2, true],
    ]);
  });

  it('checks the announced size and the store limit as bytes arrive', async () => {
    const run = async (options: { expectedSize?: number; maxBytes: number }) => {
      try {
        let n = 0;
        for await (const p of chunkBody([Buffer.alloc(10)], { partSize: () => 4, what: 't', ...options })) {
          n += p.data.length;
        }
        return n === 10 ? 'ok' : 'short';
      } catch (err) {
        return isHdhError(err) ? err.code : 'other';
      }
    };
    expect(await run({ expectedSize: 9, maxBytes: 100 })).toBe('STORAGE_SIZE_MISMATCH');
    expect(await run({ expectedSize: 11, maxBytes: 100 })).toBe('STORAGE_SIZE_MISMATCH');
    expect(await run({ maxBytes: 9 })).toBe('STORAGE_TOO_LARGE');
    expect(await run({ expectedSize: 10, maxBytes: 10 })).toBe('ok');
  });
});
