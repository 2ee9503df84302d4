/**
 * The one conformance suite every ObjectStore passes: the contract of object-store.ts turned into
 * tests. Each backend's test file calls {@link runConformance} with a way to create clients over its
 * storage; skips are allowed only with a reason, and every skipped test must exist (hono's `runTest`).
 *
 * ```ts
 * runConformance({ name: 'memory', create: async () => new MemoryStore({ space }) });
 * ```
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../../core/index.js';
import type { ObjectInfo, ObjectStore } from '../object-store.js';
import { abortingBody, bytesOf, failingBody, md5Hex, MiB, randomBody, sha256Of } from './test-bodies.js';

export interface ConformanceSkip {
  /** Why this backend cannot pass these tests (shown in the test title). */
  readonly reason: string;
  readonly tests: readonly ConformanceTest[];
}

export interface ConformanceOptions {
  /** Suite title, e.g. `s3 (Ceph radosgw)`. */
  readonly name: string;
  /**
   * A new client over the same storage at each call: the suite calls it again to model another
   * process (resuming an upload after a crash) and closes what it created.
   */
  readonly create: () => Promise<ObjectStore>;
  /** Runs once before the tests (e.g. create the bucket). */
  readonly setup?: () => Promise<void>;
  /** Runs once after the tests and removes everything they stored (e.g. the bucket). */
  readonly cleanup?: () => Promise<void>;
  readonly skip?: readonly ConformanceSkip[];
  /** `false` skips the whole suite: its server is not running (see test/support/services.ts). */
  readonly enabled?: boolean;
  /** Bytes of the large-object tests (default 20 MiB). */
  readonly largeObjectBytes?: number;
  /** Objects of the many-objects listing test (default 2,000). */
  readonly manyObjects?: number;
}

/** Every test of the suite, by title (the names skips refer to). */
export const CONFORMANCE_TESTS = [
  'head of a missing key is undefined',
  'get of a missing key fails with STORAGE_NOT_FOUND',
  'delete of a missing key succeeds',
  'put then get returns the same bytes',
  'put returns what head reports',
  'overwrite replaces content and metadata',
  'empty object',
  'binary content keeps every byte value',
  'unicode keys',
  'keys with slashes',
  'a key can also begin other keys',
  'delete removes the object',
  'list returns only keys under the prefix',
  'list follows byte order',
  'list follows UTF-8 byte order above U+FFFF',
  'list resumes after startAfter',
  'list of an unused prefix is empty',
  'listed objects have size and lastModified',
  'ranged read of start and end',
  'ranged read edges',
  'ranged read of a suffix',
  'ranged read of a missing key fails with STORAGE_NOT_FOUND',
  'metadata round trip',
  'invalid metadata is refused',
  'md5 reported is the real md5',
  'put with the right md5 succeeds',
  'put with a wrong md5 fails with STORAGE_INTEGRITY and stores nothing',
  'a body that fails midway leaves no object',
  'a body that fails midway does not replace an existing object',
  'a large body that fails midway leaves no object',
  'a body shorter or longer than its size fails with STORAGE_SIZE_MISMATCH',
  'an aborted signal refuses every operation',
  'a signal fired during a put leaves no object',
  'a signal fired during a get stops the stream',
  'a key longer than maxKeyBytes fails with STORAGE_KEY_INVALID',
  'a key of exactly maxKeyBytes works',
  'keys with . or .. segments are refused',
  'multipart: full cycle',
  'multipart: a new store instance lists the parts and completes the upload',
  'multipart: abort removes the upload',
  'multipart: completing with a part never uploaded fails',
  'multipart: a part uploaded again replaces the earlier one',
  'large object round trip by streaming, size unknown',
  'large object round trip by streaming, size known',
  'many objects list in order, with paging and startAfter',
  'server-side copy',
  'capabilities are consistent',
] as const;

export type ConformanceTest = (typeof CONFORMANCE_TESTS)[number];

/** Resolves to the error code `promise` rejects with (fails when it resolves). */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) {
    throw new Error('expected the operation to fail, it succeeded');
  }
  if (!isHdhError(outcome.err)) {
    throw outcome.err;
  }
  return outcome.err.code;
}

export function runConformance(options: ConformanceOptions): void {
  const skipped = new Map<string, string>();
  for (const skip of options.skip ?? []) {
    for (const test of skip.tests) {
      if (!(CONFORMANCE_TESTS as readonly string[]).includes(test)) {
        throw new Error(`conformance skip names an unknown test: ${test}`);
      }
      skipped.set(test, skip.reason);
    }
  }
  const largeBytes = options.largeObjectBytes ?? 20 * MiB;
  const manyObjects = options.manyObjects ?? 2000;

  const suite = options.enabled === false ? describe.skip : describe;
  suite(`ObjectStore conformance: ${options.name}`, () => {
    const run = `conformance-${randomBytes(4).toString('hex')}`;
    const opened: ObjectStore[] = [];
    let store: ObjectStore;
    let n = 0;
    /** A prefix no other test uses. */
    const fresh = (): string => `${run}/t${String(++n).padStart(3, '0')}/`;
    const reopen = async (): Promise<ObjectStore> => {
      const s = await options.create();
      opened.push(s);
      return s;
    };

    beforeAll(async () => {
      await options.setup?.();
      store = await reopen();
    });

    afterAll(async () => {
      // Without a cleanup of its own (which removes the whole bucket), the suite removes its objects.
      if (store !== undefined && options.cleanup === undefined) {
        const keys: string[] = [];
        for await (const o of store.list(`${run}/`)) {
          keys.push(o.key);
        }
        for (let i = 0; i < keys.length; i += 16) {
          await Promise.all(keys.slice(i, i + 16).map((k) => store.delete(k)));
        }
      }
      for (const s of opened) {
        await s.close();
      }
      await options.cleanup?.();
    });

    const test = (title: ConformanceTest, fn: () => Promise<void>): void => {
      const reason = skipped.get(title);
      if (reason === undefined) {
        it(title, fn);
      } else {
        it.skip(`${title} (skipped: ${reason})`, fn);
      }
    };
    const read = async (key: string, range?: { start: number; end?: number }): Promise<Buffer> =>
      bytesOf(await store.get(key, range === undefined ? {} : { range }));
    const listKeys = async (prefix: string, startAfter?: string): Promise<string[]> => {
      const keys: string[] = [];
      for await (const o of store.list(prefix, startAfter === undefined ? {} : { startAfter })) {
        keys.push(o.key);
      }
      return keys;
    };
    const partBytes = (): number => Math.max(store.capabilities.minPartBytes, MiB);
    /** Backends without multipart uploads skip these tests with a reason; they do not pass them empty. */
    const needsMultipart = (): void => {
      expect(store.multipart, `${store.kind} has no multipart: skip this test with a reason`).toBeDefined();
    };

    test('head of a missing key is undefined', async () => {
      expect(await store.head(`${fresh()}missing`)).toBeUndefined();
    });

    test('get of a missing key fails with STORAGE_NOT_FOUND', async () => {
      expect(await errorCode(store.get(`${fresh()}missing`))).toBe('STORAGE_NOT_FOUND');
    });

    test('delete of a missing key succeeds', async () => {
      const key = `${fresh()}missing`;
      await store.delete(key);
      await store.delete(key);
      expect(await store.head(key)).toBeUndefined();
    });

    test('put then get returns the same bytes', async () => {
      const key = `${fresh()}hello.txt`;
      await store.put(key, 'hello, sovereign world');
      expect((await read(key)).toString()).toBe('hello, sovereign world');
    });

    test('put returns what head reports', async () => {
      const key = `${fresh()}info`;
      const data = randomBytes(3000);
      const put = await store.put(key, data, { size: data.length });
      const head = await store.head(key);
      expect(head).toBeDefined();
      expect(put.key).toBe(key);
      expect(put.size).toBe(3000);
      expect(head!.size).toBe(3000);
      expect(head!.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(head!.lastModified.getTime())).toBe(false);
      expect(head!.etag).toBe(put.etag);
      expect(head!.md5).toBe(put.md5);
    });

    test('overwrite replaces content and metadata', async () => {
      const key = `${fresh()}over`;
      const first = await store.put(key, 'first version', { metadata: { version: '1' } });
      const second = await store.put(key, 'second, longer version', { metadata: { edited_by: 'test' } });
      expect((await read(key)).toString()).toBe('second, longer version');
      const head = await store.head(key);
      expect(head!.size).toBe('second, longer version'.length);
      expect(head!.metadata).toEqual({ edited_by: 'test' });
      expect(second.etag).not.toBe(first.etag);
    });

    test('empty object', async () => {
      const key = `${fresh()}empty`;
      const info = await store.put(key, new Uint8Array(0), { size: 0 });
      expect(info.size).toBe(0);
      expect((await store.head(key))!.size).toBe(0);
      expect((await read(key)).length).toBe(0);
      expect(await listKeys(key)).toEqual([key]);
      const unsized = `${key}-no-size`;
      await store.put(unsized, (async function* () {})());
      expect((await store.head(unsized))!.size).toBe(0);
    });

    test('binary content keeps every byte value', async () => {
      const key = `${fresh()}binary`;
      const data = Buffer.alloc(256 * 4);
      for (let i = 0; i < data.length; i++) {
        data[i] = i % 256;
      }
      await store.put(key, data);
      expect((await read(key)).equals(data)).toBe(true);
    });

    test('unicode keys', async () => {
      const base = fresh();
      const keys = [`${base}données/été.txt`, `${base}患者/記録`, `${base}emoji-🧬`, `${base}ümlaut ä`];
      for (const key of keys) {
        await store.put(key, key);
      }
      for (const key of keys) {
        expect((await read(key)).toString()).toBe(key);
        expect((await store.head(key))!.key).toBe(key);
      }
      expect(new Set(await listKeys(base))).toEqual(new Set(keys));
    });

    test('keys with slashes', async () => {
      const base = fresh();
      await store.put(`${base}a/b/c/deep.bin`, 'deep');
      await store.put(`${base}a/top.bin`, 'top');
      expect((await read(`${base}a/b/c/deep.bin`)).toString()).toBe('deep');
      expect(await listKeys(`${base}a/`)).toEqual([`${base}a/b/c/deep.bin`, `${base}a/top.bin`]);
      expect(await store.head(`${base}a/b`)).toBeUndefined();
      expect(await errorCode(store.get(`${base}a/b`))).toBe('STORAGE_NOT_FOUND');
    });

    test('a key can also begin other keys', async () => {
      const base = fresh();
      await store.put(`${base}a`, 'the object a');
      await store.put(`${base}a/b`, 'an object under a/');
      expect((await read(`${base}a`)).toString()).toBe('the object a');
      expect(await listKeys(base)).toEqual([`${base}a`, `${base}a/b`]);
      await store.delete(`${base}a`);
      expect((await read(`${base}a/b`)).toString()).toBe('an object under a/');
    });

    test('delete removes the object', async () => {
      const key = `${fresh()}doomed/x`;
      await store.put(key, 'x');
      await store.delete(key);
      expect(await store.head(key)).toBeUndefined();
      expect(await errorCode(store.get(key))).toBe('STORAGE_NOT_FOUND');
      expect(await listKeys(key)).toEqual([]);
    });

    test('list returns only keys under the prefix', async () => {
      const base = fresh();
      for (const k of ['a/1', 'a/2', 'ab', 'b/1', 'a-']) {
        await store.put(`${base}${k}`, k);
      }
      expect(await listKeys(`${base}a/`)).toEqual([`${base}a/1`, `${base}a/2`]);
      // A prefix need not end at a slash.
      expect(await listKeys(`${base}a`)).toEqual([`${base}a-`, `${base}a/1`, `${base}a/2`, `${base}ab`]);
      expect(await listKeys(`${base}b`)).toEqual([`${base}b/1`]);
    });

    test('list follows byte order', async () => {
      const base = fresh();
      // By UTF-8 bytes: "-" (2D) < "." (2E) < "/" (2F) < "0" < "A" < "_" < "a" < "é" (C3 A9) < "€" (E2 82 AC).
      const names = ['a-b', 'a.b', 'a/b', 'a0', 'aA', 'a_', 'aa', 'aé', 'a€'];
      for (const name of [...names].reverse()) {
        await store.put(`${base}${name}`, name);
      }
      expect(await listKeys(base)).toEqual(names.map((name) => `${base}${name}`));
    });

    test('list follows UTF-8 byte order above U+FFFF', async () => {
      const base = fresh();
      // "\uFFFD" is EF BF BD and "😀" F0 9F 98 80 in UTF-8; in UTF-16 the emoji (D83D DE00) sorts first.
      const names = ['a\ufffd', 'a😀'];
      for (const name of [...names].reverse()) {
        await store.put(`${base}${name}`, name);
      }
      expect(await listKeys(base)).toEqual(names.map((name) => `${base}${name}`));
      expect(await listKeys(base, `${base}a\ufffd`)).toEqual([`${base}a😀`]);
    });

    test('list resumes after startAfter', async () => {
      const base = fresh();
      const keys = ['k1', 'k2', 'k3/x', 'k4'].map((k) => `${base}${k}`);
      for (const key of keys) {
        await store.put(key, 'v');
      }
      expect(await listKeys(base, keys[1])).toEqual(keys.slice(2));
      expect(await listKeys(base, `${base}k3`)).toEqual(keys.slice(2));
      expect(await listKeys(base, keys[3])).toEqual([]);
      // startAfter before the prefix lists the whole prefix.
      expect(await listKeys(base, run)).toEqual(keys);
    });

    test('list of an unused prefix is empty', async () => {
      expect(await listKeys(`${fresh()}nothing-here/`)).toEqual([]);
    });

    test('listed objects have size and lastModified', async () => {
      const base = fresh();
      const before = Date.now();
      await store.put(`${base}sized`, randomBytes(1234));
      const listed: ObjectInfo[] = [];
      for await (const o of store.list(base)) {
        listed.push(o);
      }
      expect(listed).toHaveLength(1);
      expect(listed[0]!.size).toBe(1234);
      // Service clocks may differ from ours by a little; a day is a bound no clock skew reaches.
      expect(Math.abs(listed[0]!.lastModified.getTime() - before)).toBeLessThan(86_400_000);
    });

    test('ranged read of start and end', async () => {
      const key = `${fresh()}ranged`;
      const data = randomBytes(10_000);
      await store.put(key, data);
      expect((await read(key, { start: 100, end: 200 })).equals(data.subarray(100, 200))).toBe(true);
      expect((await read(key, { start: 9_000 })).equals(data.subarray(9_000))).toBe(true);
      expect((await read(key, { start: 0, end: 1 })).equals(data.subarray(0, 1))).toBe(true);
    });

    test('ranged read edges', async () => {
      const key = `${fresh()}edges`;
      const data = randomBytes(1000);
      await store.put(key, data);
      expect((await read(key, { start: 0, end: 1000 })).equals(data)).toBe(true);
      expect((await read(key, { start: 990, end: 5000 })).equals(data.subarray(990))).toBe(true);
      expect((await read(key, { start: 999 })).equals(data.subarray(999))).toBe(true);
      expect((await read(key, { start: 1000 })).length).toBe(0);
      expect((await read(key, { start: 500, end: 500 })).length).toBe(0);
      expect(await errorCode(store.get(key, { range: { start: 1001 } }))).toBe('STORAGE_RANGE_INVALID');
      expect(await errorCode(store.get(key, { range: { start: 10, end: 5 } }))).toBe('STORAGE_RANGE_INVALID');
      const empty = `${key}-empty`;
      await store.put(empty, '');
      expect((await read(empty, { start: 0 })).length).toBe(0);
      expect((await read(empty, { start: -10 })).length).toBe(0);
    });

    test('ranged read of a suffix', async () => {
      const key = `${fresh()}suffix`;
      const data = randomBytes(1000);
      await store.put(key, data);
      expect((await read(key, { start: -100 })).equals(data.subarray(900))).toBe(true);
      expect((await read(key, { start: -1 })).equals(data.subarray(999))).toBe(true);
      expect((await read(key, { start: -5000 })).equals(data)).toBe(true);
    });

    test('ranged read of a missing key fails with STORAGE_NOT_FOUND', async () => {
      const key = `${fresh()}missing`;
      expect(await errorCode(store.get(key, { range: { start: 5, end: 10 } }))).toBe('STORAGE_NOT_FOUND');
      expect(await errorCode(store.get(key, { range: { start: -5 } }))).toBe('STORAGE_NOT_FOUND');
      expect(await errorCode(store.get(key, { range: { start: 5, end: 5 } }))).toBe('STORAGE_NOT_FOUND');
    });

    test('metadata round trip', async () => {
      const key = `${fresh()}meta`;
      const metadata = { dataset: 'cohort_2024', sha256: 'ab'.repeat(32), note: 'Plain ASCII, spaces ok' };
      await store.put(key, 'with metadata', { metadata });
      expect((await store.head(key))!.metadata).toEqual(metadata);
      const bare = `${key}-none`;
      await store.put(bare, 'no metadata');
      expect((await store.head(bare))!.metadata ?? {}).toEqual({});
    });

    test('invalid metadata is refused', async () => {
      const key = `${fresh()}bad-meta`;
      const invalid: Record<string, string>[] = [
        { 'Upper-Case': 'x' },
        { 'with-dash': 'x' },
        { ok: 'caf\u00e9' },
        { ok: ' padded ' },
      ];
      for (const metadata of invalid) {
        expect(await errorCode(store.put(key, 'x', { metadata }))).toBe('STORAGE_METADATA_INVALID');
      }
      expect(await store.head(key)).toBeUndefined();
    });

    test('md5 reported is the real md5', async () => {
      const base = fresh();
      const small = randomBytes(5000);
      const put = await store.put(`${base}small`, small);
      const head = await store.head(`${base}small`);
      for (const info of [put, head!]) {
        if (info.md5 !== undefined) {
          expect(info.md5).toBe(md5Hex(small));
        }
      }
      for await (const listed of store.list(base)) {
        if (listed.md5 !== undefined) {
          expect(listed.md5).toBe(md5Hex(small));
        }
      }
    });

    test('put with the right md5 succeeds', async () => {
      const key = `${fresh()}md5-ok`;
      const data = randomBytes(4096);
      const info = await store.put(key, data, { md5: md5Hex(data) });
      expect(info.size).toBe(4096);
      const head = await store.head(key);
      if (store.capabilities.hashes.includes('md5')) {
        expect(head!.md5).toBe(md5Hex(data));
      }
    });

    test('put with a wrong md5 fails with STORAGE_INTEGRITY and stores nothing', async () => {
      const key = `${fresh()}md5-bad`;
      const data = randomBytes(4096);
      expect(await errorCode(store.put(key, data, { md5: md5Hex('something else') }))).toBe(
        'STORAGE_INTEGRITY',
      );
      expect(await store.head(key)).toBeUndefined();
      await store.put(key, 'good');
      expect(await errorCode(store.put(key, data, { md5: md5Hex('something else') }))).toBe(
        'STORAGE_INTEGRITY',
      );
      expect((await read(key)).toString()).toBe('good');
    });

    test('a body that fails midway leaves no object', async () => {
      const key = `${fresh()}broken`;
      await expect(store.put(key, failingBody(MiB))).rejects.toThrow();
      expect(await store.head(key)).toBeUndefined();
      expect(await listKeys(key)).toEqual([]);
    });

    test('a body that fails midway does not replace an existing object', async () => {
      const key = `${fresh()}keep`;
      await store.put(key, 'the good version');
      await expect(store.put(key, failingBody(MiB))).rejects.toThrow();
      await expect(store.put(key, failingBody(MiB), { size: 2 * MiB })).rejects.toThrow();
      expect((await read(key)).toString()).toBe('the good version');
    });

    test('a large body that fails midway leaves no object', async () => {
      const key = `${fresh()}broken-large`;
      await store.put(key, 'the good version');
      await expect(store.put(key, failingBody(largeBytes))).rejects.toThrow();
      expect((await read(key)).toString()).toBe('the good version');
      const other = `${key}-new`;
      await expect(store.put(other, failingBody(largeBytes))).rejects.toThrow();
      expect(await store.head(other)).toBeUndefined();
    });

    test('a body shorter or longer than its size fails with STORAGE_SIZE_MISMATCH', async () => {
      const key = `${fresh()}sized`;
      expect(await errorCode(store.put(key, randomBytes(100), { size: 101 }))).toBe('STORAGE_SIZE_MISMATCH');
      expect(await errorCode(store.put(key, randomBytes(100), { size: 99 }))).toBe('STORAGE_SIZE_MISMATCH');
      expect(await store.head(key)).toBeUndefined();
    });

    test('an aborted signal refuses every operation', async () => {
      const key = `${fresh()}aborted`;
      await store.put(key, 'present');
      const signal = AbortSignal.abort();
      expect(await errorCode(store.put(`${key}-2`, 'x', { signal }))).toBe('OPERATION_ABORTED');
      expect(await errorCode(store.head(key, { signal }))).toBe('OPERATION_ABORTED');
      expect(await errorCode(store.delete(key, { signal }))).toBe('OPERATION_ABORTED');
      const getting = store.get(key, { signal }).then((s) => bytesOf(s));
      expect(await errorCode(getting)).toBe('OPERATION_ABORTED');
      const listing = (async () => {
        const keys: string[] = [];
        for await (const o of store.list(key, { signal })) {
          keys.push(o.key);
        }
        return keys;
      })();
      expect(await errorCode(listing)).toBe('OPERATION_ABORTED');
      expect(await store.head(`${key}-2`)).toBeUndefined();
      expect((await read(key)).toString()).toBe('present');
    });

    test('a signal fired during a put leaves no object', async () => {
      const key = `${fresh()}abort-put`;
      const small = new AbortController();
      expect(await errorCode(store.put(key, abortingBody(small, MiB, MiB), { signal: small.signal }))).toBe(
        'OPERATION_ABORTED',
      );
      expect(await store.head(key)).toBeUndefined();
      const large = new AbortController();
      const body = abortingBody(large, largeBytes, 4 * MiB);
      expect(await errorCode(store.put(key, body, { signal: large.signal }))).toBe('OPERATION_ABORTED');
      expect(await store.head(key)).toBeUndefined();
    });

    test('a signal fired during a get stops the stream', async () => {
      const key = `${fresh()}abort-get`;
      await store.put(key, randomBytes(8 * MiB));
      const controller = new AbortController();
      const stream = await store.get(key, { signal: controller.signal });
      const reading = (async () => {
        let seen = 0;
        for await (const chunk of stream) {
          seen += (chunk as Buffer).length;
          if (!controller.signal.aborted) {
            controller.abort();
          }
        }
        return seen;
      })();
      expect(await errorCode(reading)).toBe('OPERATION_ABORTED');
    });

    test('a key longer than maxKeyBytes fails with STORAGE_KEY_INVALID', async () => {
      const base = fresh();
      const key = base + 'k'.repeat(store.capabilities.maxKeyBytes + 1 - base.length);
      expect(await errorCode(store.put(key, 'x'))).toBe('STORAGE_KEY_INVALID');
      expect(await errorCode(store.put('', 'x'))).toBe('STORAGE_KEY_INVALID');
    });

    test('a key of exactly maxKeyBytes works', async () => {
      const base = fresh();
      // Segments of 200 bytes stay within every file system's name limit.
      let key = base;
      while (Buffer.byteLength(key) < store.capabilities.maxKeyBytes) {
        const room = store.capabilities.maxKeyBytes - Buffer.byteLength(key);
        key += room > 201 ? `${'s'.repeat(200)}/` : 'e'.repeat(room);
      }
      expect(Buffer.byteLength(key)).toBe(store.capabilities.maxKeyBytes);
      await store.put(key, 'long key');
      expect((await read(key)).toString()).toBe('long key');
      expect(await listKeys(base)).toEqual([key]);
    });

    test('keys with . or .. segments are refused', async () => {
      const base = fresh();
      for (const key of [`${base}../escape`, `${base}a/./b`, `${base}..`, '../outside']) {
        expect(await errorCode(store.put(key, 'x'))).toBe('STORAGE_KEY_INVALID');
      }
    });

    test('multipart: full cycle', async () => {
      needsMultipart();
      const mp = store.multipart!;
      const key = `${fresh()}multi`;
      const p = partBytes();
      const parts = [randomBytes(p), randomBytes(p), randomBytes(1000)];
      const { uploadId } = await mp.create(key, { metadata: { origin: 'multipart' } });
      const done = [];
      for (const [i, data] of parts.entries()) {
        done.push(await mp.uploadPart(key, uploadId, i + 1, data));
      }
      expect(done.map((d) => [d.partNumber, d.size])).toEqual([
        [1, p],
        [2, p],
        [3, 1000],
      ]);
      expect(await store.head(key)).toBeUndefined();
      const listed = await mp.listParts(key, uploadId);
      expect(listed).toEqual(done);
      const info = await mp.complete(key, uploadId, done);
      expect(info.size).toBe(2 * p + 1000);
      if (info.md5 !== undefined) {
        expect(info.md5).toBe(md5Hex(Buffer.concat(parts)));
      }
      const head = await store.head(key);
      expect(head!.size).toBe(2 * p + 1000);
      expect(head!.metadata).toEqual({ origin: 'multipart' });
      if (head!.md5 !== undefined) {
        expect(head!.md5).toBe(md5Hex(Buffer.concat(parts)));
      }
      expect((await read(key)).equals(Buffer.concat(parts))).toBe(true);
      expect(await errorCode(mp.listParts(key, uploadId))).toBe('STORAGE_UPLOAD_NOT_FOUND');
    });

    test('multipart: a new store instance lists the parts and completes the upload', async () => {
      needsMultipart();
      const key = `${fresh()}resumed`;
      const p = partBytes();
      const first = [randomBytes(p), randomBytes(p)];
      const { uploadId } = await store.multipart!.create(key);
      for (const [i, data] of first.entries()) {
        await store.multipart!.uploadPart(key, uploadId, i + 1, data);
      }
      // "Crash": another client, knowing only the key and the upload id from the journal.
      const other = await reopen();
      const held = await other.multipart!.listParts(key, uploadId);
      expect(held.map((x) => [x.partNumber, x.size])).toEqual([
        [1, p],
        [2, p],
      ]);
      const last = randomBytes(777);
      const third = await other.multipart!.uploadPart(key, uploadId, 3, last);
      await other.multipart!.complete(key, uploadId, [...held, third]);
      const { sha256 } = await sha256Of(await store.get(key));
      expect(sha256).toBe(
        createHash('sha256')
          .update(Buffer.concat([...first, last]))
          .digest('hex'),
      );
    });

    test('multipart: abort removes the upload', async () => {
      needsMultipart();
      const mp = store.multipart!;
      const key = `${fresh()}aborted-upload`;
      const { uploadId } = await mp.create(key);
      const part = await mp.uploadPart(key, uploadId, 1, randomBytes(1000));
      await mp.abort(key, uploadId);
      await mp.abort(key, uploadId);
      expect(await store.head(key)).toBeUndefined();
      expect(await errorCode(mp.listParts(key, uploadId))).toBe('STORAGE_UPLOAD_NOT_FOUND');
      expect(await errorCode(mp.complete(key, uploadId, [part]))).toBe('STORAGE_UPLOAD_NOT_FOUND');
      expect(await store.head(key)).toBeUndefined();
    });

    test('multipart: completing with a part never uploaded fails', async () => {
      needsMultipart();
      const mp = store.multipart!;
      const key = `${fresh()}gap`;
      const { uploadId } = await mp.create(key);
      const p = partBytes();
      const one = await mp.uploadPart(key, uploadId, 1, randomBytes(p));
      const code = await errorCode(
        mp.complete(key, uploadId, [one, { partNumber: 2, etag: one.etag, size: 10 }]),
      );
      expect(code).toBe('STORAGE_MULTIPART_INVALID');
      expect(await store.head(key)).toBeUndefined();
      await mp.abort(key, uploadId);
    });

    test('multipart: a part uploaded again replaces the earlier one', async () => {
      needsMultipart();
      const mp = store.multipart!;
      const key = `${fresh()}again`;
      const p = partBytes();
      const { uploadId } = await mp.create(key);
      const firstTry = await mp.uploadPart(key, uploadId, 1, randomBytes(p));
      const data = randomBytes(p);
      const secondTry = await mp.uploadPart(key, uploadId, 1, data);
      const tail = await mp.uploadPart(key, uploadId, 2, Buffer.from('tail'));
      const listed = await mp.listParts(key, uploadId);
      expect(listed).toEqual([secondTry, tail]);
      if (firstTry.etag !== secondTry.etag) {
        expect(await errorCode(mp.complete(key, uploadId, [firstTry, tail]))).toBe(
          'STORAGE_MULTIPART_INVALID',
        );
      }
      await mp.complete(key, uploadId, listed);
      expect((await read(key)).equals(Buffer.concat([data, Buffer.from('tail')]))).toBe(true);
    });

    test('large object round trip by streaming, size unknown', async () => {
      const key = `${fresh()}large-unknown`;
      const { body, sha256 } = randomBody(largeBytes);
      const info = await store.put(key, body);
      expect(info.size).toBe(largeBytes);
      const back = await sha256Of(await store.get(key));
      expect(back).toEqual({ sha256: sha256(), size: largeBytes });
      expect((await store.head(key))!.size).toBe(largeBytes);
    });

    test('large object round trip by streaming, size known', async () => {
      const key = `${fresh()}large-known`;
      const { body, sha256 } = randomBody(largeBytes, 64 * 1024);
      await store.put(key, body, { size: largeBytes });
      const back = await sha256Of(await store.get(key));
      expect(back).toEqual({ sha256: sha256(), size: largeBytes });
      const tail = await sha256Of(await store.get(key, { range: { start: largeBytes - MiB - 7 } }));
      expect(tail.size).toBe(MiB + 7);
    });

    test('many objects list in order, with paging and startAfter', async () => {
      const base = fresh();
      const keys = Array.from(
        { length: manyObjects },
        (_, i) => `${base}obj-${String((i * 7919) % manyObjects).padStart(5, '0')}`,
      );
      for (let i = 0; i < keys.length; i += 32) {
        await Promise.all(keys.slice(i, i + 32).map((k) => store.put(k, k.slice(-5))));
      }
      const sorted = [...keys].sort();
      let previous = '';
      let count = 0;
      for await (const o of store.list(base)) {
        expect(o.key > previous).toBe(true);
        previous = o.key;
        count++;
      }
      expect(count).toBe(manyObjects);
      const middle = sorted[Math.floor(manyObjects / 2)]!;
      expect(await listKeys(base, middle)).toEqual(sorted.slice(Math.floor(manyObjects / 2) + 1));
    });

    test('server-side copy', async () => {
      expect(
        store.capabilities.serverSideCopy,
        `${store.kind} has no server-side copy: skip this test with a reason`,
      ).toBe(true);
      const base = fresh();
      const data = randomBytes(5000);
      await store.put(`${base}source`, data, { metadata: { origin: 'copy' } });
      const info = await store.copy!(`${base}source`, `${base}target`);
      expect(info.size).toBe(5000);
      expect((await read(`${base}target`)).equals(data)).toBe(true);
      expect((await store.head(`${base}target`))!.metadata).toEqual({ origin: 'copy' });
      expect(await errorCode(store.copy!(`${base}missing`, `${base}target2`))).toBe('STORAGE_NOT_FOUND');
    });

    test('capabilities are consistent', async () => {
      const caps = store.capabilities;
      expect(store.multipart !== undefined).toBe(caps.multipart);
      expect(typeof (store as { copy?: unknown }).copy === 'function').toBe(caps.serverSideCopy);
      expect(caps.maxKeyBytes).toBeGreaterThanOrEqual(255);
      expect(caps.maxObjectBytes).toBeGreaterThan(largeBytes);
      if (caps.multipart) {
        expect(caps.maxParts).toBeGreaterThanOrEqual(1000);
        expect(caps.minPartBytes).toBeGreaterThanOrEqual(1);
      } else {
        expect(caps.maxParts).toBe(0);
      }
      await Promise.resolve();
    });
  });
}
