import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { createResealStream, parseSealedHeader } from './index.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes, sealBytes } from './testing.js';

const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });

async function reseal(
  header: Uint8Array,
  plain: Uint8Array,
  identity: { objectId: string; dataset: string; dataClass: string } = TEST_IDENTITY,
  resolve = resolveKey,
) {
  const s = await createResealStream({ header, resolveKey: resolve, ...identity });
  s.stream.end(plain);
  const sealed = await readAll(s.stream);
  return { sealed, result: await s.result };
}

describe('sealing again under an earlier header', () => {
  it('yields the same bytes for the same plaintext, and an object that opens', async () => {
    const plain = randomBytes(3 * 1000 + 17);
    const first = await sealBytes(plain, { datasetKey, chunkSize: 1000 });
    const header = first.sealed.subarray(0, parseSealedHeader(first.sealed).headerBytes);
    const again = await reseal(header, plain);
    expect(again.sealed.equals(first.sealed)).toBe(true);
    expect(again.result).toEqual(first.result);
    const opened = await openBytes(again.sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
    expect(opened.plain.equals(plain)).toBe(true);
  });

  it('refuses a header of another object, a wrong dataset key, and an altered header', async () => {
    const first = await sealBytes(randomBytes(10), { datasetKey });
    const header = Buffer.from(first.sealed.subarray(0, parseSealedHeader(first.sealed).headerBytes));
    await expect(
      reseal(header, Buffer.alloc(1), { ...TEST_IDENTITY, objectId: 'obj/other' }),
    ).rejects.toMatchObject({ code: 'CRYPTO_OBJECT_MISMATCH' });
    const wrong = keyResolver({ [TEST_IDENTITY.keyId]: newDatasetKey() });
    await expect(reseal(header, Buffer.alloc(1), TEST_IDENTITY, wrong)).rejects.toMatchObject({
      code: 'CRYPTO_WRONG_KEY',
    });
    header[header.length - 1]! ^= 1;
    await expect(reseal(header, Buffer.alloc(1))).rejects.toMatchObject({ code: 'CRYPTO_TAMPERED' });
  });
});
