import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBody, readAll } from '../../../core/index.js';
import { onSealPath } from '../../../crypto/testing.js';
import { SealedStore } from '../../sealed/index.js';
import { errorCode, runConformance } from '../../testing/conformance.js';
import { heapGrowthWhileIterating } from '../../testing/heap.js';
import { MiB, abortingBody, randomBody } from '../../testing/test-bodies.js';
import { writeSidecar } from './fs-sidecar.js';
import { FS_STORE_DIR, FsStore } from './index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hdh-fs-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runConformance({
  name: 'fs',
  create: () => FsStore.open({ name: 'fs-test', root }),
  skip: [
    {
      reason: 'a file system cannot hold a file and a folder of the same name (STORAGE_KEY_INVALID)',
      tests: ['a key can also begin other keys'],
    },
  ],
});

describe('fs store', () => {
  let dir: string;
  let store: FsStore;
  beforeAll(async () => {
    // The root's parent is private too, so what the tests find beside the root is theirs alone.
    dir = join(await mkdtemp(join(tmpdir(), 'hdh-fs-unit-')), 'root');
    await mkdir(dir);
    store = await FsStore.open({ name: 'unit', root: dir });
  });
  afterAll(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('keeps objects as plain files at their key path', async () => {
    await store.put('plain/a/b.txt', 'readable with cat');
    expect(await readFile(join(dir, 'plain', 'a', 'b.txt'), 'utf8')).toBe('readable with cat');
  });

  it('opens a folder written by another tool', async () => {
    await mkdir(join(dir, 'foreign', 'sub'), { recursive: true });
    await writeFile(join(dir, 'foreign', 'one.csv'), 'a,b\n1,2\n');
    await writeFile(join(dir, 'foreign', 'sub', 'two.bin'), Buffer.from([0, 1, 2]));
    const listed = [];
    for await (const o of store.list('foreign/')) {
      listed.push([o.key, o.size]);
    }
    expect(listed).toEqual([
      ['foreign/one.csv', 8],
      ['foreign/sub/two.bin', 3],
    ]);
    expect((await readAll(await store.get('foreign/one.csv'))).toString()).toBe('a,b\n1,2\n');
    expect((await store.head('foreign/sub/two.bin'))?.metadata).toEqual({});
  });

  it('refuses keys a file system cannot hold or that would leave the root', async () => {
    for (const key of ['/etc/passwd', 'a//b', 'trailing/', `${FS_STORE_DIR}/tmp/x`, 'x'.repeat(256)]) {
      expect(await errorCode(store.put(key, 'x')), key).toBe('STORAGE_KEY_INVALID');
    }
    expect(await errorCode(store.get('../../etc/passwd'))).toBe('STORAGE_KEY_INVALID');
    expect(existsSync(join(dir, '..', 'x'))).toBe(false);
  });

  it('lists nothing outside the root or inside its own folder', async () => {
    await store.put('inside/x', 'x');
    expect(await errorCode(collect(store.list('../')))).toBe('STORAGE_KEY_INVALID');
    expect(await errorCode(collect(store.list('inside/../../')))).toBe('STORAGE_KEY_INVALID');
    expect(await collect(store.list(`${FS_STORE_DIR}/`))).toEqual([]);
    expect(await collect(store.list(FS_STORE_DIR))).toEqual([]);
    expect(await collect(store.list('/inside/'))).toEqual([]);
    expect(await collect(store.list('inside//'))).toEqual([]);
  });

  it('does not follow symbolic links', async () => {
    const outside = join(dir, '..', `outside-${Date.now()}`);
    await writeFile(outside, 'secret');
    try {
      await mkdir(join(dir, 'links'), { recursive: true });
      await symlink(outside, join(dir, 'links', 'to-outside'));
      await symlink(join(dir, '..'), join(dir, 'links', 'to-parent'));
      expect(await store.head('links/to-outside')).toBeUndefined();
      expect(await errorCode(store.get('links/to-outside'))).toBe('STORAGE_NOT_FOUND');
      const listed = [];
      for await (const o of store.list('links/')) {
        listed.push(o.key);
      }
      expect(listed).toEqual([]);
    } finally {
      await rm(outside, { force: true });
    }
  });

  it('never lists or serves what a crashed write left in its temporary folder', async () => {
    await store.put('crash/visible', 'ok');
    await writeFile(join(dir, FS_STORE_DIR, 'tmp', 'leftover.tmp'), 'half written');
    const listed = [];
    for await (const o of store.list('')) {
      listed.push(o.key);
    }
    expect(listed.some((k) => k.includes('leftover') || k.startsWith(FS_STORE_DIR))).toBe(false);
    expect(listed).toContain('crash/visible');
  });

  it('sweeps temporary files that crashed writes left long ago', async () => {
    const stale = join(dir, FS_STORE_DIR, 'tmp', 'stale.tmp');
    const recent = join(dir, FS_STORE_DIR, 'tmp', 'recent.tmp');
    await writeFile(stale, 'old');
    await writeFile(recent, 'in progress elsewhere');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    const fresh = await FsStore.open({ name: 'unit', root: dir });
    await fresh.put('sweep/trigger', 'x');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    await rm(recent);
  });

  it('writes a large object whose writeback starts early, and leaves nothing when such a write fails', async () => {
    // 72 MiB: two writebacks start during the write (one every 32 MiB), then the final fsync.
    const { body, sha256 } = randomBody(72 * MiB);
    const info = await store.put('large/obj', body, { size: 72 * MiB });
    expect(info.size).toBe(72 * MiB);
    const read = await readAll(await store.get('large/obj'));
    expect(createHash('sha256').update(read).digest('hex')).toBe(sha256());
    const tmp = join(dir, FS_STORE_DIR, 'tmp');
    const before = await readdir(tmp);
    const controller = new AbortController();
    const failed = store.put('large/aborted', abortingBody(controller, 40 * MiB, 8 * MiB, MiB), {
      signal: controller.signal,
    });
    expect(await errorCode(failed)).toBe('OPERATION_ABORTED');
    expect(await store.head('large/aborted')).toBeUndefined();
    expect(await readdir(tmp)).toEqual(before);
  });

  it('keeps the old object and its metadata when a put dies between sidecar and rename', async () => {
    await store.put('atomic/obj', 'version one', { metadata: { version: '1' } });
    // What a put does before its final rename, then a "crash": the new file never replaces the old.
    const temp = await store.files.writeTemp([Buffer.from('version two')]);
    const current = await import('node:fs/promises').then((fs) =>
      fs.lstat(store.layout.objectPath('atomic/obj'), { bigint: true }),
    );
    await writeSidecar(
      store.layout,
      store.files,
      'atomic/obj',
      {
        ino: temp.stat.ino.toString(),
        size: 11,
        mtimeNs: temp.stat.mtimeNs.toString(),
        metadata: { version: '2' },
      },
      current,
      'test',
    );
    expect((await readAll(await store.get('atomic/obj'))).toString()).toBe('version one');
    expect((await store.head('atomic/obj'))?.metadata).toEqual({ version: '1' });
    // The rename the crash prevented: now the new file and its metadata are seen together.
    await store.files.commit(temp.path, store.layout.objectPath('atomic/obj'), 'test');
    expect((await readAll(await store.get('atomic/obj'))).toString()).toBe('version two');
    expect((await store.head('atomic/obj'))?.metadata).toEqual({ version: '2' });
  });

  it('ignores a sidecar that describes another file', async () => {
    await store.put('stale/obj', 'tracked', { metadata: { owner: 'hub' }, md5: undefined });
    await writeFile(join(dir, 'stale', 'obj'), 'replaced by hand');
    const head = await store.head('stale/obj');
    expect(head?.metadata).toEqual({});
    expect(head?.size).toBe('replaced by hand'.length);
  });

  it('removes the sidecar of an object replaced without metadata, and reads no metadata when asked not to', async () => {
    await store.put('meta/obj', 'with', { metadata: { owner: 'hub' } });
    const sidecar = store.layout.metaPath('meta/obj');
    expect(existsSync(sidecar)).toBe(true);
    expect((await store.head('meta/obj', { metadata: false }))?.metadata).toBeUndefined();
    expect((await store.head('meta/obj'))?.metadata).toEqual({ owner: 'hub' });
    await store.put('meta/obj', 'without');
    expect(existsSync(sidecar)).toBe(false);
    await store.put('meta/obj', 'with again', { metadata: { owner: 'hub' } });
    await store.delete('meta/obj');
    expect(existsSync(sidecar)).toBe(false);
  });

  it('never matches a sidecar another process wrote while this one believed there were none', async () => {
    const shared = await mkdtemp(join(tmpdir(), 'hdh-fs-sidecars-'));
    const plain = await FsStore.open({ name: 'plain', root: shared });
    const other = await FsStore.open({ name: 'other', root: shared });
    // `plain` finds no meta folder and remembers it for a while; `other` then writes a sidecar.
    await plain.put('k', 'one');
    await other.put('k', 'two', { metadata: { owner: 'other' } });
    await plain.put('k', 'three');
    const head = await plain.head('k');
    expect(head?.metadata).toEqual({});
    expect((await readAll(await plain.get('k'))).toString()).toBe('three');
    expect((await other.head('k'))?.metadata).toEqual({});
    await rm(shared, { recursive: true, force: true });
  });

  it('removes folders a delete leaves empty', async () => {
    await store.put('prune/a/b/c', 'x');
    await store.put('prune/keep', 'y');
    await store.delete('prune/a/b/c');
    expect(existsSync(join(dir, 'prune', 'a'))).toBe(false);
    expect(existsSync(join(dir, 'prune', 'keep'))).toBe(true);
  });

  it('reports a missing root as STORAGE_BUCKET_NOT_FOUND, and creates it when asked', async () => {
    const missing = join(dir, 'not', 'there');
    expect(await errorCode(FsStore.open({ name: 'm', root: missing }))).toBe('STORAGE_BUCKET_NOT_FOUND');
    const created = await FsStore.open({ name: 'm', root: missing, createRoot: true });
    await created.put('k', 'v');
    expect(existsSync(join(missing, 'k'))).toBe(true);
  });

  it('lists only whole parts of an upload after a crash in the middle of a part', async () => {
    const { uploadId } = await store.multipart.create('mp/crash');
    await store.multipart.uploadPart('mp/crash', uploadId, 1, Buffer.alloc(MiB, 1));
    // A part being written when the process died is still a temporary file: not part of the upload.
    await writeFile(join(dir, FS_STORE_DIR, 'tmp', 'part-in-flight.tmp'), Buffer.alloc(1000));
    const again = await FsStore.open({ name: 'unit', root: dir });
    const parts = await again.multipart.listParts('mp/crash', uploadId);
    expect(parts.map((p) => [p.partNumber, p.size])).toEqual([[1, MiB]]);
    const two = await again.multipart.uploadPart('mp/crash', uploadId, 2, Buffer.from('end'));
    await again.multipart.complete('mp/crash', uploadId, [...parts, two]);
    expect((await store.head('mp/crash'))?.size).toBe(MiB + 3);
    expect(await readdir(join(dir, FS_STORE_DIR, 'uploads'))).not.toContain(uploadId);
    await rm(join(dir, FS_STORE_DIR, 'tmp', 'part-in-flight.tmp'));
  });

  it('checks an MD5 announced when a multipart upload was created', async () => {
    const { uploadId } = await store.multipart.create('mp/md5', { md5: 'f'.repeat(32) });
    const part = await store.multipart.uploadPart('mp/md5', uploadId, 1, Buffer.from('content'));
    expect(await errorCode(store.multipart.complete('mp/md5', uploadId, [part]))).toBe('STORAGE_INTEGRITY');
    expect(await store.head('mp/md5')).toBeUndefined();
  });

  it('puts what a writer writes into the open file, atomically', async () => {
    const temporary = join(dir, FS_STORE_DIR, 'tmp');
    const leftBefore = await readdir(temporary);
    const info = await store.putWritten('written/a', async (file) => {
      await file.write('hello, ');
      await file.write('file');
    });
    expect(info.size).toBe(11);
    expect((await readAll(await store.get('written/a'))).toString()).toBe('hello, file');
    const failed = store.putWritten('written/a', async (file) => {
      await file.write('half of a new version');
      throw new Error('the producer failed');
    });
    await expect(failed).rejects.toThrow('the producer failed');
    expect(
      await errorCode(
        store.putWritten('written/a', (file) => file.write('xyz').then(() => undefined), { size: 4 }),
      ),
    ).toBe('STORAGE_SIZE_MISMATCH');
    expect((await readAll(await store.get('written/a'))).toString()).toBe('hello, file');
    expect(await readdir(temporary)).toEqual(leftBefore);
  });

  it('lists a 100,000-object prefix with flat memory', async () => {
    // Written straight to disk, as another tool would: the test is about listing, not 100,000 puts.
    // Synchronous calls: ten times faster than queueing 100,000 file creations on libuv's pool.
    for (let d = 0; d < 100; d++) {
      const folder = join(dir, 'big', `d${String(d).padStart(3, '0')}`);
      mkdirSync(folder, { recursive: true });
      for (let f = 0; f < 1000; f++) {
        closeSync(openSync(join(folder, `f${String(f).padStart(4, '0')}`), 'w'));
      }
    }
    const { count, maxGrowthBytes } = await heapGrowthWhileIterating(store.list('big/'));
    expect(count).toBe(100_000);
    expect(maxGrowthBytes).toBeLessThan(4 * 1024 * 1024);
    let previous = '';
    let inOrder = true;
    for await (const o of store.list('big/d050/', { startAfter: 'big/d050/f0997' })) {
      inOrder &&= o.key > previous;
      previous = o.key;
    }
    expect(inOrder).toBe(true);
    expect(previous).toBe('big/d050/f0999');
  });
});

async function collect(listing: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of listing) {
    keys.push(o.key);
  }
  return keys;
}

const exec = promisify(execFile);

/** A 2 MiB tmpfs, when this process may mount one (root on Linux); undefined otherwise. */
async function smallFileSystem(): Promise<string | undefined> {
  if (process.platform !== 'linux') {
    return undefined;
  }
  const mountPoint = await mkdtemp(join(tmpdir(), 'hdh-full-disk-'));
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
    return mountPoint;
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    return undefined;
  }
}

describe('fs store on a full disk', () => {
  // Mounted only when this test runs (not at import), so that a filtered run leaves no mount behind.
  let full: string | undefined;
  beforeAll(async () => {
    full = await smallFileSystem();
  });
  afterAll(async () => {
    if (full === undefined) {
      return;
    }
    await exec('umount', [full]);
    await rm(full, { recursive: true, force: true });
  });

  it('fails with STORAGE_DISK_FULL, keeps the previous object and leaves no partial file', async (context) => {
    if (full === undefined) {
      console.warn('[skip] fs full-disk test: cannot mount a small tmpfs here (needs root on Linux)');
      context.skip();
      return;
    }
    const store = await FsStore.open({ name: 'tiny', root: full });
    await store.put('kept', 'the previous version');
    const { body } = randomBody(4 * MiB, 64 * 1024);
    expect(await errorCode(store.put('kept', body))).toBe('STORAGE_DISK_FULL');
    const { body: other } = randomBody(4 * MiB, 64 * 1024);
    expect(await errorCode(store.put('new', other))).toBe('STORAGE_DISK_FULL');
    expect((await readAll(await store.get('kept'))).toString()).toBe('the previous version');
    expect(await store.head('new')).toBeUndefined();
    expect(await readdir(join(full, FS_STORE_DIR, 'tmp'))).toEqual([]);
  });

  it('fails a file sealed file to file with STORAGE_DISK_FULL too, leaving nothing', async (context) => {
    if (full === undefined) {
      console.warn(
        '[skip] fs full-disk test (sealed file): cannot mount a small tmpfs here (needs root on Linux)',
      );
      context.skip();
      return;
    }
    const store = await FsStore.open({ name: 'tiny', root: full });
    const key = randomBytes(32);
    const sealed = new SealedStore(store, {
      current: () => Promise.resolve({ keyId: 'k', key }),
      resolve: () => Promise.resolve(key),
    });
    const source = join(root, 'four-mib.bin');
    await writeFile(source, randomBytes(4 * MiB));
    for (const native of [true, false]) {
      const put = onSealPath(native, () =>
        sealed.put('sealed-new', new FileBody(source), { dataset: 'd', dataClass: 'public' }),
      );
      expect(await errorCode(put)).toBe('STORAGE_DISK_FULL');
    }
    expect(await store.head('sealed-new')).toBeUndefined();
    expect(await readdir(join(full, FS_STORE_DIR, 'tmp'))).toEqual([]);
  });
});
