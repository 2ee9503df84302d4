import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { parseSealedHeader } from '../crypto/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { FsStore, type MultipartStore, type ObjectStore } from '../storage/index.js';
import { createMigrationEngine, type MigrationEngine } from './engine.js';
import { createTestDeps, createTestKeyring, type TestDeps } from './testing/deps.js';

const dialects = await testDialects();
const MIB = 1024 ** 2;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

interface SentPart {
  readonly uploadId: string;
  readonly partNumber: number;
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * The real fs store whose multipart uploads the test watches: every part body sent is recorded,
 * and `stopAfter` parts into a run the run is stopped the way a crash would leave it — the part
 * that trips it has reached the store, but the journal never hears of it.
 */
function watched(real: FsStore): {
  store: ObjectStore;
  sent: SentPart[];
  stop: (after: number) => AbortSignal;
} {
  const sent: SentPart[] = [];
  let stopAfter = Infinity;
  let controller = new AbortController();
  const multipart: MultipartStore = {
    create: (key, o) => real.multipart.create(key, o),
    listParts: (key, id, o) => real.multipart.listParts(key, id, o),
    complete: (key, id, parts, o) => real.multipart.complete(key, id, parts, o),
    abort: (key, id, o) => real.multipart.abort(key, id, o),
    uploadPart: async (key, uploadId, partNumber, body, o) => {
      sent.push({ uploadId, partNumber, sha256: sha256(body), bytes: body.byteLength });
      const done = await real.multipart.uploadPart(key, uploadId, partNumber, body, o);
      if (sent.length >= stopAfter) {
        stopAfter = Infinity;
        controller.abort(new Error('stopped by the test, as by a crash'));
        throw new Error('the process died before the journal heard of this part (test)');
      }
      return done;
    },
  };
  const store: ObjectStore = {
    kind: real.kind,
    name: real.name,
    capabilities: real.capabilities,
    head: (key, o) => real.head(key, o),
    get: (key, o) => real.get(key, o),
    put: (key, body, o) => real.put(key, body, o),
    delete: (key, o) => real.delete(key, o),
    list: (prefix, o) => real.list(prefix, o),
    multipart,
    close: () => real.close(),
  };
  return {
    store,
    sent,
    stop: (after) => {
      stopAfter = sent.length + after;
      controller = new AbortController();
      return controller.signal;
    },
  };
}

describe.each(dialects)('$name: resuming inside a large plaintext object', (dialect) => {
  let hub: TestDb;
  let deps: TestDeps;
  let engine: MigrationEngine;
  let dir: string;
  let src: FsStore;
  let dst: FsStore;
  let watch: ReturnType<typeof watched>;
  const partBytes = MIB;
  const options = { workers: 1, partBytes, multipartBytes: partBytes };

  beforeAll(async () => {
    hub = await dialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-resume-'));
    src = await FsStore.open({ name: 'src', root: join(dir, 'src'), createRoot: true });
    dst = await FsStore.open({ name: 'dst', root: join(dir, 'dst'), createRoot: true });
    watch = watched(dst);
    deps = await createTestDeps({
      db: hub,
      keyring: await createTestKeyring(dir),
      stores: {
        src: { type: 'custom', store: src, legacy: true },
        dst: { type: 'custom', store: watch.store },
      },
    });
    engine = createMigrationEngine(deps);
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  async function savedHeader(migration: string): Promise<Buffer> {
    const row = await hub.db
      .selectFrom('migration_objects')
      .select(['state', 'seal_header'])
      .where('migration', '=', migration)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('copying');
    return Buffer.from(row.seal_header!, 'base64');
  }

  it('sends no part twice: parts stored before the stop, the one in flight included, are compared, not resent', async () => {
    const plain = randomBytes(6 * MIB + 12_345);
    await src.put('p/big.bin', plain);
    await engine.plan({
      name: 'r1',
      from: { store: 'src', prefix: 'p/' },
      to: { store: 'dst', prefix: 'q/' },
      defaultClass: 'public',
    });
    const first = await engine.run('r1', { ...options, signal: watch.stop(3) });
    expect(first.stoppedBy).toBe('stopped');
    expect(first.copied).toBe(0);
    const header = await savedHeader('r1');
    const before = watch.sent.length;

    const resumed = await engine.run('r1', options);
    expect(resumed.copied).toBe(1);
    const sealed = await readAll(await dst.get('q/big.bin'));
    // Parts 1–3 (the third stored but never journaled) are not sent again: only the rest is.
    expect(resumed.bytesSent).toBe(sealed.length - 3 * partBytes);
    const again = watch.sent.slice(before).map((p) => p.partNumber);
    expect(again).toEqual([4, 5, 6, 7]);
    // The object continued under the header its first parts were sealed under.
    expect(sealed.subarray(0, header.length).equals(header)).toBe(true);
    const opener = deps.sealer.open(parseSealedHeader(header).objectId);
    opener.stream.end(sealed);
    expect((await readAll(opener.stream)).equals(plain)).toBe(true);
    expect((await engine.verify('r1', { deep: true })).clean).toBe(true);
  });

  it('a source changed between the stop and the resume is sealed again under a fresh data key; no part is sent twice with other bytes', async () => {
    const v1 = randomBytes(5 * MIB);
    await src.put('c/big.bin', v1);
    await engine.plan({
      name: 'r2',
      from: { store: 'src', prefix: 'c/' },
      to: { store: 'dst', prefix: 'd/' },
      defaultClass: 'public',
    });
    const start = watch.sent.length;
    await engine.run('r2', { ...options, signal: watch.stop(2) });
    const header = await savedHeader('r2');
    // Rewritten in place, same size: the second part's bytes change, the first part's do not.
    const v2 = Buffer.from(v1);
    v2.fill(7, MIB + 10, MIB + 20);
    await writeFile(join(dir, 'src', 'c', 'big.bin'), v2);

    const resumed = await engine.run('r2', options);
    expect(resumed.copied).toBe(1);
    expect(resumed.changed).toBe(1);
    const sealed = await readAll(await dst.get('d/big.bin'));
    expect(sealed.subarray(0, header.length).equals(header)).toBe(false);
    const opener = deps.sealer.open(parseSealedHeader(sealed).objectId);
    opener.stream.end(sealed);
    expect((await readAll(opener.stream)).equals(v2)).toBe(true);
    // Under one upload (one data key), each part number only ever carried one content.
    const contents = new Map<string, Set<string>>();
    for (const p of watch.sent.slice(start)) {
      const k = `${p.uploadId}/${p.partNumber}`;
      contents.set(k, (contents.get(k) ?? new Set()).add(p.sha256));
    }
    expect([...contents.values()].every((s) => s.size === 1)).toBe(true);
    expect((await engine.verify('r2', { deep: true })).clean).toBe(true);
    const row = await hub.db
      .selectFrom('migration_objects')
      .select('plain_sha256')
      .where('migration', '=', 'r2')
      .executeTakeFirstOrThrow();
    expect(row.plain_sha256).toBe(sha256(v2));
  });
});
