import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { HdhError } from '../core/index.js';
import { TAG_BYTES, TRAILER_BYTES } from './constants.js';
import { parseSealedHeader } from './header.js';
import { openRange, type OpenRangeParams } from './open-range.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, pieces, sealBytes } from './testing.js';

const CHUNK = 256;
const RECORD = CHUNK + TAG_BYTES;
const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });

/** A store stand-in over a buffer that records every sealed range read. */
function reader(sealed: Buffer): { readSealed: OpenRangeParams['readSealed']; reads: [number, number][] } {
  const reads: [number, number][] = [];
  return {
    reads,
    readSealed: (start, end) => {
      reads.push([start, end]);
      return Promise.resolve(Readable.from(pieces(sealed.subarray(start, end), 100)));
    },
  };
}

async function readRange(
  sealed: Buffer,
  range: { start: number; end?: number },
  extra: Partial<OpenRangeParams> = {},
): Promise<{ bytes: Buffer; reads: [number, number][]; plainSize: number }> {
  const { readSealed, reads } = reader(sealed);
  const opened = await openRange({ readSealed, sealedSize: sealed.length, range, resolveKey, ...extra });
  const parts: Buffer[] = [];
  for await (const part of opened.stream) {
    parts.push(part as Buffer);
  }
  return { bytes: Buffer.concat(parts), reads, plainSize: opened.plainSize };
}

const codeOf = (err: unknown): string | undefined => (err instanceof HdhError ? err.code : undefined);

describe('ranged reads', async () => {
  const plain = randomBytes(5 * CHUNK + 100);
  const { sealed, result } = await sealBytes(plain, { datasetKey, chunkSize: CHUNK });
  const headerBytes = parseSealedHeader(sealed).headerBytes;

  const ranges: [number, number | undefined][] = [
    [0, undefined],
    [0, 1],
    [CHUNK - 1, CHUNK],
    [CHUNK, CHUNK + 1],
    [CHUNK - 1, CHUNK + 1],
    [CHUNK, 2 * CHUNK],
    [3 * CHUNK + 7, 5 * CHUNK + 3],
    [5 * CHUNK, undefined],
    [plain.length - 1, plain.length],
    [100, 1200],
  ];
  it.each(ranges)('returns exactly bytes %i..%s', async (start, end) => {
    const { bytes, plainSize } = await readRange(sealed, end === undefined ? { start } : { start, end });
    expect(bytes.equals(plain.subarray(start, end))).toBe(true);
    expect(plainSize).toBe(plain.length);
  });

  it('reads and decrypts only the chunks the range touches (plus header and trailer)', async () => {
    const { reads } = await readRange(sealed, { start: 2 * CHUNK + 10, end: 3 * CHUNK + 1 });
    expect(reads).toContainEqual([sealed.length - TRAILER_BYTES, sealed.length]);
    expect(reads).toContainEqual([0, Math.min(sealed.length, 4096)]);
    expect(reads).toContainEqual([headerBytes + 2 * RECORD, headerBytes + 4 * RECORD]);
    expect(reads).toHaveLength(3);
  });

  it('returns an empty range without reading any chunk', async () => {
    for (const start of [0, CHUNK, plain.length]) {
      const { bytes, reads } = await readRange(sealed, { start, end: start });
      expect(bytes.length).toBe(0);
      expect(reads).toHaveLength(2);
    }
  });

  it('gives the plaintext digest and header from the authenticated trailer and header', async () => {
    const { readSealed } = reader(sealed);
    const opened = await openRange({
      readSealed,
      sealedSize: sealed.length,
      range: { start: 0, end: 0 },
      resolveKey,
    });
    expect(opened.plainSha256).toBe(result.plainSha256);
    expect(opened.header.objectId).toBe(TEST_IDENTITY.objectId);
  });

  it('refuses a range past the end with CRYPTO_RANGE_NOT_SATISFIABLE naming the size', async () => {
    for (const range of [
      { start: plain.length + 1 },
      { start: 0, end: plain.length + 1 },
      { start: 10, end: 5 },
      { start: -1, end: 5 },
    ]) {
      const failure = readRange(sealed, range);
      await expect(failure).rejects.toMatchObject({ code: 'CRYPTO_RANGE_NOT_SATISFIABLE' });
      await expect(failure).rejects.toThrow(String(plain.length));
    }
  });

  it('refuses a truncated or extended object even when the range is untouched', async () => {
    for (const cut of [1, TRAILER_BYTES, RECORD, RECORD + TRAILER_BYTES, 100 + TAG_BYTES + TRAILER_BYTES]) {
      const failure = readRange(sealed.subarray(0, sealed.length - cut), { start: 0, end: 10 });
      await expect(failure).rejects.toMatchObject({ code: 'CRYPTO_TAMPERED' });
    }
    for (const extra of [1, 17, RECORD]) {
      const failure = readRange(Buffer.concat([sealed, randomBytes(extra)]), { start: 0, end: 10 });
      await expect(failure).rejects.toMatchObject({ code: 'CRYPTO_TAMPERED' });
    }
  });

  it('errors the stream when a chunk in the range does not authenticate, before emitting it', async () => {
    const altered = Buffer.from(sealed);
    altered[headerBytes + 2 * RECORD + 5]! ^= 0x10;
    const { readSealed } = reader(altered);
    const opened = await openRange({
      readSealed,
      sealedSize: altered.length,
      range: { start: CHUNK + 1, end: 3 * CHUNK },
      resolveKey,
    });
    // Listen to 'data' rather than iterate: an iterator may drop what was buffered when it throws.
    const parts: Buffer[] = [];
    opened.stream.on('data', (part: Buffer) => parts.push(part));
    const error = await new Promise<Error>((resolve) => opened.stream.on('error', resolve));
    expect(codeOf(error)).toBe('CRYPTO_TAMPERED');
    expect(error.message).toContain('chunk 2');
    expect(Buffer.concat(parts).equals(plain.subarray(CHUNK + 1, 2 * CHUNK))).toBe(true);
  });

  it('errors when the store returns fewer bytes than the range needs', async () => {
    const opened = await openRange({
      readSealed: (start, end) =>
        Promise.resolve(
          Readable.from([sealed.subarray(start, start === headerBytes ? headerBytes + RECORD + 10 : end)]),
        ),
      sealedSize: sealed.length,
      range: { start: 0, end: 2 * CHUNK },
      resolveKey,
    });
    opened.stream.resume();
    await expect(finished(opened.stream)).rejects.toMatchObject({ code: 'CRYPTO_TAMPERED' });
  });

  it('refuses a wrong key, another object and a tampered header', async () => {
    await expect(
      readRange(
        sealed,
        { start: 0 },
        { resolveKey: keyResolver({ [TEST_IDENTITY.keyId]: newDatasetKey() }) },
      ),
    ).rejects.toMatchObject({ code: 'CRYPTO_WRONG_KEY' });
    await expect(readRange(sealed, { start: 0 }, { expectedObjectId: 'obj/other' })).rejects.toMatchObject({
      code: 'CRYPTO_OBJECT_MISMATCH',
    });
    const altered = Buffer.from(sealed);
    altered[headerBytes - 40]! ^= 1;
    await expect(readRange(altered, { start: 0 })).rejects.toMatchObject({ code: 'CRYPTO_TAMPERED' });
    await expect(readRange(randomBytes(500), { start: 0 })).rejects.toMatchObject({
      code: 'CRYPTO_NOT_SEALED',
    });
    expect(codeOf(await readRange(Buffer.alloc(0), { start: 0 }).catch((e: unknown) => e))).toBe(
      'CRYPTO_NOT_SEALED',
    );
  });

  it('reads ranges of an empty object and of a one-byte object', async () => {
    const empty = await sealBytes(Buffer.alloc(0), { datasetKey, chunkSize: CHUNK });
    expect((await readRange(empty.sealed, { start: 0 })).bytes.length).toBe(0);
    await expect(readRange(empty.sealed, { start: 0, end: 1 })).rejects.toMatchObject({
      code: 'CRYPTO_RANGE_NOT_SATISFIABLE',
    });
    const one = await sealBytes(Buffer.from('x'), { datasetKey, chunkSize: CHUNK });
    expect((await readRange(one.sealed, { start: 0, end: 1 })).bytes.toString()).toBe('x');
  });

  it('reads a header longer than the first fetch', async () => {
    const identity = {
      ...TEST_IDENTITY,
      dataset: 'd'.repeat(1024),
      dataClass: 'c'.repeat(1024),
      objectId: 'o'.repeat(1024),
    };
    const resolve = keyResolver({ [identity.keyId]: datasetKey });
    const long = await sealBytes(plain, { ...identity, datasetKey, chunkSize: CHUNK });
    expect(parseSealedHeader(long.sealed).headerBytes).toBeGreaterThan(3000);
    const { bytes } = await readRange(long.sealed, { start: 1000, end: 1300 }, { resolveKey: resolve });
    expect(bytes.equals(plain.subarray(1000, 1300))).toBe(true);
  });
});
