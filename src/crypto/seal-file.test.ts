import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_SERVICES } from '../../test/support/services.js';
import { canSealFiles, sealFileInto, type SealParams } from './index.js';
import { sealPath } from './native.js';
import { TEST_IDENTITY, keyResolver, newDatasetKey, onSealPath, openBytes, resealOn } from './testing.js';

const datasetKey = newDatasetKey();
const resolveKey = keyResolver({ [TEST_IDENTITY.keyId]: datasetKey });
const native = await onSealPath(true, () => Promise.resolve(canSealFiles()));
if (!native) {
  const why = await onSealPath(true, () => Promise.resolve(sealPath().reason));
  if (REQUIRE_SERVICES) {
    throw new Error(`sealing file to file needs the native sealer (HDH_TEST_REQUIRE_SERVICES=1): ${why}`);
  }
  console.warn(`[skip] file-to-file sealing tests: ${why} (build it with npm ci or npm run build:native)`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.skipIf(!native)('sealing a file into a file (native pipe)', () => {
  let dir: string;
  // The file pipe is the native path's: forced on here whatever HDH_SEAL_NATIVE says outside.
  let nativeBefore: string | undefined;
  beforeAll(async () => {
    nativeBefore = process.env['HDH_SEAL_NATIVE'];
    process.env['HDH_SEAL_NATIVE'] = '1';
    dir = await mkdtemp(join(tmpdir(), 'hdh-seal-file-'));
  });
  afterAll(async () => {
    if (nativeBefore === undefined) {
      delete process.env['HDH_SEAL_NATIVE'];
    } else {
      process.env['HDH_SEAL_NATIVE'] = nativeBefore;
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** Seals `plain` from a file into another file, returning the sealed file's bytes. */
  async function sealThroughFiles(plain: Buffer, params: Partial<SealParams> = {}) {
    const source = join(dir, 'plain.bin');
    const target = join(dir, 'sealed.bin');
    await writeFile(source, plain);
    const input = await open(source, 'r');
    const output = await open(target, 'w');
    try {
      const result = await sealFileInto({ ...TEST_IDENTITY, datasetKey, ...params }, input, output);
      return { result, sealed: await readFile(target) };
    } finally {
      await input.close();
      await output.close();
    }
  }

  const pipeBuffer = 256 * 1024;
  for (const chunkSize of [256, 65_536, 262_144]) {
    it(`writes the bytes of the node:crypto path, chunks of ${chunkSize} B`, async () => {
      const sizes = [
        0,
        1,
        chunkSize - 1,
        chunkSize,
        chunkSize + 1,
        pipeBuffer - 1,
        pipeBuffer,
        pipeBuffer + 1,
      ];
      sizes.push(3 * 1024 * 1024 + 7, Math.floor(Math.random() * 2_000_000));
      for (const size of sizes) {
        const plain = randomBytes(size);
        const { result, sealed } = await sealThroughFiles(plain, { chunkSize });
        const js = await resealOn(false, sealed, plain, resolveKey, 100_000);
        expect(js.sealed.equals(sealed), `size ${size}`).toBe(true);
        expect(js.result).toEqual(result);
        expect(result.plainSize).toBe(size);
        expect(result.plainSha256).toBe(sha256(plain));
        expect(result.sealedSha256).toBe(sha256(sealed));
        expect(result.sealedSize).toBe(sealed.length);
        const opened = await openBytes(sealed, { resolveKey, expectedObjectId: TEST_IDENTITY.objectId });
        expect(opened.plain.equals(plain)).toBe(true);
      }
    });
  }

  it('without the sealed-bytes hash: the same bytes, no sealedSha256', async () => {
    const plain = randomBytes(700_001);
    const { result, sealed } = await sealThroughFiles(plain, { hashSealed: false, chunkSize: 65_536 });
    expect(result.sealedSha256).toBeUndefined();
    const js = await resealOn(false, sealed, plain, resolveKey, 50_000);
    expect(js.sealed.equals(sealed)).toBe(true);
  });

  it('a read error keeps its code and names the read; a write error names the write', async () => {
    const input = await open(dir, 'r');
    const output = await open(join(dir, 'out.bin'), 'w');
    try {
      await expect(sealFileInto({ ...TEST_IDENTITY, datasetKey }, input, output)).rejects.toMatchObject({
        code: 'EISDIR',
        syscall: 'read',
      });
    } finally {
      await input.close();
      await output.close();
    }
    await writeFile(join(dir, 'plain.bin'), randomBytes(10_000));
    const source = await open(join(dir, 'plain.bin'), 'r');
    const readOnly = await open(join(dir, 'out.bin'), 'r');
    try {
      await expect(sealFileInto({ ...TEST_IDENTITY, datasetKey }, source, readOnly)).rejects.toMatchObject({
        code: 'EBADF',
      });
    } finally {
      await source.close();
      await readOnly.close();
    }
  });

  it('an abort before the copy throws it and reads nothing', async () => {
    await writeFile(join(dir, 'plain.bin'), randomBytes(10_000));
    const input = await open(join(dir, 'plain.bin'), 'r');
    const output = await open(join(dir, 'aborted.bin'), 'w');
    try {
      const signal = AbortSignal.abort();
      await expect(
        sealFileInto({ ...TEST_IDENTITY, datasetKey, signal }, input, output),
      ).rejects.toMatchObject({
        name: 'AbortError',
      });
      expect((await input.stat()).size).toBe(10_000);
      expect((await readFile(join(dir, 'aborted.bin'))).length).toBe(0);
    } finally {
      await input.close();
      await output.close();
    }
  });

  it('an abort during the copy stops the pipe at its next read', async () => {
    // A FIFO held open for writing never ends: without the abort, the pipe would wait forever.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const input = await open(fifo, 'r+');
    const writer = await open(fifo, 'w');
    const output = await open(join(dir, 'fifo.sealed'), 'w');
    try {
      await writer.write(randomBytes(50_000));
      const controller = new AbortController();
      const sealing = sealFileInto(
        { ...TEST_IDENTITY, datasetKey, signal: controller.signal },
        input,
        output,
      );
      await delay(100);
      controller.abort();
      await writer.write(randomBytes(1000));
      await expect(sealing).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      await writer.close();
      await input.close();
      await output.close();
    }
  });
});
