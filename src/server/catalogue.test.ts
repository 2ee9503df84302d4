/**
 * The catalogue over HTTP: listing with search and pages, a dataset's description down to its
 * columns and lineage (never where its sealed objects lie, never rows), the HealthDCAT-AP export, and
 * precise problems for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/index.js';
import { openDb } from '../db/index.js';
import { testDialects, type TestDb } from '../db/testing.js';
import { userWithSession } from '../access/testing.js';
import { bearer, serverFixture, type ServerFixture } from './testing/server-fixture.js';

const dialects = await testDialects();

describe.each(dialects)('$name: catalogue API', (dialect) => {
  let hub: TestDb;
  let fx: ServerFixture;
  let token: string;

  beforeAll(async () => {
    hub = await dialect.open();
    fx = await serverFixture(hub);
    token = (await userWithSession(fx.t, 'ann', 'researcher')).login.accessToken;
  });
  afterAll(async () => {
    await fx.app.close();
    await hub.close();
  });

  const get = (url: string) => fx.app.inject({ method: 'GET', url, headers: bearer(token) });

  it('lists datasets in name order, a page at a time, and searches their descriptions', async () => {
    const all = await get('/api/datasets');
    expect(all.statusCode).toBe(200);
    expect(all.json<{ items: { name: string }[] }>().items.map((d) => d.name)).toEqual([
      'cohort',
      'registry',
    ]);

    const first = (await get('/api/datasets?limit=1')).json<{
      items: { name: string }[];
      nextCursor: string;
    }>();
    expect(first.items.map((d) => d.name)).toEqual(['cohort']);
    const second = (await get(`/api/datasets?limit=1&cursor=${first.nextCursor}`)).json<{
      items: { name: string }[];
      nextCursor?: string;
    }>();
    expect(second).toEqual({ items: [expect.objectContaining({ name: 'registry' })] });

    const search = async (query: string) =>
      (await get(`/api/datasets?${query}`)).json<{ items: { name: string }[] }>().items.map((d) => d.name);
    expect(await search('q=cancer')).toEqual(['registry']);
    expect(await search('q=hospital%20stays')).toEqual(['cohort']);
    expect(await search('theme=hospital')).toEqual(['cohort']);
    expect(await search('q=nothing-like-this')).toEqual([]);
  });

  it('describes a dataset down to its columns and lineage, never where its objects are', async () => {
    const response = await get('/api/datasets/cohort');
    expect(response.statusCode).toBe(200);
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      name: 'cohort',
      title: 'Hospital stays cohort',
      publisher: 'Test hospital group',
      dataClass: 'pseudonymised-health',
      currentVersion: 2,
      temporal: { start: '2019-01-01', end: '2024-12-31' },
      spatial: 'FRA',
      versions: [expect.objectContaining({ version: 1 }), expect.objectContaining({ version: 2 })],
      current: {
        version: 2,
        persons: 100,
        profile: { name: 'fr-default', version: '1.0.0' },
        tables: [
          expect.objectContaining({
            name: 'patients',
            columns: expect.arrayContaining([
              { name: 'patient_id', type: 'VARCHAR', description: 'patient_id' },
            ]),
          }),
          expect.objectContaining({ name: 'stays' }),
        ],
        lineage: {
          inputs: [expect.objectContaining({ fileName: 'cohort-2.ndjson' })],
          summary: expect.objectContaining({ read: 110, accepted: 100, quarantined: 10 }),
        },
      },
    });
    // Where the sealed objects lie and under which key is the hub's business, not the catalogue's.
    expect(response.body).not.toMatch(/objectKey|datasets\/cohort\/v|keyId|hmac:|"store"/);
  });

  it('describes any version in full, as hdh datasets show --version does, and names a missing one', async () => {
    const first = await get('/api/datasets/cohort/versions/1');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      version: 1,
      tables: [expect.objectContaining({ name: 'patients' }), expect.objectContaining({ name: 'stays' })],
      lineage: { inputs: [expect.objectContaining({ fileName: 'cohort-1.ndjson' })] },
    });
    expect(first.body).not.toMatch(/objectKey|datasets\/cohort\/v|keyId|hmac:|"store"/);
    expect((await get('/api/datasets/cohort/versions/2')).json()).toEqual(
      (await get('/api/datasets/cohort')).json<{ current: unknown }>().current,
    );
    const missing = await get('/api/datasets/cohort/versions/9');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'CATALOG_VERSION_NOT_FOUND' });
    const bad = await get('/api/datasets/cohort/versions/first');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('serves a change made by another hub process on the same database on the next request', async () => {
    const before = await get('/api/datasets');
    expect(before.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await get('/api/datasets')).body).toBe(before.body);
    const other = await openDb(hub.url);
    try {
      const elsewhere = new Catalog(other.db);
      await elsewhere.createDataset({
        name: 'between',
        dataClass: 'open',
        store: 'local',
        title: 'Written by another process',
        createdBy: 'p',
      });
      expect(
        (await get('/api/datasets')).json<{ items: { name: string }[] }>().items.map((d) => d.name),
      ).toEqual(['between', 'cohort', 'registry']);
      await elsewhere.updateMetadata('between', { description: 'Described since' });
      expect((await get('/api/datasets/between')).json<{ description: string }>().description).toBe(
        'Described since',
      );
      await other.db.deleteFrom('datasets').where('name', '=', 'between').execute();
      expect((await get('/api/datasets/between')).statusCode).toBe(404);
      expect((await get('/api/datasets')).body).toBe(before.body);
    } finally {
      await other.close();
    }
  });

  it('refuses the next request of a session revoked by another hub process on the same database', async () => {
    const { login, principal } = await userWithSession(fx.t, 'bea', 'researcher');
    const as = (url: string) => fx.app.inject({ method: 'GET', url, headers: bearer(login.accessToken) });
    expect((await as('/api/datasets')).statusCode).toBe(200);
    expect((await as('/api/datasets/cohort')).statusCode).toBe(200);
    const other = await openDb(hub.url);
    try {
      await other.db
        .updateTable('auth_sessions')
        .set({ revoked_at: new Date().toISOString(), revoked_reason: 'signed out elsewhere' })
        .where('id', '=', principal.sessionId!)
        .execute();
    } finally {
      await other.close();
    }
    for (const url of ['/api/datasets', '/api/datasets/cohort']) {
      const refused = await as(url);
      expect({ url, status: refused.statusCode }).toEqual({ url, status: 401 });
      expect(refused.json<{ code: string }>().code).toBe('AUTH_TOKEN_REVOKED');
    }
    // Everyone else is still served.
    expect((await get('/api/datasets')).statusCode).toBe(200);
  });

  it('exports the whole catalogue as HealthDCAT-AP JSON-LD', async () => {
    const response = await get('/api/catalog/dcat');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/ld\+json/);
    const doc = response.json<{ '@type': string; 'dcat:dataset': { 'dct:identifier': string }[] }>();
    expect(doc['@type']).toBe('dcat:Catalog');
    expect(doc['dcat:dataset'].map((d) => d['dct:identifier'])).toEqual(['cohort', 'registry']);
    expect(response.body).toContain('https://hub.example.org/datasets/cohort');
    expect(response.body).toContain('Test access body');
  });

  it('answers unknown datasets, bad names, bad cursors and unknown parameters with a precise problem', async () => {
    const cases: [string, number, string][] = [
      ['/api/datasets/unknown', 404, 'CATALOG_DATASET_NOT_FOUND'],
      ['/api/datasets/Not%20A%20Name', 400, 'REQUEST_INVALID'],
      ['/api/datasets?limit=0', 400, 'REQUEST_INVALID'],
      ['/api/datasets?limit=ten', 400, 'REQUEST_INVALID'],
      ['/api/datasets?cursor=bm9wZQ', 200, ''],
      ['/api/datasets?cursor=!!', 400, 'REQUEST_INVALID'],
      ['/api/datasets?cursor=AAAA', 400, 'INPUT_INVALID'],
      ['/api/datasets?sort=name', 400, 'REQUEST_INVALID'],
    ];
    for (const [url, status, code] of cases) {
      const response = await get(url);
      expect({ url, status: response.statusCode }).toEqual({ url, status });
      if (status >= 400) {
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect({ url, code: response.json<{ code: string }>().code }).toEqual({ url, code });
      }
    }
    const anonymous = await fx.app.inject({ method: 'GET', url: '/api/datasets' });
    expect(anonymous.statusCode).toBe(401);
  });
});
