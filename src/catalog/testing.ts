/**
 * A real catalogue in the test database, holding the datasets the access fixture names (`cohort`,
 * `registry`), with versions, tables, columns and lineage as ingestion records them.
 * @module
 */
import type { Kysely } from 'kysely';
import { Catalog, type NewVersion, type TableInfo } from './index.js';
import type { Database } from '../db/index.js';

const table = (dataset: string, version: number, name: string, columns: readonly string[]): TableInfo => ({
  name,
  description: `${name} of ${dataset}`,
  rows: 100 * columns.length,
  columns: columns.map((c) => ({ name: c, type: c.endsWith('_id') ? 'VARCHAR' : 'INTEGER', description: c })),
  store: 'local',
  objectKey: `datasets/${dataset}/v${version}/${name}.parquet`,
  bytes: 4096,
});

const version = (dataset: string, n: number, tables: readonly TableInfo[]): NewVersion => ({
  dataset,
  createdBy: 'producer1',
  profile: { name: 'fr-default', version: '1.0.0' },
  keyId: `hmac:${dataset}:1`,
  persons: 100,
  summary: {
    read: 110,
    accepted: 100,
    quarantined: 10,
    byType: { Patient: { read: 110, accepted: 100, quarantined: 10 } },
  },
  tables,
  inputs: [{ fileName: `${dataset}-${n}.ndjson`, sha256: `${dataset}${n}`.padEnd(64, '0'), bytes: 9999 }],
  temporal: { start: '2019-01-01', end: '2024-12-31' },
  spatial: 'FRA',
});

export async function catalogueFixture(db: Kysely<Database>): Promise<Catalog> {
  const catalog = new Catalog(db);
  if (await catalog.exists('cohort')) {
    return catalog;
  }
  await catalog.createDataset({
    name: 'cohort',
    dataClass: 'pseudonymised-health',
    store: 'local',
    title: 'Hospital stays cohort',
    description: 'Patients and their hospital stays, 2019–2024',
    publisher: 'Test hospital group',
    themes: ['hospital'],
    keywords: ['stays', 'diagnosis'],
    createdBy: 'producer1',
  });
  for (const n of [1, 2]) {
    await catalog.addVersion(
      version('cohort', n, [
        table('cohort', n, 'patients', ['patient_id', 'birth_year', 'sex', 'commune']),
        table('cohort', n, 'stays', ['stay_id', 'patient_id', 'admitted', 'diagnosis']),
      ]),
    );
  }
  await catalog.createDataset({
    name: 'registry',
    dataClass: 'pseudonymised-health',
    store: 'local',
    title: 'Cancer registry',
    description: 'Cases by year',
    themes: ['cancer'],
    createdBy: 'producer1',
  });
  await catalog.addVersion(
    version('registry', 1, [table('registry', 1, 'cases', ['case_id', 'code', 'year'])]),
  );
  return catalog;
}
