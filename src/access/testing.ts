/**
 * Test helpers for the access concept and the server: a movable clock, a dataset directory over a
 * real table created in the test database, and a ready hub with one operator.
 * @module
 */
import type { Kysely } from 'kysely';
import { AuditLog } from '../audit/index.js';
import type { HubDb } from '../db/index.js';
import { createAccess, type Access } from './access.js';
import type { DatasetDirectory, DatasetEntry } from './datasets.js';
import { cliPrincipal, type Principal } from './principal.js';
import type { Role } from './roles.js';
import { base32Decode, totp } from './totp.js';

/** A clock tests move by hand; starts on a fixed Monday morning (UTC). */
export class TestClock {
  #ms: number;

  constructor(start = '2026-03-02T09:00:00.000Z') {
    this.#ms = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.#ms);

  advance(ms: number): void {
    this.#ms += ms;
  }

  set(iso: string): void {
    this.#ms = Date.parse(iso);
  }
}

type FixtureTables = {
  test_datasets: { name: string; versions: string; tables: string };
};

/** A directory over a `test_datasets` table: a real lookup, as the catalogue will do. */
export async function fixtureDirectory(
  hub: Pick<HubDb, 'db'>,
  entries: readonly DatasetEntry[],
): Promise<DatasetDirectory> {
  const db = hub.db as unknown as Kysely<FixtureTables>;
  await db.schema
    .createTable('test_datasets')
    .ifNotExists()
    .addColumn('name', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('versions', 'text', (c) => c.notNull())
    .addColumn('tables', 'text', (c) => c.notNull())
    .execute();
  for (const e of entries) {
    await db
      .insertInto('test_datasets')
      .values({ name: e.name, versions: JSON.stringify(e.versions), tables: JSON.stringify(e.tables) })
      .execute();
  }
  return {
    get: async (name) => {
      const row = await db
        .selectFrom('test_datasets')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            name: row.name,
            versions: JSON.parse(row.versions) as string[],
            tables: JSON.parse(row.tables) as DatasetEntry['tables'],
          };
    },
  };
}

export const FIXTURE_DATASETS: readonly DatasetEntry[] = [
  {
    name: 'cohort',
    versions: ['2025-01', '2025-06'],
    tables: [
      { name: 'patients', columns: ['patient_id', 'birth_year', 'sex', 'commune'] },
      { name: 'stays', columns: ['stay_id', 'patient_id', 'admitted', 'diagnosis'] },
    ],
  },
  { name: 'registry', versions: ['2024'], tables: [{ name: 'cases', columns: ['case_id', 'code', 'year'] }] },
];

export interface TestHub {
  readonly access: Access;
  readonly audit: AuditLog;
  readonly clock: TestClock;
  readonly datasets: DatasetDirectory;
  /** The local operator at the CLI. */
  readonly operator: Principal;
}

export async function setupAccess(
  hub: Pick<HubDb, 'db' | 'dialect'>,
  options: {
    readonly config?: unknown;
    readonly env?: Record<string, string>;
    readonly clock?: TestClock;
  } = {},
): Promise<TestHub> {
  const audit = new AuditLog(hub);
  const clock = options.clock ?? new TestClock();
  const datasets = await fixtureDirectory(hub, FIXTURE_DATASETS);
  const access = await createAccess({
    hub,
    audit,
    datasets,
    config: options.config,
    env: options.env ?? {},
    now: clock.now,
  });
  return { access, audit, clock, datasets, operator: cliPrincipal('root') };
}

export const PASSWORD = 'correct horse battery staple';

/** Adds a user with {@link PASSWORD} and signs them in; returns their principal and tokens. */
export async function userWithSession(t: TestHub, name: string, role: Role) {
  await t.access.users.add(t.operator, { name, role, password: PASSWORD });
  const login = await t.access.auth.login({ username: name, password: PASSWORD });
  const principal = await t.access.auth.authenticate(login.accessToken);
  return { principal, login };
}

/** The TOTP code for an enrolment secret at the test clock's time (or `offsetSteps` later). */
export function codeFor(t: TestHub, secret: string, offsetSteps = 0): string {
  return totp(base32Decode(secret), t.clock.now().getTime() + offsetSteps * 30_000);
}
