import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError, readAll } from '../core/index.js';
import { createSealStream } from '../crypto/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { verifyDetached } from '../kms/index.js';
import { FsStore, MemoryStore, StorageErrors, type ObjectStore } from '../storage/index.js';
import { createMigrationEngine, type MigrationEngine } from './engine.js';
import { createClassMap } from './class-map.js';
import { createTestDeps, createTestKeyring, TEST_CLASSES, type TestDeps } from './testing/deps.js';

const dialects = await testDialects();
const MIB = 1024 ** 2;

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A real store with some operations intercepted by the test (fault injection). */
function hooked(real: ObjectStore, hooks: Partial<Pick<ObjectStore, 'get' | 'put'>>): ObjectStore {
  return {
    kind: real.kind,
    name: real.name,
    capabilities: real.capabilities,
    head: (key, o) => real.head(key, o),
    get: hooks.get ?? ((key, o) => real.get(key, o)),
    put: hooks.put ?? ((key, body, o) => real.put(key, body, o)),
    delete: (key, o) => real.delete(key, o),
    list: (prefix, o) => real.list(prefix, o),
    ...(real.multipart !== undefined ? { multipart: real.multipart } : {}),
    close: () => real.close(),
  };
}

async function openPlain(deps: TestDeps, store: ObjectStore, key: string, objectId: string): Promise<Buffer> {
  const opener = deps.sealer.open(objectId);
  const body = await store.get(key);
  const out = readAll(body.pipe(opener.stream));
  await opener.result;
  return out;
}

describe.each(dialects)('$name: migration engine, fs to fs', (dialect) => {
  let hub: TestDb;
  let deps: TestDeps;
  let engine: MigrationEngine;
  let src: FsStore;
  let dst: FsStore;
  let srcRoot: string;
  let dstRoot: string;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    hub = await dialect.open();
    const dir = await mkdtemp(join(tmpdir(), 'hdh-mig-'));
    srcRoot = join(dir, 'src');
    dstRoot = join(dir, 'dst');
    const keyring = await createTestKeyring(dir);
    deps = await createTestDeps({
      db: hub,
      keyring,
      stores: {
        src: { type: 'fs', root: srcRoot, provider: 'microsoft-azure', legacy: true },
        dst: { type: 'fs', root: dstRoot, provider: 'ovhcloud' },
        tiny: {
          type: 'memory',
          store: new MemoryStore({
            name: 'tiny',
            capabilities: { maxKeyBytes: 17, maxObjectBytes: 4 * MIB },
          }),
        },
      },
      refuse: { tiny: ['identifying-health'] },
    });
    engine = createMigrationEngine(deps);
    src = await FsStore.open({ name: 'src', root: srcRoot, createRoot: true });
    dst = await FsStore.open({ name: 'dst', root: dstRoot, createRoot: true });
    const put = async (key: string, size: number): Promise<void> => {
      const body = randomBytes(size);
      contents.set(key, body);
      await src.put(key, body);
    };
    for (let i = 0; i < 30; i++) {
      await put(`data/public/p${i}.csv`, 1 + ((i * 977) % 20_000));
    }
    for (let i = 0; i < 10; i++) {
      await put(`data/cohort/c${i}.parquet`, 50_000 + i);
    }
    await put('data/cohort/medium.bin', 6 * MIB + 3);
    await put('data/registry/large.bin', 21 * MIB + 5);
    await put('data/registry/empty.bin', 0);
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  const classMap = () =>
    createClassMap(
      {
        'data/public/': 'public',
        'data/cohort/': { class: 'pseudonymised-health', dataset: 'cohort' },
        'data/registry/': { class: 'identifying-health', dataset: 'registry' },
      },
      TEST_CLASSES,
    );

  it('plans: counts, size classes, phases from the least to the most sensitive', async () => {
    const report = await engine.plan({
      name: 'm1',
      from: { store: 'src', prefix: 'data/' },
      to: { store: 'dst', prefix: 'moved/' },
      classMap: classMap(),
      estimate: { pricePerGb: 0.09 },
    });
    expect(report.state).toBe('planned');
    expect(report.objects).toBe(43);
    expect(report.bytes).toBe([...contents.values()].reduce((n, b) => n + b.length, 0));
    expect(report.phases.map((p) => p.class)).toEqual([
      'public',
      'pseudonymised-health',
      'identifying-health',
    ]);
    expect(report.phases.map((p) => p.objects)).toEqual([30, 11, 2]);
    expect(report.sizeClasses.reduce((n, c) => n + c.objects, 0)).toBe(43);
    expect(report.blocked).toEqual([]);
    expect(report.estimate.egressCost).toBeCloseTo((report.bytes / 1e9) * 0.09, 2);
  });

  it('refuses a plan the policy forbids, blocks what the destination cannot take, and will not run it', async () => {
    const report = await engine.plan({
      name: 'm-tiny',
      from: { store: 'src', prefix: 'data/' },
      to: { store: 'tiny', prefix: '' },
      classMap: classMap(),
    });
    expect(report.state).toBe('refused');
    expect(report.refused.map((r) => r.class)).toEqual(['identifying-health']);
    expect(report.refused[0]!.reasons[0]).toContain('may not hold');
    const codes = Object.fromEntries(report.blocked.map((b) => [b.code, b.objects]));
    expect(codes['MIGRATION_KEY_TOO_LONG']).toBeGreaterThan(0);
    expect(codes['MIGRATION_OBJECT_TOO_LARGE']).toBe(1);
    const err: unknown = await engine.run('m-tiny').catch((e: unknown) => e);
    expect(isHdhError(err, 'MIGRATION_STATE')).toBe(true);
    const status = await engine.status('m-tiny');
    expect(Object.values(status.states).reduce((n, s) => n + s.objects, 0)).toBe(43);
  });

  it('copies every object once, sealed, with the digests in the journal; verify is clean', async () => {
    const result = await engine.run('m1', { workers: 4, partBytes: 4 * MIB, multipartBytes: 8 * MIB });
    expect(result.failed).toBe(0);
    expect(result.copied).toBe(43);
    expect(result.bytesRead).toBe([...contents.values()].reduce((n, b) => n + b.length, 0));
    for (const [key, body] of contents) {
      const row = await hub.db
        .selectFrom('migration_objects')
        .selectAll()
        .where('migration', '=', 'm1')
        .where('source_key', '=', key)
        .executeTakeFirstOrThrow();
      expect(row.state).toBe('copied');
      expect(row.plain_sha256).toBe(sha256(body));
      const plain = await openPlain(deps, dst, row.dest_key, row.object_id);
      expect(plain.equals(body)).toBe(true);
    }
    const verify = await engine.verify('m1');
    expect(verify.clean).toBe(true);
    expect(verify.verified).toBe(43);
    const deep = await engine.verify('m1', { deep: true, source: true });
    expect(deep.clean).toBe(true);
    // A second run finds nothing to do.
    const again = await engine.run('m1');
    expect(again.copied).toBe(0);
    expect(again.bytesRead).toBe(0);
  });

  it('finds a rewritten destination object, copies it again, and ends clean', async () => {
    const victim = 'moved/cohort/c3.parquet';
    await dst.put(victim, randomBytes(1000));
    const bad = await engine.verify('m1');
    expect(bad.clean).toBe(false);
    expect(bad.mismatched).toBe(1);
    expect(bad.findings[0]).toMatchObject({ kind: 'mismatch', key: victim });
    await dst.put('moved/stray.txt', 'not ours');
    const extra = await engine.verify('m1');
    expect(extra.extra).toBe(1);
    await dst.delete('moved/stray.txt');
    const repaired = await engine.run('m1');
    expect(repaired.copied).toBe(1);
    expect((await engine.verify('m1')).clean).toBe(true);
  });

  it('sync finds new, changed and deleted source objects; cutover needs it clean', async () => {
    const premature: unknown = await engine.cutover('m1').catch((e: unknown) => e);
    expect(isHdhError(premature, 'MIGRATION_NOT_CLEAN')).toBe(true);
    const fresh = randomBytes(3000);
    contents.set('data/public/new.csv', fresh);
    await src.put('data/public/new.csv', fresh);
    const changed = randomBytes(4000);
    contents.set('data/public/p1.csv', changed);
    await src.put('data/public/p1.csv', changed);
    await src.delete('data/public/p2.csv');
    contents.delete('data/public/p2.csv');
    const sync = await engine.sync('m1');
    expect(sync.found).toMatchObject({ added: 1, changed: 1, deleted: 1 });
    expect(sync.copy.copied).toBe(2);
    expect(await dst.head('moved/public/p2.csv')).toBeUndefined();
    const row = await hub.db
      .selectFrom('migration_objects')
      .select(['plain_sha256'])
      .where('migration', '=', 'm1')
      .where('source_key', '=', 'data/public/p1.csv')
      .executeTakeFirstOrThrow();
    expect(row.plain_sha256).toBe(sha256(changed));
    expect((await engine.verify('m1')).clean).toBe(true);
    const quiet = await engine.sync('m1');
    expect(quiet.found).toMatchObject({ added: 0, changed: 0, deleted: 0 });
  });

  it('cuts over in one transaction, rolls back, cuts over again, decommissions with a signed certificate', async () => {
    await hub.db
      .insertInto('datasets')
      .values({
        name: 'cohort',
        class: 'pseudonymised-health',
        store: 'src',
        title: 'Cohort',
        description: '',
        created_at: new Date().toISOString(),
        created_by: 'test',
      })
      .execute();
    const cut = await engine.cutover('m1');
    expect(cut.datasets).toEqual(['cohort']);
    expect(cut.recordsCreated).toBe(43);
    const ds = await hub.db
      .selectFrom('datasets')
      .select('store')
      .where('name', '=', 'cohort')
      .executeTakeFirstOrThrow();
    expect(ds.store).toBe('dst');
    const records = await hub.db.selectFrom('objects').select(['key']).where('store', '=', 'dst').execute();
    expect(records).toHaveLength(43);
    const back = await engine.rollback('m1');
    expect(back.datasets).toEqual(['cohort']);
    expect(
      await hub.db.selectFrom('objects').select('key').where('store', '=', 'dst').execute(),
    ).toHaveLength(0);
    expect(
      (
        await hub.db
          .selectFrom('datasets')
          .select('store')
          .where('name', '=', 'cohort')
          .executeTakeFirstOrThrow()
      ).store,
    ).toBe('src');
    await engine.cutover('m1');
    const noConfirm: unknown = await engine.decommission('m1', { confirm: false }).catch((e: unknown) => e);
    expect(isHdhError(noConfirm, 'MIGRATION_STATE')).toBe(true);
    const lines: string[] = [];
    const done = await engine.decommission('m1', {
      confirm: true,
      onManifestLine: (l) => void lines.push(l),
    });
    expect(done.failed).toEqual([]);
    expect(done.deleted).toBe(43);
    const remaining: string[] = [];
    for await (const o of src.list('data/')) {
      remaining.push(o.key);
    }
    expect(remaining).toEqual([]);
    const cert = done.certificate!;
    expect(cert.certificate.objects).toBe(43);
    expect(cert.certificate.manifestSha256).toBe(sha256(Buffer.from(lines.map((l) => `${l}\n`).join(''))));
    const signer = await verifyDetached(cert.signature, Buffer.from(cert.signedJson));
    expect(signer.kid).toBe(deps.signerKey.kid);
    const tampered = cert.signedJson.replace('"objects":43', '"objects":42');
    await expect(verifyDetached(cert.signature, Buffer.from(tampered))).rejects.toThrow();
    const rollback: unknown = await engine.rollback('m1').catch((e: unknown) => e);
    expect(isHdhError(rollback, 'MIGRATION_STATE')).toBe(true);
    const md = await engine.report('m1', 'md');
    expect(md).toContain('decommission');
    const html = await engine.report('m1', 'html');
    expect(html).toContain('<table>');
  });

  it('copies an object hdh already sealed unchanged', async () => {
    const key = await deps.keys.current('cohort');
    const seal = createSealStream({
      keyId: key.keyId,
      datasetKey: key.key,
      objectId: 'sealed/one',
      dataset: 'cohort',
      dataClass: 'pseudonymised-health',
    });
    seal.stream.end(randomBytes(70_000));
    const sealed = await readAll(seal.stream);
    await src.put('pre/sealed.bin', sealed);
    await hub.db
      .insertInto('objects')
      .values({
        store: 'src',
        key: 'pre/sealed.bin',
        object_id: 'sealed/one',
        dataset: 'cohort',
        class: 'pseudonymised-health',
        sealed: 1,
        key_id: key.keyId,
        plain_size: 70_000,
        plain_sha256: (await seal.result).plainSha256,
        sealed_size: sealed.length,
        sealed_sha256: sha256(sealed),
        created_at: new Date().toISOString(),
      })
      .execute();
    await engine.plan({
      name: 'm-sealed',
      from: { store: 'src', prefix: 'pre/' },
      to: { store: 'dst', prefix: 'pre2/' },
    });
    const run = await engine.run('m-sealed');
    expect(run.copied).toBe(1);
    const copy = await readAll(await dst.get('pre2/sealed.bin'));
    expect(copy.equals(sealed)).toBe(true);
    const row = await hub.db
      .selectFrom('migration_objects')
      .selectAll()
      .where('migration', '=', 'm-sealed')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      source_sealed: 1,
      sealed_sha256: sha256(sealed),
      key_id: key.keyId,
      object_id: 'sealed/one',
    });
    expect((await engine.verify('m-sealed', { deep: true })).clean).toBe(true);
  });
});

describe.each(dialects)('$name: migration engine, faults', (dialect) => {
  let hub: TestDb;
  let deps: TestDeps;
  let dir: string;

  beforeAll(async () => {
    hub = await dialect.open();
    dir = await mkdtemp(join(tmpdir(), 'hdh-migf-'));
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  it('re-copies a source object that changes during its copy, and reports a failing store per object', async () => {
    const srcRoot = join(dir, 'src');
    const real = await FsStore.open({ name: 'src', root: srcRoot, createRoot: true });
    const v1 = randomBytes(300_000);
    const v2 = randomBytes(300_001);
    await real.put('a/changing.bin', v1);
    for (let i = 0; i < 5; i++) {
      await real.put(`a/steady${i}.bin`, randomBytes(1000));
    }
    let rewrites = 0;
    // The real fs store, with the test rewriting one object right after its first bytes were read.
    const source = hooked(real, {
      get: async (key, o) => {
        const body = await real.get(key, o);
        if (key === 'a/changing.bin' && rewrites === 0) {
          rewrites++;
          body.once(
            'data',
            () => void writeFile(join(srcRoot, 'a', 'changing.bin'), v2).catch(() => undefined),
          );
        }
        return body;
      },
    });
    let failPuts = true;
    const realDst = await FsStore.open({ name: 'dst', root: join(dir, 'dst'), createRoot: true });
    const dest = hooked(realDst, {
      put: async (key, body, o) => {
        if (failPuts && key.includes('steady3')) {
          throw StorageErrors.STORAGE_UNAVAILABLE('dst: connection refused (test)');
        }
        return realDst.put(key, body, o);
      },
    });
    deps = await createTestDeps({
      db: hub,
      keyring: await createTestKeyring(dir),
      stores: { src: { type: 'custom', store: source }, dst: { type: 'custom', store: dest } },
    });
    const engine = createMigrationEngine(deps);
    await engine.plan({
      name: 'f',
      from: { store: 'src', prefix: 'a/' },
      to: { store: 'dst', prefix: 'b/' },
      defaultClass: 'public',
    });
    const first = await engine.run('f', { retry: { retries: 1, baseMs: 1, maxMs: 2 } });
    expect(first.failed).toBe(1);
    expect(first.changed).toBeGreaterThanOrEqual(1);
    const status = await engine.status('f');
    expect(status.errors).toEqual([{ state: 'failed', code: 'STORAGE_UNAVAILABLE', objects: 1 }]);
    expect(status.states.copied.objects).toBe(5);
    failPuts = false;
    const second = await engine.run('f');
    expect(second.copied).toBe(1);
    expect((await engine.verify('f', { deep: true })).clean).toBe(true);
    const row = await hub.db
      .selectFrom('migration_objects')
      .selectAll()
      .where('migration', '=', 'f')
      .where('source_key', '=', 'a/changing.bin')
      .executeTakeFirstOrThrow();
    const onDisk = await readFile(join(srcRoot, 'a', 'changing.bin')).catch(() => undefined);
    expect(onDisk?.length ?? v2.length).toBe(v2.length);
    expect(row.plain_sha256).toBe(sha256(v2));
  });
});

describe.each(dialects)('$name: migration engine, limits and phases', (dialect) => {
  let hub: TestDb;
  let deps: TestDeps;

  beforeAll(async () => {
    hub = await dialect.open();
    const dir = await mkdtemp(join(tmpdir(), 'hdh-migl-'));
    deps = await createTestDeps({
      db: hub,
      keyring: await createTestKeyring(dir),
      stores: { src: { type: 'fs', root: join(dir, 'src') }, dst: { type: 'fs', root: join(dir, 'dst') } },
    });
    const src = await FsStore.open({ name: 'src', root: join(dir, 'src'), createRoot: true });
    for (let i = 0; i < 20; i++) {
      await src.put(`open/o${i}`, randomBytes(100_000));
      await src.put(`health/h${i}`, randomBytes(100_000));
    }
  });
  afterAll(async () => {
    await deps.close();
    await hub.close();
  });

  it('copies one phase at a time, stops at --max-transfer and --max-duration, and resumes', async () => {
    const engine = createMigrationEngine(deps);
    await engine.plan({
      name: 'l',
      from: { store: 'src', prefix: '' },
      to: { store: 'dst', prefix: 'copy/' },
      classMap: createClassMap({ 'open/': 'public', 'health/': 'pseudonymised-health' }, TEST_CLASSES),
    });
    const publicOnly = await engine.run('l', { phase: TEST_CLASSES.indexOf('public') });
    expect(publicOnly.copied).toBe(20);
    const afterPhase = await engine.status('l');
    expect(afterPhase.phases.map((p) => [p.class, p.states.copied.objects])).toEqual([
      ['public', 20],
      ['pseudonymised-health', 0],
    ]);
    const capped = await engine.run('l', { maxTransfer: 500_000, workers: 1, initialWorkers: 1 });
    expect(capped.stoppedBy).toBe('max-transfer');
    expect(capped.copied).toBeGreaterThanOrEqual(5);
    expect(capped.copied).toBeLessThan(20);
    const timed = await engine.run('l', { maxDuration: 1, workers: 1, initialWorkers: 1, bwlimit: 100_000 });
    expect(timed.stoppedBy).toBe('max-duration');
    const rest = await engine.run('l');
    expect(capped.copied + timed.copied + rest.copied).toBe(20);
    expect((await engine.verify('l')).clean).toBe(true);
  });
});
