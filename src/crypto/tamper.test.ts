import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HdhError } from '../core/index.js';
import {
  HEADER_PREFIX_BYTES,
  KEY_CHECK_BYTES,
  NONCE_BYTES,
  KEY_BYTES,
  TAG_BYTES,
  TRAILER_BYTES,
} from './constants.js';
import { parseSealedHeader } from './header.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes, openFailure, sealBytes } from './testing.js';

const CHUNK = 256;
const RECORD = CHUNK + TAG_BYTES;
const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });
const open = { resolveKey, expectedObjectId: TEST_IDENTITY.objectId };

/** 700 bytes: chunks of 256, 256 and 188 bytes, then the trailer. */
async function sample(size = 700): Promise<{ plain: Buffer; sealed: Buffer; headerBytes: number }> {
  const plain = randomBytes(size);
  const { sealed } = await sealBytes(plain, { datasetKey, chunkSize: CHUNK });
  return { plain, sealed, headerBytes: parseSealedHeader(sealed).headerBytes };
}

const codeOf = (err: unknown): string | undefined => (err instanceof HdhError ? err.code : undefined);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Which code a flipped bit at `offset` must produce. */
function expectedCode(offset: number, bit: number, headerBytes: number, sealedLength: number): string {
  const keyCheckStart = headerBytes - (KEY_CHECK_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES);
  if (offset < 8) {
    return 'CRYPTO_NOT_SEALED';
  }
  if (offset < 12) {
    return 'CRYPTO_UNSUPPORTED_FORMAT';
  }
  // A changed (ASCII) key id names a key the key service does not have, and its error passes
  // through; flipping the top bit makes it invalid UTF-8, refused before any key is asked for.
  const keyIdStart = HEADER_PREFIX_BYTES + 4 + 2;
  if (offset >= keyIdStart && offset < keyIdStart + Buffer.byteLength(TEST_IDENTITY.keyId)) {
    return bit === 7 ? 'CRYPTO_TAMPERED' : 'KMS_KEY_NOT_FOUND';
  }
  if (offset >= keyCheckStart && offset < keyCheckStart + KEY_CHECK_BYTES) {
    return 'CRYPTO_WRONG_KEY';
  }
  expect(offset).toBeLessThan(sealedLength);
  return 'CRYPTO_TAMPERED';
}

describe('tampering is refused', () => {
  it('refuses a flipped bit at any offset, with the code that region implies', async () => {
    const { sealed, headerBytes } = await sample();
    for (let offset = 0; offset < sealed.length; offset++) {
      const bits = offset < headerBytes + HEADER_PREFIX_BYTES ? [0, 1, 2, 3, 4, 5, 6, 7] : [offset % 8];
      for (const bit of bits) {
        const altered = Buffer.from(sealed);
        altered[offset]! ^= 1 << bit;
        const { error, resultError } = await openFailure(altered, open, 300);
        const expected = expectedCode(offset, bit, headerBytes, sealed.length);
        expect({ offset, bit, code: codeOf(error) }).toEqual({ offset, bit, code: expected });
        expect(codeOf(resultError)).toBe(expected);
      }
    }
  });

  it('emits no plaintext of a chunk that does not authenticate', async () => {
    const { plain, sealed, headerBytes } = await sample();
    const inFirst = Buffer.from(sealed);
    inFirst[headerBytes + 10]! ^= 0x40;
    const first = await openFailure(inFirst, open, 1000);
    expect(first.emitted.length).toBe(0);
    expect(messageOf(first.error)).toContain('chunk 0');

    const inSecond = Buffer.from(sealed);
    inSecond[headerBytes + RECORD + CHUNK + 3]! ^= 0x01; // a byte of chunk 1's tag
    const second = await openFailure(inSecond, open, 1000);
    expect(second.emitted.equals(plain.subarray(0, CHUNK))).toBe(true);
    expect(messageOf(second.error)).toContain('chunk 1');
  });

  it('refuses every truncation, emitting only whole authenticated chunks', async () => {
    const { plain, sealed } = await sample();
    for (let length = 0; length < sealed.length; length++) {
      const { error, emitted } = await openFailure(sealed.subarray(0, length), open, 200);
      expect({ length, code: codeOf(error) }).toEqual({
        length,
        code: length === 0 ? 'CRYPTO_NOT_SEALED' : 'CRYPTO_TAMPERED',
      });
      expect(emitted.length % CHUNK === 0 || emitted.length === plain.length).toBe(true);
      expect(emitted.equals(plain.subarray(0, emitted.length))).toBe(true);
    }
  });

  it('names a cut at a chunk boundary: the trailer is missing', async () => {
    const { sealed, headerBytes } = await sample(3 * CHUNK);
    for (const chunks of [0, 1, 2, 3]) {
      const { error } = await openFailure(sealed.subarray(0, headerBytes + chunks * RECORD), open);
      expect(codeOf(error)).toBe('CRYPTO_TAMPERED');
      expect(messageOf(error)).toMatch(/truncated/);
    }
    const { error } = await openFailure(sealed.subarray(0, sealed.length - TRAILER_BYTES), open);
    expect(messageOf(error)).toContain('truncated after chunk 2');
  });

  it('refuses reordered, duplicated and dropped chunks', async () => {
    const { sealed, headerBytes } = await sample(4 * CHUNK);
    const header = sealed.subarray(0, headerBytes);
    const record = (i: number): Buffer =>
      sealed.subarray(headerBytes + i * RECORD, headerBytes + (i + 1) * RECORD);
    const trailer = sealed.subarray(sealed.length - TRAILER_BYTES);
    const variants = {
      swapped: [record(1), record(0), record(2), record(3)],
      duplicated: [record(0), record(0), record(2), record(3)],
      dropped: [record(0), record(2), record(3)],
      lastTwoSwapped: [record(0), record(1), record(3), record(2)],
    };
    for (const [name, records] of Object.entries(variants)) {
      const { error } = await openFailure(Buffer.concat([header, ...records, trailer]), open);
      expect({ name, code: codeOf(error) }).toEqual({ name, code: 'CRYPTO_TAMPERED' });
    }
    const { error } = await openFailure(Buffer.concat([header, ...variants.swapped, trailer]), open);
    expect(messageOf(error)).toContain('chunk 0');
  });

  it('refuses chunks or a header spliced from another object sealed under the same dataset key', async () => {
    const a = await sample(3 * CHUNK);
    const b = await sample(3 * CHUNK);
    const spliced = Buffer.from(a.sealed);
    b.sealed.copy(spliced, a.headerBytes + RECORD, b.headerBytes + RECORD, b.headerBytes + 2 * RECORD);
    expect(messageOf((await openFailure(spliced, open)).error)).toContain('chunk 1');
    const otherHeader = Buffer.concat([
      b.sealed.subarray(0, b.headerBytes),
      a.sealed.subarray(a.headerBytes),
    ]);
    const { error } = await openFailure(otherHeader, open);
    expect(codeOf(error)).toBe('CRYPTO_TAMPERED');
    expect(messageOf(error)).toContain('chunk 0');
  });

  it('refuses an object renamed or swapped with another: CRYPTO_OBJECT_MISMATCH', async () => {
    const plain = randomBytes(500);
    const other = await sealBytes(plain, { datasetKey, objectId: 'obj/other', chunkSize: CHUNK });
    const { error, emitted } = await openFailure(other.sealed, open);
    expect(codeOf(error)).toBe('CRYPTO_OBJECT_MISMATCH');
    expect(messageOf(error)).toContain('obj/other');
    expect(emitted.length).toBe(0);
    // Without an expectation the object opens as what it is.
    expect((await openBytes(other.sealed, { resolveKey })).header.objectId).toBe('obj/other');
  });

  it('refuses bytes appended after the trailer', async () => {
    for (const size of [700, 3 * CHUNK, 0]) {
      const { sealed } = await sample(size);
      for (const extra of [1, 15, 16, 17, TRAILER_BYTES, RECORD, 3 * RECORD + 5]) {
        const { error } = await openFailure(Buffer.concat([sealed, randomBytes(extra)]), open);
        expect({ size, extra, code: codeOf(error) }).toEqual({ size, extra, code: 'CRYPTO_TAMPERED' });
      }
    }
    const { sealed } = await sample(3 * CHUNK);
    const { error } = await openFailure(Buffer.concat([sealed, randomBytes(RECORD)]), open);
    expect(messageOf(error)).toContain(`${RECORD} unexpected bytes follow the trailer`);
  });

  it('refuses a wrong dataset key with CRYPTO_WRONG_KEY', async () => {
    const { sealed } = await sample();
    const wrong = await openFailure(sealed, {
      resolveKey: keyResolver({ [TEST_IDENTITY.keyId]: newDatasetKey() }),
    });
    expect(codeOf(wrong.error)).toBe('CRYPTO_WRONG_KEY');
    expect(messageOf(wrong.error)).toContain(TEST_IDENTITY.keyId);
    const short = await openFailure(sealed, {
      resolveKey: keyResolver({ [TEST_IDENTITY.keyId]: randomBytes(16) }),
    });
    expect(codeOf(short.error)).toBe('CRYPTO_WRONG_KEY');
  });

  it("passes the resolver's error through unchanged (a destroyed key)", async () => {
    const { sealed } = await sample();
    const destroyed = new HdhError('KMS_KEY_DESTROYED', `dataset key ${TEST_IDENTITY.keyId} was destroyed`);
    const { error, resultError } = await openFailure(sealed, { resolveKey: () => Promise.reject(destroyed) });
    expect(error).toBe(destroyed);
    expect(resultError).toBe(destroyed);
  });

  it('refuses bytes that are not a sealed object, and a newer format', async () => {
    expect(codeOf((await openFailure(Buffer.alloc(0), open)).error)).toBe('CRYPTO_NOT_SEALED');
    expect(codeOf((await openFailure(Buffer.from('PAR1 not sealed at all'), open)).error)).toBe(
      'CRYPTO_NOT_SEALED',
    );
    const { sealed } = await sample();
    const newer = Buffer.from(sealed);
    newer[8] = 2;
    const { error } = await openFailure(newer, open);
    expect(codeOf(error)).toBe('CRYPTO_UNSUPPORTED_FORMAT');
    expect(messageOf(error)).toContain('version 2');
  });
});
