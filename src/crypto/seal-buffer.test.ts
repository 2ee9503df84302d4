import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { createBufferSealer, createResealStream, parseSealedHeader, sealedSizeFor } from './index.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes } from './testing.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });
const sealer = createBufferSealer(TEST_IDENTITY.keyId, datasetKey);

describe.each([256, 1000, 256 * 1024])('sealing a buffer in one call, chunk size %i', (chunkSize) => {
  it.each([0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize + 17])(
    '%i bytes: the stream format exactly, opened and checked',
    async (size) => {
      const plain = randomBytes(size);
      const { sealed, result } = sealer.seal(TEST_IDENTITY, plain, { chunkSize });
      expect(sealed.length).toBe(sealedSizeFor(size, { ...TEST_IDENTITY, chunkSize }));
      expect(result).toEqual({
        objectId: TEST_IDENTITY.objectId,
        keyId: TEST_IDENTITY.keyId,
        plainSize: size,
        plainSha256: sha256(plain),
        sealedSize: sealed.length,
        sealedSha256: sha256(sealed),
      });
      const opened = await openBytes(sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
      expect(opened.plain.equals(plain)).toBe(true);
      // The seal stream, under the same header, emits the very same bytes.
      const header = sealed.subarray(0, parseSealedHeader(sealed).headerBytes);
      const again = await createResealStream({ header, resolveKey, ...TEST_IDENTITY });
      again.stream.end(plain);
      expect((await readAll(again.stream)).equals(sealed)).toBe(true);
    },
  );

  it('uses a fresh data key per object', () => {
    const plain = randomBytes(100);
    const a = sealer.seal(TEST_IDENTITY, plain, { chunkSize });
    const b = sealer.seal(TEST_IDENTITY, plain, { chunkSize });
    expect(a.sealed.equals(b.sealed)).toBe(false);
    expect(a.result.plainSha256).toBe(b.result.plainSha256);
  });
});
