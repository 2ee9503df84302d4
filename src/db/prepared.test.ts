import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { testDialects, type TestDb } from './testing.js';
import { openDb, prepareQuery, type HubDb } from './index.js';

const dialects = await testDialects();

describe.each(dialects)('$name: prepared queries', (dialect) => {
  let hub: TestDb;
  beforeAll(async () => {
    hub = await dialect.open();
    await hub.db
      .insertInto('hub_meta')
      .values([
        { key: 'a', value: 'first' },
        { key: 'b', value: 'second' },
        { key: 'policy', value: 'constant' },
      ])
      .execute();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('runs the compiled query with the values of each call, constants kept', async () => {
    const lookup = prepareQuery(hub.db, ['key'], (p) =>
      hub.db
        .selectFrom('hub_meta')
        .select((eb) => [
          'value',
          eb.selectFrom('hub_meta as m').select('m.value').where('m.key', '=', 'policy').as('policy'),
        ])
        .where('key', '=', p.key),
    );
    expect(await lookup({ key: 'a' })).toEqual([{ value: 'first', policy: 'constant' }]);
    expect(await lookup({ key: 'b' })).toEqual([{ value: 'second', policy: 'constant' }]);
    expect(await lookup({ key: 'none' })).toEqual([]);
    // A value that looks like SQL is a value, not text spliced into the query.
    expect(await lookup({ key: "a' or '1'='1" })).toEqual([]);
  });

  it('refuses a placeholder that does not become a parameter', () => {
    expect(() =>
      prepareQuery(hub.db, ['key', 'unused'], (p) =>
        hub.db.selectFrom('hub_meta').select('value').where('key', '=', p.key),
      ),
    ).toThrow(/placeholder for unused is not a parameter/);
  });

  it('answers what the same query through Kysely answers, whether or not a transaction is open', async () => {
    const lookup = prepareQuery(hub.db, ['key'], (p) =>
      hub.db.selectFrom('hub_meta').select(['key', 'value']).where('key', '>=', p.key).orderBy('key'),
    );
    const viaKysely = async (key: string) =>
      await hub.db
        .selectFrom('hub_meta')
        .select(['key', 'value'])
        .where('key', '>=', key)
        .orderBy('key')
        .execute();
    expect(await lookup({ key: 'a' })).toEqual(await viaKysely('a'));
    expect(await lookup({ key: 'b' })).toEqual(await viaKysely('b'));

    // While a transaction is open, a prepared read sees none of its writes before they are
    // committed: on SQLite the one connection is shared, so the read waits for the commit.
    const exact = prepareQuery(hub.db, ['key'], (p) =>
      hub.db.selectFrom('hub_meta').select(['key', 'value']).where('key', '=', p.key),
    );
    const row = { key: 'c', value: 'third' };
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let inside!: () => void;
    const written = new Promise<void>((resolve) => (inside = resolve));
    const writing = hub.db.transaction().execute(async (trx) => {
      await trx.insertInto('hub_meta').values(row).execute();
      inside();
      await committed;
    });
    await written;
    const during = exact({ key: 'c' });
    const early = await Promise.race([during, new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))]);
    commit();
    await writing;
    if (hub.dialect === 'sqlite') {
      expect(early).toBe('waiting');
      expect(await during).toEqual([row]);
    } else {
      // Another connection of the pool answers with what was committed when it ran.
      expect([[], [row]]).toContainEqual(await during);
    }
    expect(await exact({ key: 'c' })).toEqual([row]);
    await hub.db.deleteFrom('hub_meta').where('key', '=', 'c').execute();
  });

  it('gives the rows at once only where nothing has to be waited for (SQLite, no open transaction)', async () => {
    const lookup = prepareQuery(hub.db, ['key'], (p) =>
      hub.db.selectFrom('hub_meta').select(['key', 'value']).where('key', '=', p.key),
    );
    if (hub.dialect !== 'sqlite') {
      expect(lookup.now({ key: 'a' })).toBeUndefined();
      return;
    }
    expect(lookup.now({ key: 'a' })).toEqual(await lookup({ key: 'a' }));
    expect(lookup.now({ key: 'none' })).toEqual([]);
    // Inside another caller's open transaction the shared connection would show its uncommitted
    // writes: no answer at once, the caller awaits the query, which waits for the commit.
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let inside!: () => void;
    const written = new Promise<void>((resolve) => (inside = resolve));
    const writing = hub.db.transaction().execute(async (trx) => {
      await trx.insertInto('hub_meta').values({ key: 'e', value: 'fifth' }).execute();
      inside();
      await committed;
    });
    await written;
    expect(lookup.now({ key: 'e' })).toBeUndefined();
    commit();
    await writing;
    expect(lookup.now({ key: 'e' })).toEqual([{ key: 'e', value: 'fifth' }]);
    await hub.db.deleteFrom('hub_meta').where('key', '=', 'e').execute();
  });

  it('sees at once what another connection commits, and an error as a rejection', async () => {
    let other: HubDb | undefined;
    try {
      other = await openDb(hub.url);
      const lookup = prepareQuery(hub.db, ['key'], (p) =>
        hub.db.selectFrom('hub_meta').select('value').where('key', '=', p.key),
      );
      expect(await lookup({ key: 'd' })).toEqual([]);
      await other.db.insertInto('hub_meta').values({ key: 'd', value: 'fourth' }).execute();
      expect(await lookup({ key: 'd' })).toEqual([{ value: 'fourth' }]);
      await other.db.updateTable('hub_meta').set({ value: 'changed' }).where('key', '=', 'd').execute();
      expect(await lookup({ key: 'd' })).toEqual([{ value: 'changed' }]);
      await other.db.deleteFrom('hub_meta').where('key', '=', 'd').execute();
      expect(await lookup({ key: 'd' })).toEqual([]);

      await sql`create table scratch (v text)`.execute(other.db);
      const scratch = hub.db as unknown as Kysely<{ scratch: { v: string } }>;
      const failing = prepareQuery(scratch, ['v'], (p) =>
        scratch.selectFrom('scratch').select('v').where('v', '=', p.v),
      );
      expect(await failing({ v: 'x' })).toEqual([]);
      await sql`drop table scratch`.execute(other.db);
      let pending: Promise<unknown> | undefined;
      expect(() => (pending = failing({ v: 'x' }))).not.toThrow();
      await expect(pending).rejects.toThrow(/scratch/);
    } finally {
      await other?.close();
    }
  });
});
