import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDb } from './testing.js';
import { prepareQuery } from './index.js';

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
});
