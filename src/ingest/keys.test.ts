import { describe, expect, it } from 'vitest';
import { LruCache, PseudonymKeys } from './keys.js';
import { SipHash128 } from './siphash.js';
import { localHmac } from './testing/harness.js';

describe('SipHash-2-4-128', () => {
  it('matches the reference vectors (key 00..0f, messages 00..n-1)', () => {
    const sip = new SipHash128(Uint8Array.from({ length: 16 }, (_, i) => i));
    const message = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);
    expect(sip.hex(message(0))).toBe('a3817f04ba25a8e66df67214c7550293');
    expect(sip.hex(message(1))).toBe('da87c1d86b99af44347659119b22fc45');
    expect(sip.hexOfString('\u0000')).toBe(sip.hex(message(1)));
    // Messages crossing 8-byte blocks give distinct tags.
    const tags = new Set(Array.from({ length: 40 }, (_, n) => sip.hex(message(n))));
    expect(tags.size).toBe(40);
  });
});

describe('pseudonym keys', () => {
  it('derive the same values from the same key, unrelated ones from another', async () => {
    const a = await PseudonymKeys.create(localHmac('one'), 'pseudonym');
    const a2 = await PseudonymKeys.create(localHmac('one'), 'pseudonym');
    const b = await PseudonymKeys.create(localHmac('two'), 'pseudonym');
    expect(await a.person('260058815400233', 'nir')).toBe(await a2.person('260058815400233', 'nir'));
    expect(await a.person('260058815400233', 'nir')).not.toBe(await b.person('260058815400233', 'nir'));
    expect(await a.person('260058815400233', 'nir')).not.toBe(await a.person('260058815400233', 'local'));
    expect(a.token('resource', 'Encounter/1')).toBe(a2.token('resource', 'Encounter/1'));
    expect(a.token('resource', 'Encounter/1')).not.toBe(b.token('resource', 'Encounter/1'));
    expect(a.token('resource', 'Encounter/1')).not.toBe(a.token('value', 'Encounter/1'));
    expect(a.token('resource', 'Encounter/1')).toMatch(/^[0-9a-f]{32}$/);
    expect(a.tokenUuid('resource', 'urn:uuid:x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('ask the provider once per person, then answer from the cache', async () => {
    const hmac = localHmac('one');
    const keys = await PseudonymKeys.create(hmac, 'pseudonym', 10);
    const before = hmac.calls;
    for (let i = 0; i < 5; i++) {
      await keys.person('185057512345673', 'nir');
    }
    expect(hmac.calls - before).toBe(1);
    expect(keys.cachedPerson('185057512345673', 'nir')).toBe(await keys.person('185057512345673', 'nir'));
  });

  it('shift dates by a non-zero offset within the range, the same for a person', async () => {
    const keys = await PseudonymKeys.create(localHmac('one'), 'pseudonym');
    const offsets = Array.from({ length: 200 }, (_, i) => keys.dateShiftDays(`person-${i}`, 5));
    for (const d of offsets) {
      expect(d !== 0 && Math.abs(d) <= 5).toBe(true);
    }
    expect(new Set(offsets).size).toBe(10);
    expect(keys.dateShiftDays('person-1', 5)).toBe(offsets[1]);
  });
});

describe('the bounded cache', () => {
  it('never holds more than its capacity and keeps recently used entries', () => {
    const cache = new LruCache<number, number>(10);
    for (let i = 0; i < 100; i++) {
      cache.set(i, i);
      expect(cache.get(0) ?? 0).toBe(0);
      if (i === 0) {
        cache.set(0, 0);
      }
      expect(cache.size).toBeLessThanOrEqual(10);
    }
    expect(cache.get(0)).toBe(0);
    expect(cache.get(50)).toBeUndefined();
    expect(cache.get(99)).toBe(99);
  });
});
