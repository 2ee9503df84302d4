import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, SEALED_MAGIC } from './constants.js';
import {
  isSealed,
  parseSealedHeader,
  readSealedHeader,
  sealedHeaderLength,
  sealedHeaderSize,
} from './index.js';
import { TEST_IDENTITY, newDatasetKey, pieces, sealBytes } from './testing.js';

describe('reading headers without a key', async () => {
  const datasetKey = newDatasetKey();
  const { sealed } = await sealBytes(randomBytes(3000), { datasetKey, chunkSize: 1024 });
  const expected = {
    ...TEST_IDENTITY,
    formatVersion: 1,
    algorithm: 'AES-256-GCM',
    chunkSize: 1024,
    headerBytes: sealedHeaderSize(TEST_IDENTITY),
  };

  it('sniffs the magic', () => {
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(sealed.subarray(0, 8))).toBe(true);
    expect(isSealed(sealed.subarray(0, 7))).toBe(false);
    expect(isSealed(Buffer.from('PAR1....'))).toBe(false);
    expect(isSealed(Buffer.from(SEALED_MAGIC).fill(0, 7))).toBe(false);
  });

  it('parses the header from the first bytes of the object', () => {
    expect(parseSealedHeader(sealed.subarray(0, MAX_HEADER_BYTES))).toEqual(expected);
    expect(sealedHeaderLength(sealed.subarray(0, 16))).toBe(expected.headerBytes);
    expect(sealedHeaderLength(sealed.subarray(0, 15))).toBeUndefined();
  });

  it('reads a header from a stream, consuming no more than it needs', async () => {
    const source = Readable.from(pieces(sealed, 10));
    expect(await readSealedHeader(source)).toEqual(expected);
    expect(source.destroyed).toBe(true);
  });

  it('names what is wrong with bytes that hold no complete header', async () => {
    expect(() => parseSealedHeader(sealed.subarray(0, 40))).toThrow(/truncated/);
    expect(() => parseSealedHeader(sealed.subarray(0, 40))).toThrow(
      expect.objectContaining({ code: 'CRYPTO_TAMPERED' }),
    );
    expect(() => parseSealedHeader(Buffer.from('{"resourceType":"Patient"}'))).toThrow(
      expect.objectContaining({ code: 'CRYPTO_NOT_SEALED' }),
    );
    await expect(readSealedHeader(Readable.from([]))).rejects.toMatchObject({ code: 'CRYPTO_NOT_SEALED' });
    await expect(readSealedHeader(Readable.from([sealed.subarray(0, 50)]))).rejects.toMatchObject({
      code: 'CRYPTO_TAMPERED',
    });
  });

  it('refuses a header length no version-1 header has', () => {
    const altered = Buffer.from(sealed);
    altered.writeUInt32BE(MAX_HEADER_BYTES + 1, 12);
    expect(() => parseSealedHeader(altered)).toThrow(expect.objectContaining({ code: 'CRYPTO_TAMPERED' }));
    const flagged = Buffer.from(sealed);
    flagged.writeUInt16BE(1, 10);
    expect(() => parseSealedHeader(flagged)).toThrow(
      expect.objectContaining({ code: 'CRYPTO_UNSUPPORTED_FORMAT' }),
    );
    const suite = Buffer.from(sealed);
    suite[9] = 9;
    expect(() => parseSealedHeader(suite)).toThrow(
      expect.objectContaining({ code: 'CRYPTO_UNSUPPORTED_FORMAT' }),
    );
    expect(() => parseSealedHeader(suite)).toThrow(/suite 9/);
  });
});
