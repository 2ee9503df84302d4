/**
 * The catalogue view serves pages and descriptions from memory while the catalogue is unchanged, and
 * a change made through another connection to the same database (another hub process) on the very
 * next read; who may read is still decided on every read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAccess, type TestHub } from '../access/testing.js';
import { Catalog } from '../catalog/index.js';
import { catalogueFixture } from '../catalog/testing.js';
import { isHdhError } from '../core/index.js';
import { openDb, type HubDb } from '../db/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { CatalogueView } from './index.js';

const dialects = await testDialects();

describe.each(dialects)('$name: catalogue view from memory', (dialect) => {
  let hub: TestDb;
  let other: HubDb;
  let t: TestHub;
  let view: CatalogueView;
  let elsewhere: Catalog;

  beforeAll(async () => {
    hub = await dialect.open();
    t = await setupAccess(hub);
    view = new CatalogueView(await catalogueFixture(hub.db), t.access, {
      baseUrl: 'https://hub.example.org',
      publisher: 'Test access body',
    });
    other = await openDb(hub.url);
    elsewhere = new Catalog(other.db);
  });
  afterAll(async () => {
    await other.close();
    await hub.close();
  });

  const names = async () => (await view.list(t.operator)).items.map((d) => d.name);

  it('hands out the same frozen page and description while nothing changed', async () => {
    const page = await view.list(t.operator);
    expect(await view.list(t.operator)).toBe(page);
    expect(await view.list(t.operator, { limit: 1 })).not.toBe(page);
    expect(Object.isFrozen(page.items[0]?.themes)).toBe(true);
    const cohort = await view.get(t.operator, 'cohort');
    expect(await view.get(t.operator, 'cohort')).toBe(cohort);
    expect(Object.isFrozen(cohort.current?.tables[0]?.columns)).toBe(true);
  });

  it('serves a change made through another connection on the next read', async () => {
    const page = await view.list(t.operator);
    const cohort = await view.get(t.operator, 'cohort');

    await elsewhere.createDataset({
      name: 'added',
      dataClass: 'open',
      store: 'local',
      title: 'Added elsewhere',
      createdBy: 'p',
    });
    expect(await names()).toEqual(['added', 'cohort', 'registry']);
    expect((await view.get(t.operator, 'added')).title).toBe('Added elsewhere');
    expect(await view.get(t.operator, 'cohort')).not.toBe(cohort);

    const current = await elsewhere.version('cohort');
    const { version: _v, dataset: _d, createdAt: _c, ...rest } = current;
    const added = await elsewhere.addVersion({ ...rest, dataset: 'cohort', persons: 7, inputs: [] });
    const described = await view.get(t.operator, 'cohort');
    expect(described.currentVersion).toBe(added);
    expect(described.current?.persons).toBe(7);
    expect(described.versions.map((v) => v.version)).toEqual([1, 2, added]);
    expect((await view.list(t.operator)).items.find((d) => d.name === 'cohort')?.currentVersion).toBe(added);

    await elsewhere.updateMetadata('registry', { title: 'Renamed elsewhere', keywords: ['moved'] });
    expect((await view.get(t.operator, 'registry')).title).toBe('Renamed elsewhere');
    expect((await view.list(t.operator, { q: 'moved' })).items.map((d) => d.name)).toEqual(['registry']);

    await other.db.deleteFrom('datasets').where('name', '=', 'added').execute();
    expect(await names()).toEqual(['cohort', 'registry']);
    await expect(view.get(t.operator, 'added')).rejects.toSatisfy((e) =>
      isHdhError(e, 'CATALOG_DATASET_NOT_FOUND'),
    );
    expect(await view.list(t.operator)).not.toBe(page);
  });

  it('decides who may read on every read, before looking in memory', async () => {
    await view.list(t.operator);
    await view.get(t.operator, 'cohort');
    const unenrolled = { ...t.operator, mfaEnrolmentRequired: true };
    await expect(view.list(unenrolled)).rejects.toSatisfy((e) => isHdhError(e, 'ACCESS_DENIED'));
    await expect(view.get(unenrolled, 'cohort')).rejects.toSatisfy((e) => isHdhError(e, 'ACCESS_DENIED'));
  });

  it('answers at once only what is kept under the generation given, to whom may read it', async () => {
    const generation = await elsewhere.generation();
    const page = await view.list(t.operator, {}, generation);
    const cohort = await view.get(t.operator, 'cohort', generation);
    expect(view.listKept(t.operator, {}, generation)).toBe(page);
    expect(view.getKept(t.operator, 'cohort', generation)).toBe(cohort);
    // Nothing kept under another generation, for another page, or for a dataset not read yet.
    expect(view.listKept(t.operator, {}, generation + 1)).toBeUndefined();
    expect(view.getKept(t.operator, 'cohort', generation + 1)).toBeUndefined();
    expect(view.listKept(t.operator, { limit: 1 }, generation)).toBeUndefined();
    expect(view.getKept(t.operator, 'registry', generation)).toBeUndefined();
    // A cursor this list did not make is refused at once, as by list.
    const forged = Buffer.from('not a name!').toString('base64url');
    expect(() => view.listKept(t.operator, { cursor: forged }, generation)).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    await expect(view.list(t.operator, { cursor: forged }, generation)).rejects.toSatisfy((e) =>
      isHdhError(e, 'INPUT_INVALID'),
    );
    // Someone the policy refuses gets nothing at once: list and get then refuse and audit it.
    const unenrolled = { ...t.operator, mfaEnrolmentRequired: true };
    expect(view.listKept(unenrolled, {}, generation)).toBeUndefined();
    expect(view.getKept(unenrolled, 'cohort', generation)).toBeUndefined();
  });
});
