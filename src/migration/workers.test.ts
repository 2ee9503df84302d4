import { createHash, randomBytes, randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect, testDialects, type TestDb } from '../db/testing.js';
import { FsStore } from '../storage/index.js';
import { createMigrationEngine, type MigrationEngine } from './engine.js';
import { createTestDeps, createTestKeyring, type TestDeps, type TestKeyring } from './testing/deps.js';
import { startChild } from './testing/spawn.js';

const pg = (await testDialects()).some((d) => d.name === 'postgres');

describe.runIf(pg)('postgres: three hdh worker processes on one journal', () => {
  let hub: TestDb;
  let deps: TestDeps;
  let engine: MigrationEngine;
  let dir: string;
  let keyring: TestKeyring;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    hub = await postgresDialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-workers-'));
    keyring = await createTestKeyring(dir);
    deps = await createTestDeps({
      db: hub,
      keyring,
      stores: { src: { type: 'fs', root: join(dir, 'src') }, dst: { type: 'fs', root: join(dir, 'dst') } },
    });
    engine = createMigrationEngine(deps);
    const src = await FsStore.open({ name: 'src', root: join(dir, 'src'), createRoot: true });
    for (let i = 0; i < 600; i++) {
      const body = randomBytes(512 + randomInt(32 * 1024));
      const key = `w/${String(i).padStart(4, '0')}`;
      contents.set(key, body);
      await src.put(key, body);
    }
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  it('copies every object exactly once, one worker killed on the way, and verifies clean', async () => {
    await engine.plan({
      name: 'scale',
      from: { store: 'src', prefix: 'w/' },
      to: { store: 'dst', prefix: 'x/' },
      defaultClass: 'public',
      unitLimits: { objects: 25, bytes: 1024 ** 3 },
    });
    // Workers serve running migrations; `run` with no transfer allowed only starts it.
    await engine.journal.update('scale', { state: 'running' });
    const spec = (bwlimit: number) => ({
      dbUrl: hub.url,
      stores: { src: { root: join(dir, 'src') }, dst: { root: join(dir, 'dst') } },
      keyring,
      command: 'work' as const,
      migration: 'scale',
      options: { workers: 4, leaseMs: 4000, pollMs: 200, bwlimit },
    });
    const workers = [
      startChild(spec(2 * 1024 ** 2)),
      startChild(spec(2 * 1024 ** 2)),
      startChild(spec(2 * 1024 ** 2)),
    ];
    await Promise.all(workers.map((w) => w.started));
    // One worker dies holding leases: the others take its units over.
    await new Promise((r) => setTimeout(r, 500));
    workers[0]!.kill();
    await workers[0]!.exited;
    const dst = await FsStore.open({ name: 'dst', root: join(dir, 'dst'), createRoot: true });
    const early = new Map<string, string | undefined>();
    for await (const o of dst.list('x/')) {
      early.set(o.key, o.etag);
    }
    const exits = await Promise.all(workers.map((w) => w.exited));
    expect(exits[0]!.signal).toBe('SIGKILL');
    for (const e of exits.slice(1)) {
      expect(e.result, e.stderr).toBeDefined();
    }
    const units = await hub.db
      .selectFrom('migration_units')
      .select(['state'])
      .where('migration', '=', 'scale')
      .execute();
    expect(units.every((u) => u.state === 'done')).toBe(true);
    const rows = await hub.db
      .selectFrom('migration_objects')
      .select(['source_key', 'state', 'attempts', 'plain_sha256'])
      .where('migration', '=', 'scale')
      .execute();
    expect(rows).toHaveLength(contents.size);
    for (const r of rows) {
      expect(r.state).toBe('copied');
      // Recorded once: no object was copied by two workers.
      expect(r.attempts, r.source_key).toBe(1);
      expect(r.plain_sha256).toBe(createHash('sha256').update(contents.get(r.source_key)!).digest('hex'));
    }
    // Nothing visible when the worker died was written again (its unrecorded copies were adopted).
    for await (const o of dst.list('x/')) {
      if (early.has(o.key)) {
        expect(o.etag, `${o.key} was written twice`).toBe(early.get(o.key));
      }
    }
    expect(early.size).toBeGreaterThan(0);
    const survivors = exits.slice(1).reduce((n, e) => n + e.result!.copied, 0);
    expect(survivors).toBeLessThanOrEqual(contents.size);
    expect(survivors).toBeGreaterThan(0);
    const report = await engine.verify('scale', { deep: true });
    expect(report.clean).toBe(true);
    expect(report.verified).toBe(contents.size);
  });
});
