import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDb } from '../db/testing.js';
import { Journal, type NewObject } from './journal.js';
import { compareKeys } from './verify.js';

const dialects = await testDialects();

function object(seq: number, key: string, unit: number): NewObject {
  return {
    migration: 'm',
    seq,
    source_key: key,
    dest_key: `d/${key}`,
    size: seq,
    etag: `e${seq}`,
    md5: null,
    last_modified: new Date(0).toISOString(),
    archived: 0,
    dataset: 'ds',
    class: 'public',
    object_id: `d/${key}`,
    phase: unit % 2,
    unit,
    generation: 1,
    state: 'pending',
    error_code: null,
    error_message: null,
  };
}

describe.each(dialects)('$name: migration journal', (dialect) => {
  let hub: TestDb;
  let journal: Journal;
  beforeAll(async () => {
    hub = await dialect.open();
    journal = new Journal(hub);
    await hub.db
      .insertInto('migrations')
      .values({
        name: 'm',
        source_store: 's',
        source_prefix: '',
        dest_store: 'd',
        dest_prefix: 'd/',
        state: 'running',
        options: '{}',
        plan: null,
        generation: 1,
        next_seq: 1,
        next_unit: 1,
        created_at: new Date().toISOString(),
        planned_at: null,
        last_copy_at: null,
        last_sync_at: null,
        last_sync_found: null,
        last_verify_at: null,
        last_verify_clean: null,
        last_verify: null,
        cutover_at: null,
        cutover: null,
        rollback_at: null,
        decommissioned_at: null,
        certificate: null,
      })
      .execute();
    const keys = ['b', 'a', 'é', '\u{1F600}', '\uFF5E', 'A', 'z'];
    const objects = Array.from({ length: 40 }, (_, i) =>
      object(i + 1, `${keys[i % keys.length]!}${i}`, 1 + (i % 10)),
    );
    await journal.insertObjects(objects);
    await journal.insertUnits(
      Array.from({ length: 10 }, (_, i) => ({
        migration: 'm',
        unit: i + 1,
        phase: (i + 1) % 2,
        state: 'pending',
        lease_owner: null,
        lease_expires_at: null,
        first_leased_at: null,
        attempts: 0,
        objects: 4,
        bytes: 0,
      })),
    );
  });
  afterAll(async () => {
    await hub.close();
  });

  it('leases each unit once across concurrent workers, lowest phase first', async () => {
    const now = new Date();
    const leases = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        journal.leaseUnit({ migrations: ['m'], owner: `w${i % 3}`, now, ttlMs: 60_000 }),
      ),
    );
    const got = leases.filter((l) => l !== undefined);
    expect(got).toHaveLength(10);
    expect(new Set(got.map((l) => l.unit)).size).toBe(10);
    const none = await journal.leaseUnit({ migrations: ['m'], owner: 'late', now, ttlMs: 60_000 });
    expect(none).toBeUndefined();
    // Sequential leasing shows the order: phase 0 units before phase 1 units.
    for (const l of got) {
      await journal.releaseUnit('m', l.unit, l.lease_owner!, false);
    }
    const order: number[] = [];
    for (;;) {
      const l = await journal.leaseUnit({ migrations: ['m'], owner: 'seq', now, ttlMs: 60_000 });
      if (l === undefined) {
        break;
      }
      order.push(l.phase);
    }
    expect(order).toEqual([...order].sort());
  });

  it('gives an expired lease, or one of a dead owner, to another worker', async () => {
    const later = new Date(Date.now() + 120_000);
    const taken = await journal.leaseUnit({ migrations: ['m'], owner: 'rescuer', now: later, ttlMs: 60_000 });
    expect(taken?.lease_owner).toBe('rescuer');
    expect(taken?.attempts).toBe(3);
    const lost = await journal.renewLeases(
      'seq',
      [{ migration: 'm', unit: taken!.unit }],
      new Date(),
      60_000,
    );
    expect(lost).toEqual([{ migration: 'm', unit: taken!.unit }]);
    const dead = await journal.leaseUnit({
      migrations: ['m'],
      owner: 'heir',
      now: new Date(),
      ttlMs: 60_000,
      deadOwners: ['seq'],
    });
    expect(dead?.lease_owner).toBe('heir');
  });

  it('records outcomes in a batch and counts every object in one state', async () => {
    const at = new Date().toISOString();
    await journal.recordOutcomes('m', [
      {
        seq: 1,
        kind: 'copied',
        sourceSealed: false,
        keyId: 'k1',
        plainSize: 1,
        plainSha256: 'a'.repeat(64),
        sealedSize: 100,
        sealedSha256: 'b'.repeat(64),
        destEtag: 'x',
        retries: 2,
        at,
      },
      { seq: 2, kind: 'failed', code: 'STORAGE_UNAVAILABLE', message: 'down', retryable: true, retries: 4 },
      { seq: 3, kind: 'changed', size: 9, etag: 'new', md5: null, lastModified: at, retries: 0 },
    ]);
    const tally = await journal.tally('m');
    const by = (s: string): number => tally.filter((t) => t.state === s).reduce((n, t) => n + t.objects, 0);
    expect(by('copied')).toBe(1);
    expect(by('failed')).toBe(1);
    expect(by('pending')).toBe(38);
    expect(tally.reduce((n, t) => n + t.objects, 0)).toBe(40);
    expect((await journal.get('m')).last_copy_at).toBe(at);
    expect(await journal.requeueRetryable('m')).toBe(1);
    const changed = await journal.object('m', 3);
    expect(changed).toMatchObject({
      state: 'pending',
      size: 9,
      etag: 'new',
      error_code: 'MIGRATION_SOURCE_CHANGED',
    });
  });

  it('keeps multipart state: upload id, header and parts survive, and clear together', async () => {
    await journal.startUpload('m', 5, { uploadId: 'up-1', partSize: 16, header: 'aGVhZGVy' });
    await journal.addPart('m', 5, {
      uploadId: 'up-1',
      partNumber: 1,
      etag: 'p1',
      size: 16,
      sha256: 'c'.repeat(64),
    });
    await journal.addPart('m', 5, {
      uploadId: 'up-1',
      partNumber: 2,
      etag: 'p2',
      size: 16,
      sha256: 'd'.repeat(64),
    });
    expect((await journal.parts('m', 5, 'up-1')).map((p) => p.part_number)).toEqual([1, 2]);
    expect(await journal.object('m', 5)).toMatchObject({
      state: 'copying',
      upload_id: 'up-1',
      seal_header: 'aGVhZGVy',
    });
    await journal.clearUpload('m', 5);
    expect(await journal.parts('m', 5, 'up-1')).toEqual([]);
    expect(await journal.object('m', 5)).toMatchObject({ state: 'pending', upload_id: null });
  });

  it('pages objects in the byte order stores list keys in', async () => {
    const keys: string[] = [];
    for await (const o of journal.objectsByKey('m', 'source_key', 7)) {
      keys.push(o.source_key);
    }
    expect(keys).toHaveLength(40);
    expect(keys).toEqual([...keys].sort(compareKeys));
  });
});
