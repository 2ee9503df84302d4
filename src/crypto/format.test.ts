/**
 * Reads a sealed object following docs/formats/sealed-object.md only, with node:crypto and none of
 * this module's code: if the implementation drifts from the written format, this fails.
 */
import { createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealBytes } from './testing.js';

function hkdf(key: Buffer, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, bytes));
}

function gcmOpen(key: Buffer, nonce: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

describe('the written format', () => {
  it('matches docs/formats/sealed-object.md byte for byte', async () => {
    const datasetKey = randomBytes(32);
    const plain = randomBytes(1000);
    const identity = { keyId: 'dsk-1', objectId: 'obj/é', dataset: 'cohort', dataClass: 'health' };
    const { sealed } = await sealBytes(plain, { ...identity, datasetKey, chunkSize: 256 });

    // Header.
    expect(sealed.subarray(0, 8).toString('hex')).toBe('894844485345414c');
    expect([sealed[8], sealed[9], sealed.readUInt16BE(10)]).toEqual([1, 1, 0]);
    const H = sealed.readUInt32BE(12);
    const C = sealed.readUInt32BE(16);
    expect(C).toBe(256);
    let at = 20;
    const fields: string[] = [];
    for (let i = 0; i < 4; i++) {
      const length = sealed.readUInt16BE(at);
      fields.push(sealed.subarray(at + 2, at + 2 + length).toString('utf8'));
      at += 2 + length;
    }
    expect(fields).toEqual([identity.keyId, identity.objectId, identity.dataset, identity.dataClass]);
    expect(H).toBe(104 + fields.reduce((n, f) => n + Buffer.byteLength(f), 0));
    const keyCheck = sealed.subarray(at, at + 16);
    expect(keyCheck.equals(hkdf(datasetKey, 'hdh sealed-object v1 key check', 16))).toBe(true);
    const wrapNonce = sealed.subarray(at + 16, at + 28);
    const wrapped = sealed.subarray(at + 28, at + 60);
    const wrapTag = sealed.subarray(at + 60, at + 76);
    expect(at + 76).toBe(H);
    const wrapKey = hkdf(datasetKey, 'hdh sealed-object v1 data-key wrap', 32);
    const dataKey = gcmOpen(wrapKey, wrapNonce, sealed.subarray(0, at + 16), wrapped, wrapTag);

    // Records: ⌈P / C⌉ chunks of C bytes + tag, then the 56-byte trailer.
    const headerHash = createHash('sha256').update(sealed.subarray(0, H)).digest();
    const record = (i: number, final: boolean, body: Buffer): Buffer => {
      const f = final ? 1 : 0;
      const nonce = Buffer.concat([Buffer.of(f, 0, 0, 0), u64(i)]);
      const aad = Buffer.concat([headerHash, u64(i), Buffer.of(f)]);
      return gcmOpen(
        dataKey,
        nonce,
        aad,
        body.subarray(0, body.length - 16),
        body.subarray(body.length - 16),
      );
    };
    const n = Math.ceil(plain.length / C);
    expect(sealed.length).toBe(H + plain.length + 16 * n + 56);
    const chunks: Buffer[] = [];
    let offset = H;
    for (let i = 0; i < n; i++) {
      const length = Math.min(C, plain.length - i * C) + 16;
      chunks.push(record(i, false, sealed.subarray(offset, offset + length)));
      offset += length;
    }
    expect(Buffer.concat(chunks).equals(plain)).toBe(true);
    const trailer = record(n, true, sealed.subarray(offset));
    expect(trailer.length).toBe(40);
    expect(Number(trailer.readBigUInt64BE(0))).toBe(plain.length);
    expect(trailer.subarray(8).equals(createHash('sha256').update(plain).digest())).toBe(true);
  });
});
