import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { DEFAULT_CHUNK_SIZE } from './constants.js';
import { createResealStream, createSealStream, parseSealedHeader } from './index.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes, pieces, sealBytes } from './testing.js';

const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });

/** Seals `plain` again under `header`, fed in pieces of up to `maxPiece` bytes. */
async function reseal(
  header: Uint8Array,
  plain: Uint8Array,
  parallelRecords: number | undefined,
  maxPiece: number,
) {
  const s = await createResealStream({
    header,
    resolveKey,
    ...TEST_IDENTITY,
    ...(parallelRecords !== undefined ? { parallelRecords } : {}),
  });
  const [sealed] = await Promise.all([
    readAll(s.stream),
    pipeline(Readable.from(pieces(plain, maxPiece)), s.stream),
  ]);
  return { sealed, result: await s.result };
}

const headerOf = (sealed: Buffer): Buffer => sealed.subarray(0, parseSealedHeader(sealed).headerBytes);

describe('sealing records in the thread pool (parallelRecords)', () => {
  const cases = [
    { chunkSize: 1000, size: 0 },
    { chunkSize: 1000, size: 999 },
    { chunkSize: 1000, size: 7 * 1000 },
    { chunkSize: 1000, size: 23 * 1000 + 17 },
    { chunkSize: DEFAULT_CHUNK_SIZE, size: 5 * DEFAULT_CHUNK_SIZE + 12_345 },
  ];
  for (const { chunkSize, size } of cases) {
    it(`writes the same bytes as the main-thread cipher: ${size} bytes in chunks of ${chunkSize}`, async () => {
      const plain = randomBytes(size);
      const serial = await sealBytes(plain, { datasetKey, chunkSize });
      for (const parallel of [1, 3, 8]) {
        // Pieces smaller and larger than a chunk: records gather across pieces and several
        // records start from one piece.
        for (const maxPiece of [700, 3 * chunkSize]) {
          const again = await reseal(headerOf(serial.sealed), plain, parallel, maxPiece);
          expect(again.sealed.equals(serial.sealed)).toBe(true);
          expect(again.result).toEqual(serial.result);
        }
      }
      const opened = await openBytes(serial.sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
      expect(opened.plain.equals(plain)).toBe(true);
    });
  }

  it('seals under fresh keys an object that opens, and that the main-thread cipher reproduces', async () => {
    const plain = randomBytes(9 * 1000 + 1);
    const parallel = await sealBytes(plain, { datasetKey, chunkSize: 1000, parallelRecords: 4 }, 2500);
    const opened = await openBytes(parallel.sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
    expect(opened.plain.equals(plain)).toBe(true);
    expect(opened.result.plainSha256).toBe(parallel.result.plainSha256);
    const serial = await reseal(headerOf(parallel.sealed), plain, undefined, 4096);
    expect(serial.sealed.equals(parallel.sealed)).toBe(true);
    expect(parallel.result.sealedSize).toBe(parallel.sealed.length);
  });

  it('refuses a number of records in flight out of range', () => {
    for (const parallelRecords of [0, 1.5, 65]) {
      expect(() => createSealStream({ ...TEST_IDENTITY, datasetKey, parallelRecords })).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID' }),
      );
    }
  });

  it('rejects its result when aborted with records in flight', async () => {
    const controller = new AbortController();
    const s = createSealStream({ ...TEST_IDENTITY, datasetKey, chunkSize: 1000, parallelRecords: 8 });
    s.result.catch(() => undefined);
    const source = Readable.from(
      (async function* () {
        yield randomBytes(5000);
        controller.abort();
        yield randomBytes(5000);
      })(),
    );
    const sink = readAll(s.stream);
    sink.catch(() => undefined);
    await expect(pipeline(source, s.stream, { signal: controller.signal })).rejects.toThrow();
    await expect(s.result).rejects.toBeDefined();
  });
});
