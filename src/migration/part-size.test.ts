import { describe, expect, it } from 'vitest';
import { partCount, partSizeFor } from './part-size.js';

const MIB = 1024 ** 2;

describe('part size', () => {
  it('fits a 5 TB object into Scaleway’s 1,000 parts and OVHcloud’s 10,000', () => {
    const size = 5 * 1000 ** 4;
    const scaleway = partSizeFor(size, { maxParts: 1000, minPartBytes: 5 * MIB });
    expect(partCount(size, scaleway)).toBeLessThanOrEqual(1000);
    expect(scaleway % MIB).toBe(0);
    const ovh = partSizeFor(size, { maxParts: 10_000, minPartBytes: 5 * MIB });
    expect(partCount(size, ovh)).toBeLessThanOrEqual(10_000);
    expect(ovh).toBeLessThan(scaleway);
  });

  it('never goes below the provider minimum nor the preferred size', () => {
    expect(partSizeFor(100 * MIB, { maxParts: 10_000, minPartBytes: 5 * MIB })).toBe(16 * MIB);
    expect(partSizeFor(100 * MIB, { maxParts: 10_000, minPartBytes: 32 * MIB })).toBe(32 * MIB);
    expect(partSizeFor(100 * MIB, { maxParts: 10_000, minPartBytes: 0 }, 5 * MIB)).toBe(5 * MIB);
  });
});
