import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDb } from './testing.js';
import { migrateToLatest, serializedTransaction, openDb } from './index.js';
import { isHdhError } from '../core/index.js';

const dialects = await testDialects();

describe.each(dialects)('$name: hub database', (dialect) => {
  let hub: TestDb;
  beforeAll(async () => {
    hub = await dialect.open();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('applies the schema and is idempotent on a second start', async () => {
    await migrateToLatest(hub.db);
    const rows = await hub.db.selectFrom('hub_meta').selectAll().execute();
    expect(rows).toEqual([]);
  });

  it('returns bigint columns and counts as numbers', async () => {
    await hub.db
      .insertInto('objects')
      .values({
        store: 's',
        key: 'k',
        object_id: 'k',
        dataset: 'd',
        class: 'public',
        sealed: 1,
        key_id: null,
        plain_size: 5 * 1024 ** 3,
        plain_sha256: 'a'.repeat(64),
        sealed_size: 5 * 1024 ** 3 + 100,
        sealed_sha256: 'b'.repeat(64),
        created_at: new Date().toISOString(),
      })
      .execute();
    const row = await hub.db.selectFrom('objects').select(['plain_size']).executeTakeFirstOrThrow();
    expect(row.plain_size).toBe(5 * 1024 ** 3);
    const { n } = await hub.db
      .selectFrom('objects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(n).toBe(1);
  });

  it('stores and returns bytes', async () => {
    const wrapped = Buffer.from([0, 1, 2, 255]);
    await hub.db
      .insertInto('dataset_keys')
      .values({
        key_id: 'dk1',
        dataset: 'd',
        wrapped,
        wrap_alg: 'x',
        master_key_id: 'm',
        state: 'active',
        created_at: 'now',
        destroyed_at: null,
        destroyed_by: null,
      })
      .execute();
    const row = await hub.db.selectFrom('dataset_keys').select('wrapped').executeTakeFirstOrThrow();
    expect(Buffer.from(row.wrapped!)).toEqual(wrapped);
  });

  it('serialises writers of the same lock and rolls back on error', async () => {
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((i) =>
        serializedTransaction(hub, 'test', async (trx) => {
          await trx
            .insertInto('hub_meta')
            .values({ key: `k${i}`, value: String(i) })
            .execute();
          order.push(i);
        }),
      ),
    );
    expect(order.sort()).toEqual([1, 2, 3]);
    await expect(
      serializedTransaction(hub, 'test', async (trx) => {
        await trx.insertInto('hub_meta').values({ key: 'rolled-back', value: 'x' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const gone = await hub.db.selectFrom('hub_meta').selectAll().where('key', '=', 'rolled-back').execute();
    expect(gone).toEqual([]);
  });
});

describe('database errors', () => {
  it('reports an unreachable PostgreSQL as DB_UNAVAILABLE without the password', async () => {
    const err: unknown = await openDb('postgres://u:secret@127.0.0.1:1/x').catch((e: unknown) => e);
    expect(isHdhError(err, 'DB_UNAVAILABLE')).toBe(true);
    expect((err as Error).message).not.toContain('secret');
  });
});
