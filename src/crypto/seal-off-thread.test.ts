import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { REQUIRE_SERVICES } from '../../test/support/services.js';
import { createResealStream, createSealStream, parseSealedHeader } from './index.js';
import { createSealKeys } from './keys.js';
import { sealBinding, sealPath } from './native.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, openBytes, pieces, sealBytes } from './testing.js';

const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });
/** The addon whether or not HDH_SEAL_NATIVE=0 is set for this run (the tests below force it on). */
function addonBinding(): ReturnType<typeof sealBinding> {
  const before = process.env['HDH_SEAL_NATIVE'];
  process.env['HDH_SEAL_NATIVE'] = '1';
  try {
    return sealBinding();
  } finally {
    restoreNative(before);
  }
}

function restoreNative(before: string | undefined): void {
  if (before === undefined) {
    delete process.env['HDH_SEAL_NATIVE'];
  } else {
    process.env['HDH_SEAL_NATIVE'] = before;
  }
}

const binding = addonBinding();
const offThread = binding?.sealerUpdateAsync !== undefined;
if (!offThread) {
  if (REQUIRE_SERVICES) {
    throw new Error(`the native sealer is required (HDH_TEST_REQUIRE_SERVICES=1): ${sealPath().reason}`);
  }
  console.warn(`[skip] off-thread sealing tests: ${sealPath().reason}`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Re-seals `plain` under the header of `sealed` on the node:crypto path, in small pieces. */
async function resealOnJs(sealed: Buffer, plain: Buffer): Promise<Buffer> {
  const before = process.env['HDH_SEAL_NATIVE'];
  process.env['HDH_SEAL_NATIVE'] = '0';
  try {
    const header = sealed.subarray(0, parseSealedHeader(sealed).headerBytes);
    const s = await createResealStream({ header, resolveKey, ...TEST_IDENTITY });
    Readable.from(pieces(plain, 50_000, 5)).pipe(s.stream);
    return await readAll(s.stream);
  } finally {
    restoreNative(before);
  }
}

describe.skipIf(!offThread)('sealing on the thread pool (offThread)', () => {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env['HDH_SEAL_NATIVE'];
    process.env['HDH_SEAL_NATIVE'] = '1';
  });
  afterAll(() => restoreNative(before));

  it('writes the bytes and digests of the node:crypto path, with pieces above and below the hand-off size', async () => {
    const chunk = 256 * 1024;
    for (const size of [0, 1, 65_535, 65_536, chunk - 1, chunk, chunk + 1, 3 * chunk + 5, 5_000_003]) {
      for (const maxPiece of [300_000, 1024 * 1024 + 3]) {
        const plain = randomBytes(size);
        const off = await sealBytes(plain, { datasetKey, offThread: true }, maxPiece);
        expect(off.result.plainSha256).toBe(sha256(plain));
        expect(off.result.sealedSha256).toBe(sha256(off.sealed));
        expect(off.result.sealedSize).toBe(off.sealed.length);
        expect(off.result.plainSize).toBe(size);
        const js = await resealOnJs(off.sealed, plain);
        expect(js.equals(off.sealed), `size ${size}, pieces up to ${maxPiece}`).toBe(true);
        const opened = await openBytes(off.sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
        expect(opened.plain.equals(plain)).toBe(true);
      }
    }
  });

  it('hands a large input buffer to the pool: its sealed bytes come after write() returns', async () => {
    const plain = randomBytes(1024 * 1024);
    for (const off of [true, false]) {
      const s = createSealStream({ ...TEST_IDENTITY, datasetKey, offThread: off });
      s.stream.write(plain);
      // The event-loop path has pushed the sealed megabyte by now; the pool has not finished yet.
      if (off) {
        expect(s.stream.readableLength).toBeLessThan(plain.length);
      } else {
        expect(s.stream.readableLength).toBeGreaterThan(plain.length);
      }
      s.stream.end();
      const sealed = await readAll(s.stream);
      expect((await resealOnJs(sealed, plain)).equals(sealed)).toBe(true);
    }
  });

  it('small records and a re-seal under the same header give the same bytes', async () => {
    const plain = randomBytes(2_000_001);
    const off = await sealBytes(plain, { datasetKey, offThread: true, chunkSize: 1000 }, 400_000);
    const header = off.sealed.subarray(0, parseSealedHeader(off.sealed).headerBytes);
    const again = await createResealStream({ header, resolveKey, ...TEST_IDENTITY, offThread: true });
    Readable.from(pieces(plain, 700_000, 9)).pipe(again.stream);
    expect((await readAll(again.stream)).equals(off.sealed)).toBe(true);
    expect((await again.result).sealedSha256).toBe(off.result.sealedSha256);
  });

  it('several objects at once each seal correctly', async () => {
    const plains = Array.from({ length: 6 }, (_, i) => randomBytes(3 * 1024 * 1024 + i * 77_777));
    const sealed = await Promise.all(
      plains.map((p) => sealBytes(p, { datasetKey, offThread: true }, 1 << 20)),
    );
    for (const [i, s] of sealed.entries()) {
      expect(s.result.plainSha256).toBe(sha256(plains[i]!));
      expect(s.result.sealedSha256).toBe(sha256(s.sealed));
      expect((await resealOnJs(s.sealed, plains[i]!)).equals(s.sealed)).toBe(true);
    }
  });

  it('a stream destroyed while the pool seals settles with an error; the process carries on', async () => {
    const s = createSealStream({ ...TEST_IDENTITY, datasetKey, offThread: true });
    const errors: unknown[] = [];
    s.stream.on('error', (err) => errors.push(err));
    s.stream.resume();
    s.stream.write(randomBytes(8 * 1024 * 1024));
    s.stream.destroy(new Error('gone'));
    await expect(s.result).rejects.toThrow('gone');
    // The pool's work finishes after the destroy; the wipe it deferred happens then.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toHaveLength(1);
    const after = await sealBytes(randomBytes(100_000), { datasetKey, offThread: true }, 100_000);
    expect(after.result.sealedSha256).toBe(sha256(after.sealed));
  });

  it('the addon refuses a second call on a sealer while the pool uses it', async () => {
    const keys = createSealKeys({ ...TEST_IDENTITY }, datasetKey, 256 * 1024);
    const sealer = binding!.sealerCreate(keys.dataKey, keys.headerHash, keys.header, 256 * 1024, true, true);
    const plain = randomBytes(1024 * 1024);
    const outs = Array.from({ length: 16 }, () => Buffer.alloc(64 * 1024 + 16));
    const done = new Promise<number>((resolve, reject) => {
      binding!.sealerUpdateAsync!(sealer, plain, outs, 64 * 1024, (err, written) =>
        err === null ? resolve(written) : reject(err),
      );
    });
    expect(() => binding!.sealerUpdate(sealer, plain, Buffer.alloc(2 * 1024 * 1024), 0)).toThrow(
      /busy|finished/,
    );
    expect(() => binding!.sealerFinal(sealer, Buffer.alloc(1024), 0)).toThrow(/finished|bad arguments/);
    expect(await done).toBe(1024 * 1024 + 4 * 16);
    binding!.sealerDispose(sealer);
  });
});
