import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, TAG_BYTES, TRAILER_BYTES } from './constants.js';
import { parseSealedHeader, sealedHeaderSize } from './header.js';
import { createOpenStream, createSealStream, plainSizeFromSealed, sealedSizeFor } from './index.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes, sealBytes } from './testing.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });

describe.each([256, 1000, DEFAULT_CHUNK_SIZE])('seal then open, chunk size %i', (chunkSize) => {
  const sizes = [
    0,
    1,
    chunkSize - 1,
    chunkSize,
    chunkSize + 1,
    3 * chunkSize,
    3 * chunkSize + 17,
    ...Array.from({ length: 4 }, () => Math.floor(Math.random() * 5 * chunkSize)),
  ];
  it.each(sizes)('round-trips %i bytes with exact sizes and digests', async (size) => {
    const plain = randomBytes(size);
    const { sealed, result } = await sealBytes(plain, { datasetKey, chunkSize }, chunkSize + 100);
    expect(result).toEqual({
      objectId: TEST_IDENTITY.objectId,
      keyId: TEST_IDENTITY.keyId,
      plainSize: size,
      plainSha256: sha256(plain),
      sealedSize: sealed.length,
      sealedSha256: sha256(sealed),
    });
    expect(sealed.length).toBe(sealedSizeFor(size, { ...TEST_IDENTITY, chunkSize }));
    expect(plainSizeFromSealed(sealed.length, sealedHeaderSize(TEST_IDENTITY), chunkSize)).toBe(size);

    const opened = await openBytes(
      sealed,
      { resolveKey, expectedObjectId: TEST_IDENTITY.objectId, hashSealed: true },
      777,
    );
    expect(opened.plain.equals(plain)).toBe(true);
    expect(opened.result).toEqual({
      plainSize: size,
      plainSha256: sha256(plain),
      sealedSize: sealed.length,
      sealedSha256: sha256(sealed),
    });
    expect(opened.header).toMatchObject({
      ...TEST_IDENTITY,
      chunkSize,
      formatVersion: 1,
      algorithm: 'AES-256-GCM',
    });
  });
});

describe('sealing', () => {
  it('never writes the plaintext, its digest or its size in the clear', async () => {
    const plain = Buffer.from('patient 123 glycated haemoglobin 7.1 %, '.repeat(50));
    const { sealed, result } = await sealBytes(plain, { datasetKey, chunkSize: 256 });
    expect(sealed.includes(Buffer.from('patient'))).toBe(false);
    expect(sealed.includes(Buffer.from(result.plainSha256, 'hex'))).toBe(false);
    expect(sealed.includes(Buffer.from(result.plainSha256))).toBe(false);
  });

  it('uses a fresh data key per object: sealing the same bytes twice gives different bodies', async () => {
    const plain = randomBytes(3000);
    const a = await sealBytes(plain, { datasetKey, chunkSize: 1024 });
    const b = await sealBytes(plain, { datasetKey, chunkSize: 1024 });
    const headerBytes = sealedHeaderSize(TEST_IDENTITY);
    expect(a.sealed.subarray(headerBytes).equals(b.sealed.subarray(headerBytes))).toBe(false);
    expect(a.result.plainSha256).toBe(b.result.plainSha256);
  });

  it('puts the identity, chunk size and version in a header readable without a key', async () => {
    const identity = { keyId: 'clé-7', objectId: 'objets/ümlaut 😀', dataset: '', dataClass: '' };
    const { sealed } = await sealBytes(randomBytes(10), { ...identity, datasetKey, chunkSize: 4096 });
    expect(parseSealedHeader(sealed)).toEqual({
      ...identity,
      formatVersion: 1,
      algorithm: 'AES-256-GCM',
      chunkSize: 4096,
      headerBytes: sealedHeaderSize(identity),
    });
  });

  it('skips the sealed-bytes digest when asked, and still seals the plaintext digest', async () => {
    const plain = randomBytes(5000);
    const { sealed, result } = await sealBytes(plain, { datasetKey, hashSealed: false });
    expect(result.sealedSha256).toBeUndefined();
    expect(result.plainSha256).toBe(sha256(plain));
    expect((await openBytes(sealed, { resolveKey })).result.plainSha256).toBe(sha256(plain));
  });

  it('lays out exactly header + chunks with tags + trailer', () => {
    const headerBytes = sealedHeaderSize(TEST_IDENTITY);
    expect(sealedSizeFor(0, TEST_IDENTITY)).toBe(headerBytes + TRAILER_BYTES);
    expect(sealedSizeFor(DEFAULT_CHUNK_SIZE, TEST_IDENTITY)).toBe(
      headerBytes + DEFAULT_CHUNK_SIZE + TAG_BYTES + TRAILER_BYTES,
    );
    expect(sealedSizeFor(5 * 2 ** 40, { ...TEST_IDENTITY, chunkSize: 2 ** 20 })).toBe(
      headerBytes + 5 * 2 ** 40 + 5 * 2 ** 20 * TAG_BYTES + TRAILER_BYTES,
    );
  });

  it('finds no plaintext size for sealed sizes no layout produces', () => {
    const headerBytes = 200;
    expect(plainSizeFromSealed(headerBytes + TRAILER_BYTES - 1, headerBytes, 256)).toBeUndefined();
    for (let extra = 1; extra <= TAG_BYTES; extra++) {
      expect(
        plainSizeFromSealed(headerBytes + TRAILER_BYTES + 256 + TAG_BYTES + extra, headerBytes, 256),
      ).toBeUndefined();
    }
    expect(plainSizeFromSealed(headerBytes + TRAILER_BYTES + 2 * (256 + TAG_BYTES), headerBytes, 256)).toBe(
      512,
    );
  });

  it('refuses bad parameters with INPUT_INVALID before sealing anything', () => {
    const base = { ...TEST_IDENTITY, datasetKey };
    expect(() => createSealStream({ ...base, chunkSize: 100 })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() => createSealStream({ ...base, datasetKey: randomBytes(16) })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() => createSealStream({ ...base, objectId: '' })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() => createSealStream({ ...base, dataset: 'x'.repeat(1025) })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });

  it('rejects its result and stops when aborted', async () => {
    const controller = new AbortController();
    const seal = createSealStream({ ...TEST_IDENTITY, datasetKey, signal: controller.signal });
    seal.stream.write(randomBytes(1000));
    controller.abort();
    await expect(seal.result).rejects.toMatchObject({ code: 'OPERATION_ABORTED' });
    expect(seal.stream.destroyed).toBe(true);
  });
});

describe('opening', () => {
  it('emits the header once it authenticated', async () => {
    const { sealed } = await sealBytes(randomBytes(100), { datasetKey });
    const open = createOpenStream({ resolveKey });
    open.stream.resume();
    Readable.from([sealed]).pipe(open.stream);
    await expect(open.header).resolves.toMatchObject({
      objectId: TEST_IDENTITY.objectId,
      keyId: TEST_IDENTITY.keyId,
    });
    await expect(open.result).resolves.toMatchObject({ plainSize: 100, sealedSha256: undefined });
  });

  it('seals and opens byte by byte', async () => {
    const plain = randomBytes(700);
    const { sealed } = await sealBytes(plain, { datasetKey, chunkSize: 256 }, 1);
    expect((await openBytes(sealed, { resolveKey }, 1)).plain.equals(plain)).toBe(true);
  });

  it('rejects its header and result when aborted', async () => {
    const { sealed } = await sealBytes(randomBytes(5000), { datasetKey, chunkSize: 256 });
    const controller = new AbortController();
    const open = createOpenStream({ resolveKey, signal: controller.signal });
    open.stream.write(sealed.subarray(0, 1000));
    controller.abort();
    await expect(open.result).rejects.toMatchObject({ code: 'OPERATION_ABORTED' });
    await expect(open.header).rejects.toMatchObject({ code: 'OPERATION_ABORTED' });
  });

  it('rejects its result when the consumer stops early', async () => {
    const { sealed } = await sealBytes(randomBytes(5000), { datasetKey, chunkSize: 256 });
    const open = createOpenStream({ resolveKey });
    open.stream.write(sealed);
    open.stream.destroy();
    await expect(open.result).rejects.toMatchObject({ code: 'OPERATION_ABORTED' });
  });
});
