import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../core/index.js';
import { createSealStream } from '../crypto/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { FsStore } from '../storage/index.js';
import { createMigrationEngine, type MigrationEngine } from './engine.js';
import { PART_SENDING } from './journal.js';
import { createTestDeps, createTestKeyring, type TestDeps, type TestKeyring } from './testing/deps.js';
import { startChild } from './testing/spawn.js';

const dialects = await testDialects();
const MIB = 1024 ** 2;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Every object visible at the destination opens completely: nothing partial is ever visible. */
async function snapshot(deps: TestDeps, dst: FsStore, prefix: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  for await (const info of dst.list(prefix)) {
    const body = await dst.get(info.key);
    const first = await readAll(body);
    const header = deps.sealer.readHeader(first);
    expect(header, `${info.key} is not a sealed object`).toBeDefined();
    const opener = deps.sealer.open(header!.objectId);
    opener.stream.end(first);
    await readAll(opener.stream);
    await opener.result;
    seen.set(info.key, info.etag ?? '');
  }
  return seen;
}

describe.each(dialects)('$name: kill -9 at random moments', (dialect) => {
  let hub: TestDb;
  let deps: TestDeps;
  let engine: MigrationEngine;
  let dir: string;
  let keyring: TestKeyring;
  let src: FsStore;
  let dst: FsStore;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    hub = await dialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-crash-'));
    keyring = await createTestKeyring(dir);
    deps = await createTestDeps({
      db: hub,
      keyring,
      stores: { src: { type: 'fs', root: join(dir, 'src') }, dst: { type: 'fs', root: join(dir, 'dst') } },
    });
    engine = createMigrationEngine(deps);
    src = await FsStore.open({ name: 'src', root: join(dir, 'src'), createRoot: true });
    dst = await FsStore.open({ name: 'dst', root: join(dir, 'dst'), createRoot: true });
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  const childSpec = (migration: string, options: Record<string, unknown>) => ({
    dbUrl: hub.url,
    stores: { src: { root: join(dir, 'src') }, dst: { root: join(dir, 'dst') } },
    keyring,
    command: 'run' as const,
    migration,
    options,
  });

  it('resumes after each kill: nothing partial visible, nothing written twice, verify clean', async () => {
    for (let i = 0; i < 240; i++) {
      const body = randomBytes(1024 + randomInt(63 * 1024));
      contents.set(`k/small${String(i).padStart(3, '0')}`, body);
    }
    for (let i = 0; i < 3; i++) {
      contents.set(`k/medium${i}`, randomBytes(5 * MIB + i));
    }
    contents.set('k/large', randomBytes(20 * MIB + 7));
    for (const [key, body] of contents) {
      await src.put(key, body);
    }
    await engine.plan({
      name: 'crash',
      from: { store: 'src', prefix: 'k/' },
      to: { store: 'dst', prefix: 'c/' },
      defaultClass: 'pseudonymised-health',
      unitLimits: { objects: 40, bytes: 64 * MIB },
    });
    const options = {
      workers: 6,
      partBytes: 2 * MIB,
      multipartBytes: 8 * MIB,
      bwlimit: 12 * MIB,
      leaseMs: 30_000,
    };
    const written = new Map<string, string>();
    let kills = 0;
    for (; kills < 5; kills++) {
      const child = startChild(childSpec('crash', options));
      await child.started;
      await sleep(randomInt(50, 700));
      child.kill();
      const exit = await child.exited;
      if (exit.result !== undefined) {
        break;
      }
      expect(exit.signal).toBe('SIGKILL');
      const visible = await snapshot(deps, dst, 'c/');
      for (const [key, etag] of written) {
        // An object once visible is never rewritten: a resumed run adopts it instead.
        expect(visible.get(key), `${key} was written twice`).toBe(etag);
      }
      for (const [key, etag] of visible) {
        written.set(key, etag);
      }
    }
    expect(kills).toBeGreaterThan(0);
    const last = startChild(childSpec('crash', { ...options, bwlimit: 0 }));
    const exit = await last.exited;
    expect(exit.result, exit.stderr).toBeDefined();
    expect(exit.result!.failed).toBe(0);
    const final = await snapshot(deps, dst, 'c/');
    for (const [key, etag] of written) {
      expect(final.get(key), `${key} was written twice`).toBe(etag);
    }
    expect(final.size).toBe(contents.size);
    const report = await engine.verify('crash', { deep: true });
    expect(report.clean).toBe(true);
    expect(report.verified).toBe(contents.size);
    const rows = await hub.db
      .selectFrom('migration_objects')
      .select(['source_key', 'plain_sha256'])
      .where('migration', '=', 'crash')
      .execute();
    for (const r of rows) {
      expect(r.plain_sha256).toBe(sha256(contents.get(r.source_key)!));
    }
    // Six child processes, each loading the TypeScript sources: ~10 s apiece on a loaded 2-core machine.
  }, 240_000);

  it('continues inside a large object: after a kill only the parts not yet complete are sent', async () => {
    const key = await deps.keys.current('big');
    const seal = createSealStream({
      keyId: key.keyId,
      datasetKey: key.key,
      objectId: 'big/one',
      dataset: 'big',
      dataClass: 'public',
    });
    const plain = randomBytes(40 * MIB);
    seal.stream.end(plain);
    const sealed = await readAll(seal.stream);
    await src.put('big/one', sealed);
    await engine.plan({
      name: 'big',
      from: { store: 'src', prefix: 'big/' },
      to: { store: 'dst', prefix: 'big2/' },
      defaultClass: 'public',
    });
    const partBytes = 4 * MIB;
    const child = startChild(
      childSpec('big', { workers: 1, partBytes, multipartBytes: partBytes, bwlimit: 16 * MIB }),
    );
    await child.started;
    // Kill once a few parts are complete (about half of the object).
    for (let i = 0; i < 200; i++) {
      const parts = await hub.db
        .selectFrom('migration_parts')
        .select('part_number')
        .where('migration', '=', 'big')
        .where('etag', '<>', PART_SENDING)
        .execute();
      if (parts.length >= 4) {
        break;
      }
      await sleep(50);
    }
    child.kill();
    await child.exited;
    const parts = await hub.db
      .selectFrom('migration_parts')
      .select(['part_number', 'size', 'etag'])
      .where('migration', '=', 'big')
      .execute();
    const done = parts.filter((p) => p.etag !== PART_SENDING);
    expect(done.length).toBeGreaterThanOrEqual(4);
    const durable = done.reduce((n, p) => n + p.size, 0);
    // A part recorded as being sent may have reached the store whole before the kill.
    const maybeArrived = parts.filter((p) => p.etag === PART_SENDING).reduce((n, p) => n + p.size, 0);
    const resumed = await engine.run('big', { partBytes, multipartBytes: partBytes });
    expect(resumed.copied).toBe(1);
    // The resumed run sends only what was not complete: the part in flight at the kill (unless it
    // arrived whole), and after.
    expect(resumed.bytesSent).toBeLessThanOrEqual(sealed.length - durable);
    expect(resumed.bytesSent).toBeGreaterThanOrEqual(sealed.length - durable - maybeArrived);
    expect(sealed.length - durable).toBeLessThan(sealed.length);
    const copy = await readAll(await dst.get('big2/one'));
    expect(copy.equals(sealed)).toBe(true);
    expect((await engine.verify('big', { deep: true })).clean).toBe(true);
  });
});
