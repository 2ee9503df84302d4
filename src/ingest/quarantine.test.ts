import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ean13CheckDigit } from './code-systems.js';
import type { QuarantineCode } from './errors.js';
import { withNirKey } from './identifiers.js';
import { countDistinct } from './parquet-stats.js';
import { reingestRecord, runIngest, type IngestResult, type QuarantineRecord } from './pipeline.js';
import { defaultProfile, parseProfile, type Profile } from './profile.js';
import { loadCsvSchema } from './csv-schema.js';
import { localHmac, readParquetRows, tempDir } from './testing/harness.js';

const NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
const GOOD_NIR = withNirKey('2850175113042');
const BAD_NIR = `${GOOD_NIR.slice(0, 13)}${String((Number(GOOD_NIR.slice(13)) % 97) + 1).padStart(2, '0')}`;
const loinc = (code: string): Record<string, unknown> => ({ coding: [{ system: 'http://loinc.org', code }] });
const observation = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: loinc('29463-7'),
  subject: { reference: 'Patient/ok' },
  effectiveDateTime: '2021-03-04T10:00:00+01:00',
  valueQuantity: { value: 71.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  ...extra,
});

/** One line per failure kind, and the code each must be quarantined with (undefined: accepted). */
const LINES: [string, QuarantineCode | undefined][] = [
  [
    JSON.stringify({
      resourceType: 'Patient',
      id: 'ok',
      identifier: [{ system: NIR_SYSTEM, value: GOOD_NIR }],
      gender: 'female',
    }),
    undefined,
  ],
  ['{"resourceType": "Observation", "id": "broken", ', 'INGEST_INVALID_JSON'],
  ['[1, 2, 3]', 'INGEST_NOT_A_RESOURCE'],
  [JSON.stringify({ resourceType: 'Patientt', id: 'x' }), 'INGEST_UNKNOWN_RESOURCE_TYPE'],
  [JSON.stringify({ resourceType: 'Organization', id: 'has space' }), 'INGEST_BAD_ID'],
  [JSON.stringify({ ...observation('no-code'), code: undefined }), 'INGEST_MISSING_ELEMENT'],
  [JSON.stringify(observation('bad-date', { effectiveDateTime: '2021-02-30' })), 'INGEST_BAD_TYPE'],
  [JSON.stringify(observation('bad-loinc', { code: loinc('29463-8') })), 'INGEST_BAD_CODE'],
  [
    JSON.stringify(observation('dangling', { subject: { reference: 'Patient/nobody' } })),
    'INGEST_DANGLING_REFERENCE',
  ],
  [
    JSON.stringify({
      resourceType: 'Patient',
      id: 'bad-nir',
      identifier: [{ system: NIR_SYSTEM, value: BAD_NIR }],
    }),
    'INGEST_INVALID_NIR',
  ],
  [
    JSON.stringify(observation('of-bad-nir', { subject: { reference: 'Patient/bad-nir' } })),
    'INGEST_DANGLING_REFERENCE',
  ],
  [
    JSON.stringify({
      resourceType: 'Patient',
      id: 'ok',
      identifier: [{ system: NIR_SYSTEM, value: GOOD_NIR }],
    }),
    'INGEST_DUPLICATE_ID',
  ],
  [JSON.stringify(observation('huge', { note: [{ text: 'x'.repeat(5000) }] })), 'INGEST_RECORD_TOO_LARGE'],
  [JSON.stringify(observation('fine')), undefined],
  [JSON.stringify({ resourceType: 'Organization', id: 'org', name: 'CHU' }), undefined],
];

const CIP = `340093000001${ean13CheckDigit('340093000001')}`;
const CSV_ROWS: [string, QuarantineCode | undefined][] = [
  [`${GOOD_NIR},2021-03-01,${CIP},2`, undefined],
  [`${GOOD_NIR},2021-03-01`, 'INGEST_CSV_BAD_ROW'],
  [`${GOOD_NIR},01/03/2021,${CIP},2`, 'INGEST_BAD_TYPE'],
  [`${GOOD_NIR},2021-03-01,${CIP.slice(0, 12)}0,2`, 'INGEST_BAD_CODE'],
  [`${BAD_NIR},2021-03-01,${CIP},2`, 'INGEST_INVALID_NIR'],
  [`,2021-03-01,${CIP},2`, 'INGEST_MISSING_PERSON_ID'],
  [`${GOOD_NIR},,${CIP},2`, 'INGEST_MISSING_ELEMENT'],
];

let root: { dir: string; remove: () => Promise<void> };
let profile: Profile;
let result: IngestResult;
const records: QuarantineRecord[] = [];
let ndjsonFile: string;
let csvFile: string;
let bundleFile: string;

beforeAll(async () => {
  root = await tempDir('quarantine');
  profile = await defaultProfile();
  const inputs = join(root.dir, 'in');
  await mkdir(inputs);
  ndjsonFile = join(inputs, 'mixed.ndjson');
  await writeFile(ndjsonFile, LINES.map(([l]) => l).join('\n') + '\n');
  csvFile = join(inputs, 'claims.csv');
  await writeFile(csvFile, `nir,day,cip13,boxes\n${CSV_ROWS.map(([r]) => r).join('\n')}\n`);
  await writeFile(
    join(inputs, 'claims.schema.json'),
    JSON.stringify({
      name: 'claims',
      person: { column: 'nir' },
      columns: [
        { name: 'nir', type: 'string' },
        { name: 'day', type: 'date', required: true },
        { name: 'cip13', type: 'string', code: 'CIP13' },
        { name: 'boxes', type: 'integer' },
      ],
    }),
  );
  bundleFile = join(inputs, 'cut.json');
  await writeFile(
    bundleFile,
    `{"resourceType":"Bundle","type":"collection","entry":[\n{"resource":${JSON.stringify(observation('in-bundle'))}},\n{"resource":{"resourceType":"Observation","id":"cut`,
  );
  result = await runIngest({
    inputs: [inputs],
    workDir: join(root.dir, 'work'),
    profile,
    hmac: localHmac('q'),
    keyId: 'k',
    maxRecordBytes: 4096,
    onQuarantine: async (r) => {
      records.push(r);
      return Promise.resolve();
    },
  });
}, 120_000);

afterAll(async () => {
  await root.remove();
});

describe('quarantine', () => {
  it('quarantines each kind of bad FHIR record with its code, file, line and original bytes', () => {
    LINES.forEach(([line, code], i) => {
      const record = records.find((r) => r.origin.file === ndjsonFile && r.origin.line === i + 1);
      if (code === undefined) {
        expect(record, `line ${i + 1}`).toBeUndefined();
        return;
      }
      expect(record, `line ${i + 1} (${code})`).toBeDefined();
      expect(record!.code).toBe(code);
      expect(record!.origin.format).toBe('fhir');
      expect(record!.message.length).toBeGreaterThan(10);
      if (code === 'INGEST_RECORD_TOO_LARGE') {
        expect(record!.truncated).toBe(true);
        expect(Buffer.from(record!.content).toString()).toBe(line.slice(0, 4096));
      } else {
        expect(Buffer.from(record!.content).toString()).toBe(line);
      }
    });
  });

  it('names the element at fault', () => {
    const at = (line: number): string =>
      records.find((r) => r.origin.file === ndjsonFile && r.origin.line === line)!.path;
    expect(at(6)).toBe('Observation.code');
    expect(at(7)).toBe('Observation.effectiveDateTime');
    expect(at(8)).toBe('Observation.code.coding[0].code');
    expect(at(9)).toBe('Observation.subject.reference');
    expect(at(10)).toBe('Patient.identifier[0].value');
  });

  it('quarantines bad CSV rows with their code, line, raw row and header', () => {
    CSV_ROWS.forEach(([row, code], i) => {
      const record = records.find((r) => r.origin.file === csvFile && r.origin.line === i + 2);
      if (code === undefined) {
        expect(record).toBeUndefined();
        return;
      }
      expect(record?.code, `row ${i + 2}`).toBe(code);
      expect(Buffer.from(record!.content).toString()).toBe(row);
      expect(record!.origin).toMatchObject({
        format: 'csv',
        csvSchema: 'claims',
        csvHeader: 'nir,day,cip13,boxes',
      });
    });
  });

  it('quarantines the cut entry of a truncated Bundle file, and keeps the entries before it', () => {
    const cut = records.filter((r) => r.origin.file === bundleFile);
    expect(cut.map((r) => [r.code, r.origin.line, r.origin.entry])).toEqual([
      ['INGEST_INVALID_JSON', 3, 1],
      ['INGEST_INVALID_JSON', 1, undefined],
    ]);
    expect(cut[1]!.recordType).toBe('Bundle');
  });

  it('keeps the summary consistent: read = accepted + quarantined, per type and per code', () => {
    const { summary } = result;
    expect(summary.quarantined).toBe(records.length);
    expect(summary.read).toBe(summary.accepted + summary.quarantined);
    for (const [type, c] of Object.entries(summary.byType)) {
      expect(c.read, type).toBe(c.accepted + c.quarantined);
    }
    const byCode: Record<string, number> = {};
    for (const r of records) {
      byCode[r.code] = (byCode[r.code] ?? 0) + 1;
    }
    expect(summary.quarantineByCode).toEqual(byCode);
    expect(summary.byType['csv:claims']).toEqual({ read: 7, accepted: 1, quarantined: 6 });
    expect(summary.byType['Observation']!.accepted).toBe(2);
    expect(summary.byType['Organization']).toEqual({ read: 2, accepted: 1, quarantined: 1 });
  });

  it('quarantines a Patient without INS when the profile requires one', async () => {
    const strict = parseProfile(
      {
        name: 'strict',
        version: '1',
        person: { identifiers: [{ system: NIR_SYSTEM, check: 'nir' }], fallback: 'quarantine' },
        rules: [{ path: 'Resource.id', method: 'pseudonym' }],
      },
      'strict.yaml',
    );
    const file = join(root.dir, 'no-ins.ndjson');
    await writeFile(
      file,
      `${JSON.stringify({ resourceType: 'Patient', id: 'anon' })}\n${JSON.stringify(observation('o', { subject: { reference: 'Patient/anon' } }))}\n`,
    );
    const got: QuarantineRecord[] = [];
    await runIngest({
      inputs: [file],
      workDir: join(root.dir, 'strict'),
      profile: strict,
      hmac: localHmac('q'),
      keyId: 'k',
      onQuarantine: (r) => {
        got.push(r);
        return Promise.resolve();
      },
    });
    expect(got.map((r) => r.code)).toEqual(['INGEST_MISSING_PERSON_ID', 'INGEST_DANGLING_REFERENCE']);
  });
});

describe('re-ingesting a corrected record', () => {
  it('accepts the corrected record and links it to the Patient of the first ingest', async () => {
    const bad = records.find((r) => r.code === 'INGEST_BAD_CODE' && r.origin.format === 'fhir')!;
    const fixed = Buffer.from(bad.content).toString().replace('29463-8', '29463-7');
    const personRef = result.tables.find((t) => t.name === 'person_ref')!.file;
    const again = await reingestRecord({
      content: fixed,
      origin: bad.origin,
      workDir: join(root.dir, 'reingest'),
      profile,
      hmac: localHmac('q'),
      keyId: 'k',
      personRefs: [personRef],
      onQuarantine: () => Promise.reject(new Error('the corrected record was quarantined again')),
    });
    expect(again.summary).toMatchObject({ read: 1, accepted: 1, quarantined: 0 });
    const [original] = await readParquetRows(result.tables.find((t) => t.name === 'person')!.file);
    const [row] = await readParquetRows(again.tables.find((t) => t.name === 'measurement')!.file);
    expect(row!['person_id']).toBe(original!['person_id']);
    expect(row!['measurement_source_value']).toBe('29463-7');
    // Persons counted over the earlier person_ref table given and this ingest's (empty) one.
    const persons = await countDistinct([personRef], 'person_id');
    expect(persons).toBeGreaterThan(0);
    expect(again.persons).toBe(persons);
    expect(result.persons).toBe(persons);
  });

  it('re-ingests a corrected CSV row with its schema and header', async () => {
    const bad = records.find((r) => r.code === 'INGEST_BAD_TYPE' && r.origin.format === 'csv')!;
    const fixed = Buffer.from(bad.content).toString().replace('01/03/2021', '2021-03-01');
    const schema = await loadCsvSchema(join(root.dir, 'in', 'claims.schema.json'));
    const again = await reingestRecord({
      content: fixed,
      origin: bad.origin,
      csvSchemas: [schema],
      workDir: join(root.dir, 'reingest-csv'),
      profile,
      hmac: localHmac('q'),
      keyId: 'k',
      onQuarantine: () => Promise.reject(new Error('the corrected row was quarantined again')),
    });
    expect(again.summary.byType['csv:claims']).toEqual({ read: 1, accepted: 1, quarantined: 0 });
    const [original] = await readParquetRows(result.tables.find((t) => t.name === 'claims')!.file);
    const [row] = await readParquetRows(again.tables.find((t) => t.name === 'claims')!.file);
    expect(row).toEqual(original);
  });

  it('quarantines a record that is still wrong, again with its reason', async () => {
    const bad = records.find((r) => r.code === 'INGEST_BAD_CODE' && r.origin.format === 'fhir')!;
    const got: QuarantineRecord[] = [];
    const again = await reingestRecord({
      content: bad.content,
      origin: bad.origin,
      workDir: join(root.dir, 'reingest-bad'),
      profile,
      hmac: localHmac('q'),
      keyId: 'k',
      onQuarantine: (r) => {
        got.push(r);
        return Promise.resolve();
      },
    });
    expect(again.summary.quarantined).toBe(1);
    expect(got[0]).toMatchObject({ code: 'INGEST_BAD_CODE', origin: bad.origin });
  });
});
