import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_SERVICES } from '../../test/support/services.js';
import { createBufferSealer } from './index.js';
import { sealPath } from './native.js';
import {
  TEST_IDENTITY,
  keyResolver,
  newDatasetKey,
  onSealPath,
  openBytes,
  resealOn as resealWith,
  sealBytes,
  type SealedBytes,
} from './testing.js';

const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });

const addon = await onSealPath(true, () => Promise.resolve(sealPath()));
if (!addon.native) {
  if (REQUIRE_SERVICES) {
    throw new Error(`the native sealer is required (HDH_TEST_REQUIRE_SERVICES=1): ${addon.reason}`);
  }
  console.warn(`[skip] native sealer tests: ${addon.reason} (build it with npm ci or npm run build:native)`);
}

function resealOn(native: boolean, sealed: Buffer, plain: Buffer, maxPiece: number): Promise<SealedBytes> {
  return resealWith(native, sealed, plain, resolveKey, maxPiece);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Sizes around record boundaries and random ones up to several MiB. */
function sizes(chunkSize: number, randomMax: number): number[] {
  const around = [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize, 3 * chunkSize + 5];
  const random = Array.from({ length: 4 }, () => Math.floor(Math.random() * randomMax));
  return [...around, ...random];
}

/** The native sealer's two SHA-256 implementations (the SHA extensions one only where the CPU has them). */
for (const sha of ['sha-extensions', 'openssl'] as const) {
  describe.skipIf(!addon.native)(
    `the native sealer (${sha} SHA-256) writes the bytes of the node:crypto path`,
    () => {
      let before: string | undefined;
      beforeAll(() => {
        before = process.env['HDH_SEAL_NATIVE_SHA'];
        process.env['HDH_SEAL_NATIVE_SHA'] = sha;
      });
      afterAll(() => {
        if (before === undefined) {
          delete process.env['HDH_SEAL_NATIVE_SHA'];
        } else {
          process.env['HDH_SEAL_NATIVE_SHA'] = before;
        }
      });

      it('digests of every plaintext size from 0 to 300 B (each SHA-256 padding case, both streams)', async () => {
        const sealer = createBufferSealer(TEST_IDENTITY.keyId, datasetKey);
        try {
          for (let size = 0; size <= 300; size++) {
            const plain = randomBytes(size);
            const native = await onSealPath(true, () =>
              Promise.resolve(sealer.seal(TEST_IDENTITY, plain, { chunkSize: 256 })),
            );
            expect(native.result.plainSha256, `size ${size}`).toBe(sha256(plain));
            expect(native.result.sealedSha256, `size ${size}`).toBe(sha256(native.sealed));
          }
        } finally {
          sealer.dispose();
        }
      });

      const cases = [
        { chunkSize: 256, randomMax: 20_000, maxPiece: 700 },
        { chunkSize: 1000, randomMax: 100_000, maxPiece: 4096 },
        { chunkSize: 64 * 1024, randomMax: 3 * 1024 * 1024, maxPiece: 300_000 },
        { chunkSize: 256 * 1024, randomMax: 6 * 1024 * 1024, maxPiece: 1024 * 1024 },
      ];
      for (const { chunkSize, randomMax, maxPiece } of cases) {
        it(`seal streams, both ways, chunks of ${chunkSize} B, pieces up to ${maxPiece} B`, async () => {
          for (const size of sizes(chunkSize, randomMax)) {
            const plain = randomBytes(size);
            for (const native of [true, false]) {
              const first = await onSealPath(native, () =>
                sealBytes(plain, { datasetKey, chunkSize }, maxPiece),
              );
              // The same header (data key) on the other path must give the same bytes and digests.
              const other = await resealOn(!native, first.sealed, plain, Math.max(1, maxPiece >> 1));
              expect(
                other.sealed.equals(first.sealed),
                `size ${size}, sealed first natively: ${native}`,
              ).toBe(true);
              expect(other.result).toEqual(first.result);
              expect(first.result.plainSha256).toBe(sha256(plain));
              expect(first.result.sealedSha256).toBe(sha256(first.sealed));
              expect(first.result.sealedSize).toBe(first.sealed.length);
            }
          }
        });
      }

      it('without the sealed-bytes hash, the same bytes and no sealedSha256', async () => {
        const plain = randomBytes(700_000);
        const native = await onSealPath(true, () =>
          sealBytes(plain, { datasetKey, chunkSize: 65_536, hashSealed: false }),
        );
        expect(native.result.sealedSha256).toBeUndefined();
        const js = await resealOn(false, native.sealed, plain, 10_000);
        expect(js.sealed.equals(native.sealed)).toBe(true);
        expect(native.result.plainSha256).toBe(sha256(plain));
      });

      it('buffer sealer: the native output re-seals identically on the node:crypto path and opens', async () => {
        const sealer = createBufferSealer(TEST_IDENTITY.keyId, datasetKey);
        try {
          for (const size of [0, 1, 255, 256, 257, 4096 * 3, 1_000_003, 5 * 1024 * 1024 + 7]) {
            for (const chunkSize of [256, 65_536, 262_144]) {
              if (size > 2_000_000 && chunkSize === 256) {
                continue;
              }
              const plain = randomBytes(size);
              const native = await onSealPath(true, () =>
                Promise.resolve(sealer.seal(TEST_IDENTITY, plain, { chunkSize })),
              );
              const js = await resealOn(false, native.sealed, plain, 65_536);
              expect(js.sealed.equals(native.sealed), `size ${size}, chunks ${chunkSize}`).toBe(true);
              expect(js.result).toEqual(native.result);
              expect(native.result.sealedSha256).toBe(sha256(native.sealed));
              const opened = await openBytes(native.sealed, {
                resolveKey,
                expectedObjectId: TEST_IDENTITY.objectId,
              });
              expect(opened.plain.equals(plain)).toBe(true);
            }
          }
        } finally {
          sealer.dispose();
        }
      });

      it('buffer sealer: the node:crypto output re-seals identically on the native path', async () => {
        const sealer = createBufferSealer(TEST_IDENTITY.keyId, datasetKey);
        try {
          for (const size of [0, 17, 262_144, 262_145, 3_000_000]) {
            const plain = randomBytes(size);
            const js = await onSealPath(false, () => Promise.resolve(sealer.seal(TEST_IDENTITY, plain)));
            const native = await resealOn(true, js.sealed, plain, 200_000);
            expect(native.sealed.equals(js.sealed), `size ${size}`).toBe(true);
            expect(native.result).toEqual(js.result);
          }
        } finally {
          sealer.dispose();
        }
      });
    },
  );
}
