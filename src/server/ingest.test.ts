/**
 * What the ingestion and quarantine routes do, over a real hub: a synthetic export with injected
 * faults uploaded as one NDJSON file, a CSV upload with its schema, bad uploads refused with nothing
 * written, the quarantine listed, shown (audited), re-ingested and dismissed, and the same result as
 * `hdh ingest` (ingestIntoHub) on the same bytes.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../db/testing.js';
import { ingestIntoHub } from '../hub/index.js';
import { generatePopulation, INS_NIR_SYSTEM, populationResources } from '../synth/index.js';
import { hubServerFixture, type HubServerFixture } from './testing/hub-server.js';
import { patientLine } from './testing/matrix-cases/ingest.js';
import { bearer } from './testing/server-fixture.js';

const dialects = await testDialects();

interface Counts {
  read: number;
  accepted: number;
  quarantined: number;
}
interface IngestAnswer extends Counts {
  dataset: string;
  version: number | null;
  byType: Record<string, Counts>;
  quarantineByCode: Record<string, number>;
  persons: number;
  tables: { name: string; rows: number }[];
  inputs: { fileName: string; sha256: string; bytes: number }[];
  skipped: { fileName: string; version?: number }[];
}
interface Entry {
  id: string;
  code: string;
  status: string;
  file: string;
  line: number;
  resolution?: string;
}

const CSV_SCHEMA = `name: pharmacy_claims
person: { column: nir, check: nir }
columns:
  - { name: nir, type: string, identifying: true }
  - { name: dispensed_on, type: date, required: true }
  - { name: boxes, type: integer }
`;

describe.each(dialects)('$name: ingestion and quarantine over the API', (dialect) => {
  let fx: HubServerFixture;
  let dir: string;
  let body: Buffer;
  let first: IngestAnswer;

  const as = (who: 'producer' | 'service:producer' | 'operator') => bearer(fx.tokens.get(who)!);
  const upload = (
    name: string,
    payload: string | Buffer | Readable,
    options: { query?: string; type?: string; headers?: Record<string, string> } = {},
  ) =>
    fx.app.inject({
      method: 'POST',
      url: `/api/datasets/${name}/ingest${options.query === undefined ? '' : `?${options.query}`}`,
      headers: {
        ...as('producer'),
        'content-type': options.type ?? 'application/fhir+ndjson',
        ...options.headers,
      },
      payload,
    });
  const get = (url: string, who: 'producer' | 'operator' = 'producer') =>
    fx.app.inject({ method: 'GET', url, headers: as(who) });
  const workLeft = async () => readdir(join(fx.home, 'work')).catch(() => []);
  const auditOf = async (action: string) =>
    fx.hub.db.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'target', 'outcome', 'details'])
      .where('action', '=', action)
      .execute();

  beforeAll(async () => {
    fx = await hubServerFixture(dialect.name);
    dir = join(fx.home, '..', 'input');
    await generatePopulation({ outDir: dir, patients: 12, seed: 'api-ingest', faults: 0.02 });
    // One NDJSON file holding the whole export, the Patients first.
    const names = (await readdir(dir)).filter((n) => n.endsWith('.ndjson')).sort();
    names.sort((a, b) => (a === 'Patient.ndjson' ? -1 : b === 'Patient.ndjson' ? 1 : 0));
    body = Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
    await writeFile(join(dir, 'export.ndjson'), body);
    const r = await upload('cohort', body, { query: 'create=true&fileName=export.ndjson&title=Cohort' });
    expect(r.statusCode, r.body).toBe(201);
    first = r.json<IngestAnswer>();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('ingests an NDJSON upload: counts add up, records set aside with their reason, a new version', async () => {
    expect(first).toMatchObject({ dataset: 'cohort', version: 1, persons: 12 });
    expect(first.read).toBe(first.accepted + first.quarantined);
    expect(Object.values(first.byType).reduce((n, c) => n + c.read, 0)).toBe(first.read);
    expect(first.quarantined).toBeGreaterThan(0);
    expect(Object.values(first.quarantineByCode).reduce((a, b) => a + b, 0)).toBe(first.quarantined);
    expect(first.inputs).toEqual([
      { fileName: 'export.ndjson', sha256: expect.any(String), bytes: body.length },
    ]);

    const list = await get('/api/datasets/cohort/quarantine?limit=200');
    expect(list.statusCode).toBe(200);
    const page = list.json<{ items: Entry[]; counts: Record<string, number> }>();
    expect(page.items).toHaveLength(first.quarantined);
    expect(page.counts).toEqual({ open: first.quarantined });
    const byCode: Record<string, number> = {};
    for (const e of page.items) {
      byCode[e.code] = (byCode[e.code] ?? 0) + 1;
      expect(e.file).toBe('export.ndjson');
    }
    expect(byCode).toEqual(first.quarantineByCode);
    const code = page.items[0]!.code;
    const filtered = await get(`/api/datasets/cohort/quarantine?code=${code}&limit=200`);
    expect(filtered.json<{ items: Entry[] }>().items).toHaveLength(byCode[code]!);

    const dataset = await get('/api/datasets/cohort');
    expect(dataset.json()).toMatchObject({
      currentVersion: 1,
      title: 'Cohort',
      current: { persons: 12, lineage: { inputs: [{ fileName: 'export.ndjson', bytes: body.length }] } },
    });
    expect(dataset.json()).not.toHaveProperty('quarantine');
    expect((await get('/api/datasets/cohort/quarantine')).json()).toMatchObject({
      counts: { open: first.quarantined },
    });
    const audit = (await auditOf('dataset.ingest')).filter((e) => e.target === 'dataset:cohort');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(fx.principals.get('producer')!.actor);
    expect(await workLeft()).toEqual([]);
  });

  it('adds nothing when the same bytes come again (200, version null)', async () => {
    const again = await upload('cohort', body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: null, skipped: [{ version: 1 }] });
    expect((await get('/api/datasets/cohort')).json()).toMatchObject({ currentVersion: 1 });
  });

  it('reads a gzipped upload (Content-Encoding: gzip) as the file it compresses', async () => {
    const lines = `${await patientLine('api-gzip')}\n${await patientLine('api-gzip', 'bad id')}\n`;
    const r = await upload('zipped', gzipSync(lines), {
      query: 'create=true&fileName=patients.ndjson.gz',
      headers: { 'content-encoding': 'gzip' },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ read: 2, accepted: 1, quarantined: 1, persons: 1 });
  });

  it('gives the same result as hdh ingest (ingestIntoHub) on the same bytes', async () => {
    const cli = await ingestIntoHub(fx.hub, {
      dataset: 'cohort-cli',
      inputs: [join(dir, 'export.ndjson')],
      actor: fx.operator.actor,
    });
    expect({
      read: cli.summary.read,
      accepted: cli.summary.accepted,
      quarantined: cli.summary.quarantined,
      byType: cli.summary.byType,
      quarantineByCode: cli.summary.quarantineByCode,
      persons: cli.persons,
      tables: cli.tables.map((t) => ({ name: t.name, rows: t.rows })),
      sha256: cli.inputs[0]!.sha256,
    }).toEqual({
      read: first.read,
      accepted: first.accepted,
      quarantined: first.quarantined,
      byType: first.byType,
      quarantineByCode: first.quarantineByCode,
      persons: first.persons,
      tables: first.tables,
      sha256: first.inputs[0]!.sha256,
    });
  });

  it('shows a quarantined record with its original content, auditing the reading', async () => {
    const items = (await get('/api/datasets/cohort/quarantine?limit=1')).json<{ items: Entry[] }>().items;
    const entry = items[0]!;
    const shown = await get(`/api/datasets/cohort/quarantine/${entry.id}`, 'operator');
    expect(shown.statusCode).toBe(200);
    const record = shown.json<{ content: string; issues: { code: string }[]; origin: { line: number } }>();
    expect(record.issues[0]!.code).toBe(entry.code);
    expect(record.content).toBe(body.toString('utf8').split('\n')[entry.line - 1]);
    const audit = (await auditOf('quarantine.show')).filter((e) => e.target === 'dataset:cohort');
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual([
      [fx.principals.get('operator')!.actor, 'success'],
    ]);
    expect((await get('/api/datasets/cohort/quarantine/q_nosuchrecord')).json()).toMatchObject({
      status: 404,
      code: 'QUARANTINE_NOT_FOUND',
    });
  });

  it('dismisses a record with its reason (audited), once', async () => {
    const items = (await get('/api/datasets/cohort/quarantine?limit=1')).json<{ items: Entry[] }>().items;
    const id = items[0]!.id;
    const dismiss = (reason: unknown) =>
      fx.app.inject({
        method: 'POST',
        url: `/api/datasets/cohort/quarantine/${id}/dismiss`,
        headers: as('service:producer'),
        payload: { reason },
      });
    expect((await dismiss('   ')).json()).toMatchObject({ status: 400, code: 'REQUEST_INVALID' });
    const done = await dismiss('a test record sent by mistake');
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      id,
      status: 'dismissed',
      resolution: 'a test record sent by mistake',
    });
    expect((await dismiss('again')).json()).toMatchObject({
      status: 409,
      code: 'QUARANTINE_ALREADY_RESOLVED',
    });
    const audit = (await auditOf('quarantine.dismiss')).filter((e) => e.target === 'dataset:cohort');
    const svc = fx.principals.get('service:producer')!.actor;
    expect(audit.map((e) => [e.actor, e.outcome])).toEqual([
      [svc, 'success'],
      [svc, 'failure'],
    ]);
    const open = (await get('/api/datasets/cohort/quarantine?status=dismissed')).json<{ items: Entry[] }>();
    expect(open.items.map((e) => e.id)).toEqual([id]);
  });

  it('re-ingests a corrected record into a new version; a correction still wrong is refused', async () => {
    const good = await patientLine('api-reingest');
    const bad = await patientLine('api-reingest', 'not a valid id');
    const r = await upload('fixes', `${good}\n${bad}\n`, { query: 'create=true' });
    expect(r.json()).toMatchObject({
      version: 1,
      accepted: 1,
      quarantined: 1,
      quarantineByCode: { INGEST_BAD_ID: 1 },
    });
    const [entry] = (await get('/api/datasets/fixes/quarantine')).json<{ items: Entry[] }>().items;
    const reingest = (content: string, type = 'application/fhir+json') =>
      fx.app.inject({
        method: 'POST',
        url: `/api/datasets/fixes/quarantine/${entry!.id}/reingest`,
        headers: { ...as('producer'), 'content-type': type },
        payload: content,
      });
    const still = await reingest(await patientLine('api-reingest', 'still wrong'));
    expect(still.json()).toMatchObject({ status: 422, code: 'INGEST_REINGEST_REJECTED' });
    expect((await reingest('{}', 'application/xml')).json()).toMatchObject({
      status: 415,
      code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE',
    });
    const fixed = await reingest(await patientLine('api-reingest', 'fixed-1'));
    expect(fixed.statusCode, fixed.body).toBe(201);
    expect(fixed.json()).toMatchObject({ dataset: 'fixes', id: entry!.id, version: 2, accepted: 1 });
    const after = (await get('/api/datasets/fixes/quarantine?status=all')).json<{ items: Entry[] }>().items;
    expect(after).toMatchObject([{ id: entry!.id, status: 'reingested' }]);
    expect((await get('/api/datasets/fixes')).json()).toMatchObject({ currentVersion: 2 });
    const audit = (await auditOf('quarantine.reingest')).filter(
      (e) => e.target === 'dataset:fixes' && e.outcome === 'success',
    );
    expect(audit.map((e) => e.actor)).toEqual([fx.principals.get('producer')!.actor]);
  });

  it('ingests a CSV upload with its schema, and refuses one without', async () => {
    const nirs: string[] = [];
    for await (const rec of populationResources({ patients: 2, seed: 'api-csv' })) {
      const ids = (rec.resource as { identifier?: { system?: string; value?: string }[] }).identifier;
      const nir = rec.type === 'Patient' ? ids?.find((i) => i.system === INS_NIR_SYSTEM)?.value : undefined;
      if (nir !== undefined) {
        nirs.push(nir);
      }
    }
    const csv = `nir,dispensed_on,boxes\n${nirs[0]},2025-03-01,2\n${nirs[1]},2025-03-04,1\n${nirs[1]},not a date,1\n`;
    const schema = Buffer.from(CSV_SCHEMA).toString('base64');
    const missing = await upload('claims', csv, { query: 'create=true', type: 'text/csv' });
    expect(missing.json()).toMatchObject({ status: 400, code: 'INGEST_INPUT_UNSUPPORTED' });
    const r = await upload('claims', csv, {
      query: 'create=true&fileName=claims.csv',
      type: 'text/csv; charset=utf-8',
      headers: { 'hdh-csv-schema': schema },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ version: 1, read: 3, accepted: 2, quarantined: 1, persons: 0 });
    expect(r.json<IngestAnswer>().tables).toContainEqual({ name: 'pharmacy_claims', rows: 2 });
    const [entry] = (await get('/api/datasets/claims/quarantine')).json<{ items: Entry[] }>().items;
    expect(entry).toMatchObject({ code: 'INGEST_BAD_TYPE', file: 'claims.csv', line: 4 });
  });

  it('refuses bad uploads precisely, writing nothing', async () => {
    const refused = async (
      r: Awaited<ReturnType<typeof upload>>,
      status: number,
      code: string,
      dataset = 'never',
    ): Promise<void> => {
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json()).toMatchObject({ status, code });
      expect((await get(`/api/datasets/${dataset}`)).statusCode).toBe(404);
    };
    const line = `${await patientLine('api-refused')}\n`;
    await refused(await upload('never', line), 404, 'CATALOG_DATASET_NOT_FOUND');
    await refused(await upload('Not_A_Name', line, { query: 'create=true' }), 400, 'REQUEST_INVALID', 'x');
    await refused(
      await upload('never', line, { query: 'create=true', type: 'application/xml' }),
      415,
      'REQUEST_UNSUPPORTED_MEDIA_TYPE',
    );
    await refused(await upload('never', '', { query: 'create=true' }), 400, 'INGEST_UPLOAD_EMPTY');
    await refused(
      await upload('never', line, { query: 'create=true', headers: { 'content-encoding': 'br' } }),
      415,
      'REQUEST_UNSUPPORTED_MEDIA_TYPE',
    );
    await refused(
      await upload('never', line, {
        query: 'create=true',
        type: 'text/csv',
        headers: { 'hdh-csv-schema': 'bm9wZQ==' },
      }),
      400,
      'INGEST_SCHEMA_INVALID',
    );
    await refused(
      await upload('never', line, { query: 'create=true&store=nowhere' }),
      404,
      'HUB_STORE_UNKNOWN',
    );

    // A store whose provider may not hold health data: refused before the upload is read.
    const stores = fx.hub.config.stores;
    stores['cloud-act'] = { type: 'memory', provider: 'azure-france-central', legacy: false };
    try {
      await refused(
        await upload('never', line, { query: 'create=true&store=cloud-act' }),
        403,
        'SOVEREIGNTY_PLACEMENT_REFUSED',
      );
    } finally {
      delete stores['cloud-act'];
    }

    // Too large: declared (Content-Length) or found while streaming (no length given).
    const server = fx.hub.config.server as { ingestUploadLimitBytes: number };
    const limit = server.ingestUploadLimitBytes;
    server.ingestUploadLimitBytes = 1024;
    try {
      const big = line.repeat(Math.ceil(2048 / line.length));
      await refused(await upload('never', big, { query: 'create=true' }), 413, 'INGEST_UPLOAD_TOO_LARGE');
      const streamed = Readable.from([Buffer.from(big.slice(0, 800)), Buffer.from(big.slice(800))]);
      await refused(
        await upload('never', streamed, { query: 'create=true' }),
        413,
        'INGEST_UPLOAD_TOO_LARGE',
      );
    } finally {
      server.ingestUploadLimitBytes = limit;
    }

    // Only producers ingest.
    const denied = await fx.app.inject({
      method: 'POST',
      url: '/api/datasets/never/ingest?create=true',
      headers: { ...as('operator'), 'content-type': 'application/fhir+ndjson' },
      payload: line,
    });
    await refused(denied, 403, 'ACCESS_DENIED');
    expect(await workLeft()).toEqual([]);
  });
});
