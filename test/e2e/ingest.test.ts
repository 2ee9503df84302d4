/**
 * Ingestion from the command line: a synthetic population with injected faults goes through
 * `hdh ingest`, and what the hub stored is read back the way an analyst would (sealed objects opened
 * with `hdh store get`, Parquet read with DuckDB).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { identifyingStrings, type FaultEntry, type SynthIdentity } from '../../src/synth/index.js';
import { readParquetRows } from '../../src/ingest/testing/harness.js';
import { hdh } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'hdh-e2e-ingest-'));
const home = join(dir, 'hub');
const input = join(dir, 'fhir');
const run = (...args: string[]): ReturnType<typeof hdh> => hdh(['--home', home, ...args]);

interface Counts {
  read: number;
  accepted: number;
  quarantined: number;
}
interface IngestJson extends Counts {
  dataset: string;
  version: number | null;
  byType: Record<string, Counts>;
  quarantineByCode: Record<string, number>;
  persons: number;
  tables: { name: string; rows: number; objectKey: string }[];
  skipped: { path: string; version?: number }[];
}
interface QuarantineItem {
  id: string;
  code: string;
  file: string;
  line: number;
  status: string;
  resourceType?: string;
}
interface TablePartJson {
  objectKey: string;
  rows: number;
}
interface DatasetJson {
  currentVersion: number;
  store: string;
  dataClass: string;
  current: {
    version: number;
    persons: number;
    tables: { name: string; rows: number; parts: TablePartJson[] }[];
    inputs: { fileName: string; sha256: string }[];
  };
}

function expectCountsAddUp(r: IngestJson): void {
  expect(r.read).toBe(r.accepted + r.quarantined);
  let read = 0;
  for (const [type, c] of Object.entries(r.byType)) {
    expect(c.read, type).toBe(c.accepted + c.quarantined);
    read += c.read;
  }
  expect(read).toBe(r.read);
}

async function ingest(...args: string[]): Promise<IngestJson> {
  const r = await run('ingest', ...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return r.json<IngestJson>();
}

async function quarantineList(dataset: string, status = 'all'): Promise<QuarantineItem[]> {
  const r = await run('quarantine', 'ls', dataset, '--status', status, '--limit', '1000', '--json');
  expect(r.code, r.stderr).toBe(0);
  return r.json<{ items: QuarantineItem[] }>().items;
}

async function dataset(name: string): Promise<DatasetJson> {
  const r = await run('datasets', 'show', name, '--json');
  expect(r.code, r.stderr).toBe(0);
  return r.json<DatasetJson>();
}

/** Opens a sealed Parquet object through the CLI and reads it with DuckDB. */
async function tableRows(
  store: string,
  key: string,
  sql = 'SELECT * FROM t',
): Promise<Record<string, unknown>[]> {
  const file = join(dir, 'opened', key.replace(/[/:]/g, '_'));
  mkdirSync(join(dir, 'opened'), { recursive: true });
  const get = await run('store', 'get', `${store}:${key}`, file);
  expect(get.code, get.stderr).toBe(0);
  return readParquetRows(file, sql);
}

async function rowsOf(
  name: string,
  table: string,
  sql = 'SELECT * FROM t',
): Promise<Record<string, unknown>[]> {
  const d = await dataset(name);
  const t = d.current.tables.find((x) => x.name === table);
  const out: Record<string, unknown>[] = [];
  for (const part of t?.parts ?? []) {
    out.push(...(await tableRows(d.store, part.objectKey, sql)));
  }
  return out;
}

const identities = (): SynthIdentity[] =>
  readFileSync(join(dir, 'identities.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SynthIdentity);

let first: IngestJson;

beforeAll(async () => {
  expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
  const synth = await hdh([
    'synth',
    '--patients',
    '60',
    '--seed',
    'e2e-ingest',
    '--out',
    input,
    '--faults',
    '0.01',
    '--identities',
    join(dir, 'identities.ndjson'),
  ]);
  expect(synth.code, synth.stderr).toBe(0);
  first = await ingest('cohort', input, '--title', 'Synthetic cohort');
});

describe('hdh ingest', () => {
  it('ends with counts that add up, every record set aside registered with its reason', async () => {
    expectCountsAddUp(first);
    expect(first.version).toBe(1);
    expect(first.quarantined).toBeGreaterThan(0);
    expect(first.accepted).toBeGreaterThan(1000);
    expect(first.persons).toBe(60);

    const items = await quarantineList('cohort');
    expect(items).toHaveLength(first.quarantined);
    const byCode: Record<string, number> = {};
    for (const q of items) {
      byCode[q.code] = (byCode[q.code] ?? 0) + 1;
    }
    expect(byCode).toEqual(first.quarantineByCode);

    // Each record set aside is one the generator corrupted (and none of the manifest's sidecars);
    // each corrupted record is set aside, but for a reference to a missing Encounter: only
    // references to Patients must resolve (docs/ingest.md).
    const faults = (JSON.parse(readFileSync(join(input, 'faults.json'), 'utf8')) as { faults: FaultEntry[] })
      .faults;
    const faultAt = new Set(faults.map((f) => `${f.file}:${f.line}`));
    for (const q of items) {
      expect(faultAt.has(`${basename(q.file)}:${q.line}`), `${q.code} ${q.file}:${q.line}`).toBe(true);
    }
    const setAside = new Set(items.map((q) => `${basename(q.file)}:${q.line}`));
    const missed = faults.filter((f) => !setAside.has(`${f.file}:${f.line}`));
    for (const f of missed) {
      expect(f.kind, `${f.file}:${f.line} ${f.detail}`).toBe('dangling-reference');
      expect(f.detail).toMatch(/^Encounter\//);
    }
  });

  it('records the version with its lineage, and adds nothing when the same files come again', async () => {
    const d = await dataset('cohort');
    expect(d).toMatchObject({ currentVersion: 1, dataClass: 'pseudonymised-health', store: 'local' });
    expect(d.current.inputs.map((i) => basename(i.fileName)).sort()).toEqual(
      [
        'AllergyIntolerance.ndjson',
        'Condition.ndjson',
        'DiagnosticReport.ndjson',
        'Encounter.ndjson',
        'Immunization.ndjson',
        'MedicationRequest.ndjson',
        'MedicationStatement.ndjson',
        'Observation.ndjson',
        'Patient.ndjson',
        'Procedure.ndjson',
      ].sort(),
    );
    for (const t of first.tables) {
      expect(d.current.tables.find((x) => x.name === t.name)?.rows, t.name).toBe(t.rows);
    }
    const again = await ingest('cohort', input);
    expect(again.version).toBeNull();
    expect(again.skipped).toHaveLength(d.current.inputs.length);
    expect(again.skipped.every((s) => s.version === 1)).toBe(true);
    expect((await dataset('cohort')).currentVersion).toBe(1);

    const ls = await run('datasets', 'ls');
    expect(ls.stdout).toMatch(/cohort +pseudonymised-health +local +1 +60 +Synthetic cohort/);
    const audit = await run('audit', 'export', '--action', 'dataset.*');
    const entries = audit.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; outcome: string; details: Record<string, unknown> });
    expect(entries.map((e) => e.action)).toEqual(['dataset.create', 'dataset.ingest', 'dataset.ingest']);
    expect(entries[1]!.details).toMatchObject({
      version: 1,
      read: first.read,
      quarantined: first.quarantined,
    });
    expect(entries[2]!.details).toMatchObject({ nothingNew: true });
  });

  it('leaves no identifier of the input in any stored table', async () => {
    const people = identities();
    expect(people.length).toBeGreaterThanOrEqual(60);
    const needles = new Set(people.flatMap((p) => identifyingStrings(p)));
    // Every pseudonymised object the hub holds, opened and read as Parquet: all text, every column.
    const ls = await run('store', 'ls', 'local:', '--json');
    const objects = ls.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; class: string });
    const tables = objects.filter((o) => o.class === 'pseudonymised-health');
    expect(tables.length).toBe(first.tables.length);
    expect(objects.filter((o) => o.class === 'identifying-health').length).toBeGreaterThan(0);
    let text = '';
    for (const o of tables) {
      expect(o.key).toMatch(/\.parquet$/);
      const rows = await tableRows('local', o.key);
      text += `${JSON.stringify(rows)}\n`;
    }
    expect(text.length).toBeGreaterThan(100_000);
    const found = [...needles].filter((n) => text.includes(n));
    expect(found).toEqual([]);
    // The search does find what is there: the input itself holds them all.
    const source = readFileSync(join(input, 'Patient.ndjson'), 'utf8');
    expect(people.slice(0, 5).every((p) => source.includes(p.nir) && source.includes(p.family))).toBe(true);
  });

  it('shows a quarantined record and re-ingests its correction into a new version', async () => {
    const open = await quarantineList('cohort', 'open');
    const bad = open.find((q) => q.code === 'INGEST_BAD_CODE' && q.resourceType === 'Condition')!;
    expect(bad).toBeDefined();
    const show = await run('quarantine', 'show', 'cohort', bad.id, '--json');
    expect(show.code, show.stderr).toBe(0);
    const shown = show.json<{ content: string; issues: { code: string; path: string }[] }>();
    expect(shown.issues[0]).toMatchObject({ code: 'INGEST_BAD_CODE' });
    const original = readFileSync(join(input, basename(bad.file)), 'utf8').split('\n')[bad.line - 1];
    expect(shown.content).toBe(original);

    // The same content is refused again, and the entry stays open.
    const same = join(dir, 'same.json');
    writeFileSync(same, shown.content);
    const refused = await run('quarantine', 'reingest', 'cohort', bad.id, '--file', same);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error INGEST_REINGEST_REJECTED: .*INGEST_BAD_CODE/);

    const resource = JSON.parse(shown.content) as { code: { coding: { code: string }[] } };
    resource.code.coding[0]!.code = 'J06.9';
    const fixed = join(dir, 'fixed.json');
    writeFileSync(fixed, JSON.stringify(resource));
    const before = (await dataset('cohort')).current.tables.find(
      (t) => t.name === 'condition_occurrence',
    )!.rows;
    const re = await run('quarantine', 'reingest', 'cohort', bad.id, '--file', fixed, '--json');
    expect(re.code, re.stderr).toBe(0);
    expect(re.json()).toMatchObject({ version: 2, summary: { read: 1, accepted: 1, quarantined: 0 } });
    const d = await dataset('cohort');
    expect(d.currentVersion).toBe(2);
    const conditions = d.current.tables.find((t) => t.name === 'condition_occurrence')!;
    expect(conditions.rows).toBe(before + 1);
    expect(conditions.parts).toHaveLength(2);
    const rows = await rowsOf(
      'cohort',
      'condition_occurrence',
      "SELECT * FROM t WHERE condition_source_value = 'J06.9'",
    );
    expect(rows.length).toBeGreaterThan(0);

    const twice = await run('quarantine', 'reingest', 'cohort', bad.id, '--file', fixed);
    expect(twice.stderr).toMatch(/^error QUARANTINE_ALREADY_RESOLVED/);
    const item = (await quarantineList('cohort', 'reingested')).find((q) => q.id === bad.id);
    expect(item?.status).toBe('reingested');
  });

  it('dismisses a record with its reason, and names bad input clearly', async () => {
    const [q] = await quarantineList('cohort', 'open');
    const dismissed = await run(
      'quarantine',
      'dismiss',
      'cohort',
      q!.id,
      '--reason',
      'test record',
      '--json',
    );
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(dismissed.json()).toMatchObject({ status: 'dismissed', resolution: 'test record' });

    expect((await run('quarantine', 'show', 'cohort', 'q_nope')).stderr).toMatch(
      /^error QUARANTINE_NOT_FOUND/,
    );
    expect((await run('quarantine', 'ls', 'nope')).stderr).toMatch(/^error CATALOG_DATASET_NOT_FOUND/);
    expect((await run('datasets', 'show', 'nope')).stderr).toMatch(/^error CATALOG_DATASET_NOT_FOUND/);
    expect((await run('ingest', 'Bad Name', input)).stderr).toMatch(/^error CATALOG_INVALID_NAME/);
    expect((await run('ingest', 'other', join(dir, 'missing'))).stderr).toMatch(
      /^error INGEST_INPUT_NOT_FOUND/,
    );
    expect((await run('ingest', 'cohort', input, '--store', 'nowhere')).stderr).toMatch(
      /^error HUB_STORE_UNKNOWN/,
    );
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'x');
    expect((await run('ingest', 'other', notes)).stderr).toMatch(/^error INGEST_INPUT_UNSUPPORTED/);
    const badProfile = join(dir, 'profile.yaml');
    writeFileSync(badProfile, 'name: x\nrules: 3\n');
    expect((await run('ingest', 'other', input, '--profile', badProfile)).stderr).toMatch(
      /^error INGEST_PROFILE_INVALID/,
    );
  });
  it('refuses a store the policy forbids for either class before reading anything', async () => {
    const root = join(dir, 'azure-objects');
    const add = await run(
      'store',
      'add',
      'azure',
      '--type',
      'fs',
      '--root',
      root,
      '--provider',
      'azure-france-central',
    );
    expect(add.code, add.stderr).toBe(0);
    const tables = await run('ingest', 'elsewhere', input, '--store', 'azure');
    expect(tables.code).toBe(1);
    expect(tables.stderr).toMatch(/^error SOVEREIGNTY_PLACEMENT_REFUSED: /);
    const quarantine = await run('ingest', 'elsewhere', input, '--quarantine-store', 'azure');
    expect(quarantine.stderr).toMatch(/^error SOVEREIGNTY_PLACEMENT_REFUSED: /);
    expect((await run('datasets', 'show', 'elsewhere')).stderr).toMatch(/^error CATALOG_DATASET_NOT_FOUND/);
    const stored = await run('store', 'ls', 'azure:', '--json');
    expect(stored.stdout.trim()).toBe('');
  });
});

describe('linkage', () => {
  it('gives a person one pseudonym and one date shift across sources, so intervals survive', async () => {
    // A second source: pharmacy claims naming the same persons by NIR, 10 and 45 days after each
    // person's first encounter in the FHIR source.
    const people = identities().filter((p) => p.fault === undefined);
    const firstVisit = new Map<string, string>();
    for (const line of readFileSync(join(input, 'Encounter.ndjson'), 'utf8').split('\n')) {
      const m = /"subject":\{"reference":"Patient\/([^"]+)"\},"period":\{"start":"(\d{4}-\d\d-\d\d)/.exec(
        line,
      );
      if (m && !line.includes('-x"') && !firstVisit.has(m[1]!)) {
        firstVisit.set(m[1]!, m[2]!);
      }
    }
    const plus = (date: string, days: number): string =>
      new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const claims = join(dir, 'claims');
    mkdirSync(claims);
    const lines = ['nir;date_delivrance;cip13;boites'];
    const linked = people.filter((p) => firstVisit.has(p.patientId));
    expect(linked.length).toBeGreaterThan(40);
    for (const p of linked) {
      const visit = firstVisit.get(p.patientId)!;
      lines.push(
        `${p.nir};${plus(visit, 10)};3400930000007;1`,
        `${p.nir};${plus(visit, 45)};3400930000007;2`,
      );
    }
    writeFileSync(join(claims, 'pharmacy.csv'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(claims, 'pharmacy.schema.yaml'),
      [
        'name: pharmacy_claims',
        'version: 1',
        'delimiter: ";"',
        'person: { column: nir, check: nir }',
        'columns:',
        '  - { name: nir, type: string }',
        '  - { name: date_delivrance, type: date, required: true }',
        '  - { name: cip13, type: string, code: CIP13 }',
        '  - { name: boites, type: integer }',
      ].join('\n'),
    );
    const r = await ingest('cohort', claims);
    expectCountsAddUp(r);
    expect(r.byType['csv:pharmacy_claims']).toEqual({
      read: linked.length * 2,
      accepted: linked.length * 2,
      quarantined: 0,
    });

    const claimRows = await rowsOf('cohort', 'pharmacy_claims');
    expect(JSON.stringify(claimRows)).not.toContain(linked[0]!.nir);
    const persons = new Set((await rowsOf('cohort', 'person')).map((p) => p['person_id'] as string));
    const byPerson = new Map<string, string[]>();
    for (const row of claimRows) {
      const id = row['person_id'] as string;
      expect(persons.has(id), 'a claim links to a person of the FHIR source').toBe(true);
      byPerson.set(id, [...(byPerson.get(id) ?? []), String(row['date_delivrance'])]);
    }
    expect(byPerson.size).toBe(linked.length);
    const visits = new Map<string, string[]>();
    for (const v of await rowsOf('cohort', 'visit_occurrence')) {
      const id = v['person_id'] as string;
      visits.set(id, [...(visits.get(id) ?? []), String(v['visit_start_date'])]);
    }
    const days = (a: string, b: string): number => (Date.parse(b) - Date.parse(a)) / 86_400_000;
    const outputDates: string[] = [];
    for (const [id, dates] of byPerson) {
      const [d10, d45] = dates.sort();
      expect(days(d10!, d45!)).toBe(35);
      const visit = visits.get(id)!.sort()[0]!;
      expect(days(visit, d10!), id).toBe(10);
      outputDates.push(d10!);
    }
    // The dates themselves moved, by an offset per person (never 0).
    const inputDates = linked.map((p) => plus(firstVisit.get(p.patientId)!, 10));
    expect(outputDates.sort()).not.toEqual(inputDates.sort());
    expect((await dataset('cohort')).current.persons).toBe(60);
  });

  it('gives the same pseudonyms in another dataset under the same key', async () => {
    const bundles = join(dir, 'bundles');
    const synth = await hdh([
      'synth',
      '--patients',
      '60',
      '--seed',
      'e2e-ingest',
      '--out',
      bundles,
      '--format',
      'bundle',
    ]);
    expect(synth.code, synth.stderr).toBe(0);
    const r = await ingest('registry', bundles);
    expectCountsAddUp(r);
    expect(r.quarantined).toBe(0);
    const a = new Set((await rowsOf('cohort', 'person')).map((p) => p['person_id']));
    const b = new Set((await rowsOf('registry', 'person')).map((p) => p['person_id']));
    expect(b.size).toBe(60);
    expect([...b].filter((id) => a.has(id))).toHaveLength(a.size);
  });
});
