import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { ean13CheckDigit } from './code-systems.js';
import { PseudonymKeys } from './keys.js';
import { countDistinct } from './parquet-stats.js';
import { runIngest, type IngestResult, type QuarantineRecord } from './pipeline.js';
import { defaultProfile, parseProfile, type Profile } from './profile.js';
import { localHmac, readParquetRows, tempDir, textCells } from './testing/harness.js';
import { identifyingStrings, writePopulation, type Population } from './testing/population.js';

const DAY = 86_400_000;

let root: { dir: string; remove: () => Promise<void> };
let profile: Profile;
let hospital: Population;
let clinic: Population;
let claimsFile: string;
let resultA: IngestResult;
let resultA2: IngestResult;
let resultB: IngestResult;
let quarantined: QuarantineRecord[];
const hmacA = localHmac('key A');

const table = (result: IngestResult, name: string): string =>
  result.tables.find((t) => t.name === name)!.file;

async function ingest(secret: string | ReturnType<typeof localHmac>, work: string): Promise<IngestResult> {
  const records: QuarantineRecord[] = [];
  const result = await runIngest({
    inputs: [hospital.dir, clinic.dir, claimsFile],
    workDir: join(root.dir, work),
    profile,
    hmac: typeof secret === 'string' ? localHmac(secret) : secret,
    keyId: `key:${work}`,
    source: 'test-dataset',
    onQuarantine: async (r) => {
      records.push(r);
      return Promise.resolve();
    },
  });
  quarantined = records;
  return result;
}

beforeAll(async () => {
  root = await tempDir('ingest');
  profile = await defaultProfile();
  // A hospital export (Bulk Data NDJSON) and a clinic sending transaction Bundles about four of the
  // same people under its own ids: the same NIRs must give the same person pseudonyms.
  hospital = await writePopulation(join(root.dir, 'hospital'), { patients: 12, seed: 7 });
  clinic = await writePopulation(join(root.dir, 'clinic'), {
    patients: 4,
    seed: 8,
    format: 'bundle',
    idPrefix: 'c',
    persons: hospital.persons.slice(0, 4),
  });
  // Claims of the first six people, with a name column and free-text comments.
  const claimsDir = join(root.dir, 'claims');
  await writePopulation(claimsDir, { patients: 0, seed: 1 });
  claimsFile = join(claimsDir, 'pharmacy.csv');
  const cip13 = `340093000001${ean13CheckDigit('340093000001')}`;
  const rows = hospital.persons.slice(0, 6).map((p, i) => {
    const nir = i === 0 ? `${p.nir.slice(0, 1)} ${p.nir.slice(1)}` : p.nir;
    return `${nir};${p.family};1${i}/03/2021;${cip13};${i + 1};"renouvellement pour ${p.given} ${p.family}; tél ${p.phone}"`;
  });
  await writeFile(claimsFile, `nir;nom;date_delivrance;cip13;boites;commentaire\n${rows.join('\n')}\n`);
  await writeFile(
    join(claimsDir, 'pharmacy.schema.yaml'),
    [
      'name: pharmacy_claims',
      'version: 2',
      'delimiter: ";"',
      'dateFormat: DD/MM/YYYY',
      'person: { column: nir, check: nir }',
      'columns:',
      '  - { name: nir, type: string }',
      '  - { name: nom, type: string, identifying: true }',
      '  - { name: date_delivrance, type: date, required: true }',
      '  - { name: cip13, type: string, code: CIP13 }',
      '  - { name: boites, type: integer }',
      '  - { name: commentaire, type: string }',
    ].join('\n'),
  );
  resultA = await ingest(hmacA, 'a');
  resultA2 = await ingest('key A', 'a2');
  resultB = await ingest('key B', 'b');
}, 240_000);

/** Every identifying string of the population found in a text cell of a table of `result`. */
async function leaks(result: IngestResult): Promise<{ found: string[]; cells: number }> {
  const postalCodes = new Set(hospital.persons.map((p) => p.postalCode));
  const needles = [...new Set(hospital.persons.flatMap(identifyingStrings))].filter(
    (n) => !postalCodes.has(n),
  );
  // Postal codes are five digits: look for them as tokens, not inside hexadecimal pseudonyms.
  const postal = new RegExp(`(^|[^0-9a-f])(${[...postalCodes].join('|')})([^0-9a-f]|$)`);
  const ids = hospital.persons.map((p) => `/${p.id}`).concat(clinic.persons.map((p) => `/${p.id}`));
  const found: string[] = [];
  let cells = 0;
  for (const t of result.tables) {
    for (const { column, value } of await textCells(t.file)) {
      cells++;
      for (const needle of needles) {
        if (value.includes(needle)) {
          found.push(`${t.name}.${column}: ${needle}`);
        }
      }
      if (postal.test(value)) {
        found.push(`${t.name}.${column}: postal code`);
      }
      for (const id of ids) {
        if (value.includes(`${id}"`)) {
          found.push(`${t.name}.${column}: ${id}`);
        }
      }
    }
  }
  return { found, cells };
}

afterAll(async () => {
  await root.remove();
});

describe('runIngest on a synthetic population', () => {
  it('accepts every record, and its counts add up per type', () => {
    const { summary } = resultA;
    expect(quarantined).toEqual([]);
    expect(summary.quarantined).toBe(0);
    expect(summary.read).toBe(hospital.resources + clinic.resources + 6);
    expect(summary.read).toBe(summary.accepted + summary.quarantined);
    for (const [type, c] of Object.entries(summary.byType)) {
      expect(c.read, type).toBe(c.accepted + c.quarantined);
    }
    expect(summary.byType['csv:pharmacy_claims']).toEqual({ read: 6, accepted: 6, quarantined: 0 });
  });

  it('reports inputs with their SHA-256, the profile version and the key id', async () => {
    expect(resultA.inputs).toHaveLength(hospital.files.length + clinic.files.length + 1);
    for (const input of resultA.inputs) {
      const bytes = await readFile(input.path);
      expect(input.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(input.bytes).toBe(bytes.length);
    }
    expect(resultA.profile).toEqual({ name: 'fr-default', version: profile.version, digest: profile.digest });
    expect(resultA.keyId).toBe('key:a');
  });

  it('writes every table as Parquet with the declared columns', async () => {
    const names = resultA.tables.map((t) => t.name);
    for (const name of [
      'person',
      'death',
      'visit_occurrence',
      'condition_occurrence',
      'drug_exposure',
      'procedure_occurrence',
      'measurement',
      'observation',
      'fhir_other',
      'person_ref',
      'pharmacy_claims',
    ]) {
      expect(names).toContain(name);
    }
    for (const t of resultA.tables) {
      const schema = await readParquetRows(t.file, 'DESCRIBE t');
      expect(schema.map((c) => c['column_name'])).toEqual(t.columns.map((c) => c.name));
      const [{ n }] = (await readParquetRows(t.file, 'SELECT count(*) AS n FROM t')) as [{ n: string }];
      expect(Number(n), t.name).toBe(t.rows);
    }
    const person = resultA.tables.find((t) => t.name === 'person')!;
    expect(person.rows).toBe(12);
    const visits = resultA.tables.find((t) => t.name === 'visit_occurrence')!;
    expect(visits.rows).toBe(2 * (12 + 4));
  });

  it('lets no name, NIR, address, phone, e-mail or birth date through to any table', async () => {
    const { found, cells } = await leaks(resultA);
    expect(found).toEqual([]);
    expect(cells).toBeGreaterThan(500);
  });

  it('would see an identifier that got through (control: a profile keeping a free-text field)', async () => {
    const leaky = parseProfile(
      {
        name: 'leaky',
        version: '1',
        rules: [
          { path: 'Resource.id', method: 'pseudonym' },
          { path: 'DocumentReference.description', method: 'keep' },
        ],
      },
      'leaky.yaml',
    );
    const result = await runIngest({
      inputs: [hospital.dir],
      workDir: join(root.dir, 'leaky'),
      profile: leaky,
      hmac: localHmac('key A'),
      keyId: 'k',
      onQuarantine: async () => {},
    });
    const { found } = await leaks(result);
    expect(found.length).toBeGreaterThanOrEqual(12);
    expect(found.every((f) => f.startsWith('fhir_other.resource'))).toBe(true);
  });

  it('gives the same person one pseudonym in every source: FHIR NDJSON, Bundles and CSV', async () => {
    const keys = await PseudonymKeys.create(localHmac('key A'), 'pseudonym');
    const expected = await Promise.all(hospital.persons.map((p) => keys.person(p.nir, 'nir')));
    const persons = await readParquetRows(table(resultA, 'person'), 'SELECT person_id FROM t ORDER BY 1');
    expect(persons.map((r) => r['person_id'])).toEqual([...expected].sort());
    const visits = await readParquetRows(
      table(resultA, 'visit_occurrence'),
      'SELECT person_id, count(*) AS n FROM t GROUP BY 1',
    );
    const byPerson = new Map(visits.map((r) => [r['person_id'], Number(r['n'])]));
    expected.forEach((pseudonym, i) => {
      expect(byPerson.get(pseudonym), `person ${i}`).toBe(i < 4 ? 4 : 2);
    });
    const claims = await readParquetRows(
      table(resultA, 'pharmacy_claims'),
      'SELECT DISTINCT person_id FROM t',
    );
    expect(claims.map((r) => r['person_id']).sort()).toEqual(expected.slice(0, 6).sort());
    // The person count: the 12 people of the hospital (the clinic's four are among them).
    expect(resultA.persons).toBe(12);
    expect(resultA.persons).toBe(await countDistinct([table(resultA, 'person_ref')], 'person_id'));
  });

  it('shifts the dates of a person by one offset, so intervals survive', async () => {
    const keys = await PseudonymKeys.create(localHmac('key A'), 'pseudonym');
    const input = (await readFile(join(hospital.dir, 'Encounter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: { reference: string }; period: { start: string } });
    const output = await readParquetRows(
      table(resultA, 'visit_occurrence'),
      'SELECT person_id, visit_start_datetime AS s FROM t ORDER BY person_id, s',
    );
    const offsets = new Set<number>();
    for (const p of hospital.persons.slice(4)) {
      const pseudonym = await keys.person(p.nir, 'nir');
      const before = input
        .filter((e) => e.subject.reference === `Patient/${p.id}`)
        .map((e) => Date.parse(e.period.start.slice(0, 19)));
      const after = output
        .filter((r) => r['person_id'] === pseudonym)
        .map((r) => Date.parse(String(r['s']).replace(' ', 'T')));
      expect(after).toHaveLength(2);
      expect(after[1]! - after[0]!).toBe(before[1]! - before[0]!);
      const offset = (after[0]! - before[0]!) / DAY;
      expect(offset).not.toBe(0);
      expect(Math.abs(offset)).toBeLessThanOrEqual(profile.parameters.dateShiftMaxDays);
      offsets.add(offset);
    }
    expect(offsets.size).toBeGreaterThan(1);
  });

  it('keeps clinical codes and values, and coarsens birth dates and places', async () => {
    const drugs = await readParquetRows(
      table(resultA, 'drug_exposure'),
      "SELECT DISTINCT drug_source_vocabulary AS v FROM t WHERE fhir_resource_type = 'MedicationRequest'",
    );
    expect(drugs.map((r) => r['v'])).toEqual(['CIP13']);
    const labs = await readParquetRows(
      table(resultA, 'measurement'),
      "SELECT count(*) AS n FROM t WHERE measurement_source_vocabulary = 'LOINC' AND value_as_number IS NOT NULL",
    );
    expect(Number(labs[0]!['n'])).toBe(12 * 5 + 4 * 5);
    const persons = await readParquetRows(table(resultA, 'person'), 'SELECT * FROM t');
    for (const p of persons) {
      expect(p['day_of_birth']).toBeNull();
      expect(p['month_of_birth']).not.toBeNull();
      expect(String(p['location_source_value'])).toMatch(/^(\d{2}|2A|2B|97\d)$/);
    }
    const claims = await readParquetRows(table(resultA, 'pharmacy_claims'), 'DESCRIBE t');
    expect(claims.map((c) => [c['column_name'], c['column_type']])).toEqual([
      ['person_id', 'VARCHAR'],
      ['date_delivrance', 'DATE'],
      ['cip13', 'VARCHAR'],
      ['boites', 'BIGINT'],
    ]);
  });

  it('keeps only what the profile names (allow-list): unknown and free-text fields are gone', async () => {
    const docs = await readParquetRows(
      table(resultA, 'fhir_other'),
      "SELECT resource, person_id FROM t WHERE resource_type = 'DocumentReference'",
    );
    expect(docs).toHaveLength(12 + 4);
    for (const row of docs) {
      const resource = JSON.parse(String(row['resource'])) as Record<string, unknown>;
      expect(Object.keys(resource).sort()).toEqual(['id', 'resourceType', 'status', 'subject', 'type']);
      expect(resource['subject']).toEqual({ reference: `Patient/${String(row['person_id'])}` });
    }
  });

  it('gives the same pseudonyms under the same key, and unrelated ones under another key', async () => {
    const ids = async (r: IngestResult, name: string, column: string): Promise<string[]> =>
      (await readParquetRows(table(r, name), `SELECT ${column} AS id FROM t ORDER BY 1`)).map((row) =>
        String(row['id']),
      );
    for (const [name, column] of [
      ['person', 'person_id'],
      ['visit_occurrence', 'visit_occurrence_id'],
      ['measurement', 'measurement_id'],
    ] as const) {
      const a = await ids(resultA, name, column);
      expect(await ids(resultA2, name, column)).toEqual(a);
      const b = new Set(await ids(resultB, name, column));
      expect(b.size).toBe(new Set(a).size);
      for (const id of a) {
        expect(b.has(id)).toBe(false);
      }
    }
  });

  it('asks the key provider once per person, not once per record', () => {
    // Two calls derive the ingest's subkeys; then one per distinct NIR (12), whatever the sources.
    expect(hmacA.calls).toBe(2 + 12);
  });

  it('refuses an input it cannot read, and stops on a cancelled signal', async () => {
    await expect(
      runIngest({
        inputs: [join(root.dir, 'nope')],
        workDir: join(root.dir, 'x'),
        profile,
        hmac: hmacA,
        keyId: 'k',
        onQuarantine: async () => {},
      }),
    ).rejects.toSatisfy((err) => isHdhError(err, 'INGEST_INPUT_NOT_FOUND'));
    await expect(
      runIngest({
        inputs: [join(root.dir, 'claims', 'pharmacy.schema.yaml')],
        workDir: join(root.dir, 'x'),
        profile,
        hmac: hmacA,
        keyId: 'k',
        onQuarantine: async () => {},
      }),
    ).rejects.toSatisfy((err) => isHdhError(err, 'INGEST_INPUT_UNSUPPORTED'));
    const controller = new AbortController();
    await expect(
      runIngest({
        inputs: [hospital.dir],
        workDir: join(root.dir, 'aborted'),
        profile,
        hmac: hmacA,
        keyId: 'k',
        onQuarantine: async () => {},
        signal: controller.signal,
        onProgress: () => {
          controller.abort();
        },
      }),
    ).rejects.toSatisfy((err) => isHdhError(err, 'OPERATION_ABORTED'));
  });
});
