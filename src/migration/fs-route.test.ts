/**
 * The fs threads copy as the main thread does: the same objects copied by copyObject (main thread)
 * into one fs store and by a real pool of worker threads into another give the same outcomes,
 * digests and plaintexts; what a thread cannot copy comes back untouched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { sqliteDialect, type TestDb } from '../db/testing.js';
import { FS_STORE_DIR, FsStore } from '../storage/index.js';
import { copyObject, type CopierContext } from './copier.js';
import { createMigrationEngine } from './engine.js';
import { FsCopyPool } from './fs-pool.js';
import { copyFsBatch, fsRouteOf, type FsRoute } from './fs-route.js';
import { Journal, type ObjectOutcome, type ObjectRow } from './journal.js';
import { PREFERRED_PART_BYTES } from './part-size.js';
import { DEFAULT_RETRY } from './retry.js';
import { createTestDeps, createTestKeyring, type TestDeps } from './testing/deps.js';
import { RateLimiter } from './throttle.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('fs threads', () => {
  let hub: TestDb;
  let deps: TestDeps;
  let dir: string;
  let pool: FsCopyPool;
  const contents = new Map<string, Buffer>();
  const sizes = [0, 1, 4095, 65_536, 65_537, 300_000, 1024 * 1024 + 3];

  beforeAll(async () => {
    hub = await sqliteDialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-fs-threads-'));
    const stores = Object.fromEntries(
      ['src', 'main', 'threads', 'faults'].map((n) => [n, { type: 'fs' as const, root: join(dir, n) }]),
    );
    deps = await createTestDeps({ db: hub, keyring: await createTestKeyring(dir), stores });
    const src = await FsStore.open({ name: 'src', root: join(dir, 'src'), createRoot: true });
    for (const [i, size] of sizes.entries()) {
      contents.set(`d/${i % 3}/o-${i}`, randomBytes(size));
    }
    // An object hdh sealed already: copied as it is.
    const { sealed } = await deps.sealer.sealBytes(
      { objectId: 'elsewhere', dataset: 'other', dataClass: 'public' },
      randomBytes(5000),
    );
    contents.set('d/sealed', sealed);
    for (const [key, body] of contents) {
      await src.put(key, body);
    }
    pool = new FsCopyPool(2);
  });
  afterAll(async () => {
    await pool.close();
    await deps.close();
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function plan(name: string, dest: string): Promise<ObjectRow[]> {
    await createMigrationEngine(deps).plan({
      name,
      from: { store: 'src', prefix: 'd/' },
      to: { store: dest, prefix: 'x/' },
      defaultClass: 'public',
    });
    return hub.db
      .selectFrom('migration_objects')
      .selectAll()
      .where('migration', '=', name)
      .orderBy('seq')
      .execute();
  }

  async function context(migration: string, dest: string, counted: { read: number; sent: number }) {
    return {
      migration,
      source: await deps.stores.open('src'),
      dest: await deps.stores.open(dest),
      sealer: deps.sealer,
      journal: new Journal(hub),
      limiter: new RateLimiter(0),
      retry: DEFAULT_RETRY,
      signal: new AbortController().signal,
      smallObjectBytes: 4 * 1024 ** 2,
      partBytes: PREFERRED_PART_BYTES,
      multipartBytes: 200 * 1024 ** 2,
      now: () => new Date(),
      onRead: (n: number) => (counted.read += n),
      onSent: (n: number) => (counted.sent += n),
      onRetry: () => undefined,
    } satisfies CopierContext;
  }

  function routeOf(ctx: CopierContext): FsRoute {
    const route = fsRouteOf(ctx, pool);
    if (route === undefined) {
      throw new Error('two fs stores and the crypto sealer make a route');
    }
    return route;
  }

  async function openPlain(store: FsStore, key: string, objectId: string): Promise<Buffer> {
    const opener = deps.sealer.open(objectId);
    const out = readAll((await store.get(key)).pipe(opener.stream));
    await opener.result;
    return out;
  }

  /**
   * What two copies of one object must share: not the data key, nonces and inode, nor the dataset
   * key (each migration is its own dataset here).
   */
  function comparable(o: ObjectOutcome) {
    if (o.kind !== 'copied') {
      return o;
    }
    const { sealedSha256: _s, destEtag: _e, at: _a, keyId: _k, ...rest } = o;
    return rest;
  }

  it('copies every object as the main thread does: outcomes, digests, plaintexts, counts', async () => {
    const mainCount = { read: 0, sent: 0 };
    const threadCount = { read: 0, sent: 0 };
    const mainCtx = await context('by-main', 'main', mainCount);
    const threadCtx = await context('by-thrd', 'threads', threadCount);
    const mainRows = await plan('by-main', 'main');
    const threadRows = await plan('by-thrd', 'threads');
    const mainOut = new Map<string, ObjectOutcome>();
    for (const row of mainRows) {
      mainOut.set(row.source_key, await copyObject(mainCtx, row, undefined));
    }
    const { done, again } = await copyFsBatch(routeOf(threadCtx), threadRows);
    expect(again).toEqual([]);
    expect(done).toHaveLength(contents.size);
    expect(threadCount).toEqual(mainCount);
    const mainStore = routeOf(mainCtx).dest;
    const threadStore = routeOf(threadCtx).dest;
    for (const [row, outcome] of done) {
      const before = mainOut.get(row.source_key)!;
      expect(comparable({ ...outcome, seq: before.seq }), row.source_key).toEqual(comparable(before));
      if (outcome.kind !== 'copied' || before.kind !== 'copied') {
        throw new Error(`${row.source_key} was not copied`);
      }
      const written = await readFile(join(dir, 'threads', ...row.dest_key.split('/')));
      expect(outcome.sealedSha256).toBe(sha256(written));
      expect(outcome.destEtag).toBe((await threadStore.head(row.dest_key))?.etag);
      const source = contents.get(row.source_key)!;
      if (outcome.sourceSealed) {
        expect(written.equals(source)).toBe(true);
        expect(outcome.sealedSha256).toBe(before.sealedSha256);
        expect(outcome.keyId).toBe(before.keyId);
      } else {
        expect(outcome.keyId).toBe((await deps.keys.current(row.dataset)).keyId);
        expect(outcome.plainSha256).toBe(sha256(source));
        expect((await openPlain(threadStore, row.dest_key, row.object_id)).equals(source)).toBe(true);
        expect((await openPlain(mainStore, row.dest_key, row.object_id)).equals(source)).toBe(true);
      }
    }
    // Nothing left in the temporary folder.
    expect(await readdir(join(dir, 'threads', FS_STORE_DIR, 'tmp'))).toEqual([]);
  });

  it('hands back, unwritten, what it cannot copy: a changed or gone source, a key the disk cannot hold', async () => {
    const ctx = await context('faults', 'faults', { read: 0, sent: 0 });
    const rows = await plan('faults', 'faults');
    const changed = rows.find((r) => r.source_key === 'd/1/o-1')!;
    const gone = rows.find((r) => r.source_key === 'd/2/o-2')!;
    const blocked = rows.find((r) => r.source_key === 'd/0/o-3')!;
    await writeFile(join(dir, 'src', 'd', '1', 'o-1'), randomBytes(10));
    await rm(join(dir, 'src', 'd', '2', 'o-2'));
    // A folder where the object's file must go.
    await mkdir(join(dir, 'faults', 'x', '0', 'o-3', 'inside'), { recursive: true });
    const { done, again } = await copyFsBatch(routeOf(ctx), rows);
    expect(again.map((r) => r.seq).sort()).toEqual([changed.seq, gone.seq, blocked.seq].sort());
    expect(done).toHaveLength(rows.length - 3);
    const faults = routeOf(ctx).dest;
    expect(await faults.head(changed.dest_key)).toBeUndefined();
    expect(await faults.head(gone.dest_key)).toBeUndefined();
    expect(await readdir(join(dir, 'faults', FS_STORE_DIR, 'tmp'))).toEqual([]);
    // The main thread's path then names each with its code.
    const gonePath = await copyObject(ctx, gone, undefined);
    expect(gonePath.kind === 'failed' && gonePath.code).toBe('MIGRATION_SOURCE_GONE');
  });
});
