import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { openDb, type HubDb } from '../db/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { Catalog, QuarantineRegister, exportHealthDcat, type NewVersion } from './index.js';

const dialects = await testDialects();

const version = (dataset: string, sha: string, persons = 10): NewVersion => ({
  dataset,
  createdBy: 'producer1',
  profile: { name: 'fr-default', version: '1.0.0' },
  keyId: 'hmac:pseudonym:1',
  persons,
  summary: {
    read: 12,
    accepted: 10,
    quarantined: 2,
    byType: { Patient: { read: 12, accepted: 10, quarantined: 2 } },
  },
  tables: [
    {
      name: 'person',
      rows: persons,
      columns: [
        { name: 'person_id', type: 'VARCHAR', description: 'keyed pseudonym of the person' },
        { name: 'year_of_birth', type: 'INTEGER', description: 'year of birth' },
      ],
      store: 'local',
      objectKey: `datasets/${dataset}/v1/person.parquet`,
      bytes: 1234,
    },
  ],
  inputs: [{ fileName: 'Patient.ndjson', sha256: sha, bytes: 999 }],
  temporal: { start: '2019-01-01', end: '2023-12-31' },
  spatial: 'FRA',
});

describe.each(dialects)('$name: catalogue', (dialect) => {
  let hub: TestDb;
  let catalog: Catalog;
  beforeAll(async () => {
    hub = await dialect.open();
    catalog = new Catalog(hub.db);
    await catalog.createDataset({
      name: 'cohort-diabetes',
      dataClass: 'pseudonymised-health',
      store: 'local',
      title: 'Diabetes cohort',
      description: 'Adults with type 2 diabetes, 2019–2023',
      themes: ['diabetes'],
      keywords: ['HbA1c', 'metformin'],
      createdBy: 'producer1',
    });
    await catalog.createDataset({
      name: 'registry-cancer',
      dataClass: 'pseudonymised-health',
      store: 'local',
      createdBy: 'p',
    });
    for (let i = 0; i < 5; i++) {
      await catalog.createDataset({ name: `zz-${i}`, dataClass: 'public', store: 'local', createdBy: 'p' });
    }
  });
  afterAll(async () => {
    await hub.close();
  });

  it('refuses bad and duplicate names with their codes', async () => {
    await expect(
      catalog.createDataset({ name: 'Bad Name', dataClass: 'public', store: 'local', createdBy: 'p' }),
    ).rejects.toSatisfy((e) => isHdhError(e, 'CATALOG_INVALID_NAME'));
    await expect(
      catalog.createDataset({ name: 'cohort-diabetes', dataClass: 'public', store: 'local', createdBy: 'p' }),
    ).rejects.toSatisfy((e) => isHdhError(e, 'CATALOG_DATASET_EXISTS'));
    await expect(catalog.detail('nope')).rejects.toSatisfy((e) => isHdhError(e, 'CATALOG_DATASET_NOT_FOUND'));
  });

  it('records versions with lineage and remembers ingested inputs', async () => {
    expect(await catalog.inputVersion('cohort-diabetes', 'a'.repeat(64))).toBeUndefined();
    const v1 = await catalog.addVersion(version('cohort-diabetes', 'a'.repeat(64)));
    const v2 = await catalog.addVersion(version('cohort-diabetes', 'b'.repeat(64), 20));
    expect([v1, v2]).toEqual([1, 2]);
    expect(await catalog.inputVersion('cohort-diabetes', 'a'.repeat(64))).toBe(1);
    const detail = await catalog.detail('cohort-diabetes');
    expect(detail.currentVersion).toBe(2);
    expect(detail.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(detail.current?.tables[0]?.columns.map((c) => c.name)).toEqual(['person_id', 'year_of_birth']);
    expect(detail.current?.persons).toBe(20);
    expect(detail.temporal).toEqual({ start: '2019-01-01', end: '2023-12-31' });
    await expect(catalog.version('cohort-diabetes', 9)).rejects.toSatisfy((e) =>
      isHdhError(e, 'CATALOG_VERSION_NOT_FOUND'),
    );
  });

  it('searches and pages', async () => {
    expect((await catalog.list({ q: 'metformin' })).items.map((d) => d.name)).toEqual(['cohort-diabetes']);
    expect((await catalog.list({ q: 'DIABETES cohort' })).items.map((d) => d.name)).toEqual([
      'cohort-diabetes',
    ]);
    expect((await catalog.list({ theme: 'diabetes' })).items).toHaveLength(1);
    expect((await catalog.list({ dataClass: 'public' })).items).toHaveLength(5);
    const first = await catalog.list({ limit: 3 });
    expect(first.items).toHaveLength(3);
    const second = await catalog.list({ limit: 3, cursor: first.nextCursor! });
    const third = await catalog.list({ limit: 3, cursor: second.nextCursor! });
    const names = [...first.items, ...second.items, ...third.items].map((d) => d.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(7);
    expect(third.nextCursor).toBeUndefined();
  });

  it('exports HealthDCAT-AP JSON-LD with tables as distributions and no download address', async () => {
    const doc = await exportHealthDcat(catalog, {
      baseUrl: 'https://hub.example.org/',
      publisher: 'Example HDAB',
    });
    expect(doc['@type']).toBe('dcat:Catalog');
    const datasets = doc['dcat:dataset'] as Record<string, unknown>[];
    expect(datasets).toHaveLength(7);
    const d = datasets.find((x) => x['dct:identifier'] === 'cohort-diabetes')!;
    expect(d['@id']).toBe('https://hub.example.org/datasets/cohort-diabetes');
    expect(d['healthdcatap:numberOfUniqueIndividuals']).toEqual({
      '@value': '20',
      '@type': 'xsd:nonNegativeInteger',
    });
    const dist = (d['dcat:distribution'] as Record<string, unknown>[])[0]!;
    expect(dist['dct:title']).toBe('person');
    expect(JSON.stringify(dist)).not.toMatch(/downloadURL|accessURL/);
    expect(JSON.stringify(d['prov:wasGeneratedBy'])).toContain('b'.repeat(64));
    expect(d['dct:accessRights']).toEqual({
      '@id': 'http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC',
    });
  });

  it('keeps quarantined records until they are resolved, once', async () => {
    const q = new QuarantineRegister(hub.db);
    const ids = await q.add([
      {
        dataset: 'cohort-diabetes',
        ingestId: 'ing1',
        code: 'INGEST_INVALID_NIR',
        message: 'Patient.identifier[0].value: NIR key does not match',
        file: 'Patient.ndjson',
        line: 7,
        resourceType: 'Patient',
        store: 'local',
        objectKey: 'quarantine/cohort-diabetes/q1',
      },
    ]);
    expect((await q.list('cohort-diabetes', { status: 'open' })).items.map((e) => e.id)).toEqual(ids);
    const resolved = await q.resolve('cohort-diabetes', ids[0]!, {
      status: 'reingested',
      by: 'producer1',
      resolution: 'corrected NIR',
    });
    expect(resolved).toMatchObject({ status: 'reingested', resolvedBy: 'producer1' });
    await expect(
      q.resolve('cohort-diabetes', ids[0]!, { status: 'dismissed', by: 'x', resolution: 'y' }),
    ).rejects.toSatisfy((e) => isHdhError(e, 'QUARANTINE_ALREADY_RESOLVED'));
    expect(await q.counts('cohort-diabetes')).toEqual({ reingested: 1 });
    await expect(q.get('cohort-diabetes', 'nope')).rejects.toSatisfy((e) =>
      isHdhError(e, 'QUARANTINE_NOT_FOUND'),
    );
  });
});

describe.each(dialects)('$name: catalogue generation', (dialect) => {
  let hub: TestDb;
  let other: HubDb;
  let catalog: Catalog;
  let elsewhere: Catalog;
  beforeAll(async () => {
    hub = await dialect.open();
    // A second hub process on the same database: its own connection (pool), its own Catalog.
    other = await openDb(hub.url);
    catalog = new Catalog(hub.db);
    elsewhere = new Catalog(other.db);
  });
  afterAll(async () => {
    await other.close();
    await hub.close();
  });

  /** Runs `write` and says whether this connection then sees another generation. */
  const changes = async (write: () => Promise<unknown>): Promise<boolean> => {
    const before = await catalog.generation();
    await write();
    return (await catalog.generation()) !== before;
  };

  it('changes with every write to datasets or their versions, whichever connection makes it', async () => {
    expect(
      await changes(() =>
        elsewhere.createDataset({ name: 'gen', dataClass: 'open', store: 'local', createdBy: 'p' }),
      ),
    ).toBe(true);
    expect(await changes(() => elsewhere.addVersion(version('gen', 'a'.repeat(64))))).toBe(true);
    expect(await changes(() => elsewhere.updateMetadata('gen', { title: 'Generation' }))).toBe(true);
    expect(await changes(() => elsewhere.moveToStore('gen', 'other'))).toBe(true);
    // Statements that bypass the catalog are seen too: the triggers are in the database.
    expect(
      await changes(() =>
        other.db.updateTable('dataset_versions').set({ persons: 11 }).where('dataset', '=', 'gen').execute(),
      ),
    ).toBe(true);
    expect(
      await changes(() => other.db.deleteFrom('dataset_versions').where('dataset', '=', 'gen').execute()),
    ).toBe(true);
    expect(await changes(() => other.db.deleteFrom('datasets').where('name', '=', 'gen').execute())).toBe(
      true,
    );
    // Writes to other tables leave it alone.
    expect(
      await changes(() => other.db.insertInto('hub_meta').values({ key: 'gen-test', value: '1' }).execute()),
    ).toBe(false);
  });

  it('changes when the writing transaction commits, and not at all if it rolls back', async () => {
    const before = await catalog.generation();
    await other.db.transaction().execute(async (trx) => {
      await elsewhere.createDataset(
        { name: 'gen-tx', dataClass: 'open', store: 'local', createdBy: 'p' },
        trx,
      );
      expect(await catalog.generation()).toBe(before);
    });
    const committed = await catalog.generation();
    expect(committed).not.toBe(before);

    await expect(
      other.db.transaction().execute(async (trx) => {
        await elsewhere.updateMetadata('gen-tx', { title: 'never' }, trx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await catalog.generation()).toBe(committed);
    expect((await catalog.metadata('gen-tx')).title).toBe('gen-tx');
  });
});
