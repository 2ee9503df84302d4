/**
 * A migration run in a child process, for crash and scale-out tests and the benchmark: it opens the
 * hub database and fs stores described by HDH_MIGRATION_CHILD (JSON), runs or works, and prints
 * one JSON line per progress tick and one with the result.
 * Run with `node --import tsx src/migration/testing/child.ts`.
 * @module
 */
import { openDb } from '../../db/index.js';
import { createMigrationEngine } from '../engine.js';
import type { RunOptions } from '../run.js';
import { createTestDeps, type TestKeyring } from './deps.js';

export interface ChildSpec {
  readonly dbUrl: string;
  readonly stores: Readonly<Record<string, { readonly root: string }>>;
  readonly keyring: TestKeyring;
  readonly command: 'run' | 'work';
  readonly migration: string;
  readonly options?: Omit<RunOptions, 'signal' | 'onProgress' | 'retry'>;
}

const spec = JSON.parse(process.env['HDH_MIGRATION_CHILD'] ?? '{}') as ChildSpec;
const hub = await openDb(spec.dbUrl, { poolSize: 4 });
const deps = await createTestDeps({
  db: hub,
  stores: Object.fromEntries(Object.entries(spec.stores).map(([n, s]) => [n, { type: 'fs', root: s.root }])),
  keyring: spec.keyring,
  actor: `child:${process.pid}`,
});
const engine = createMigrationEngine(deps);
const options: RunOptions = {
  ...spec.options,
  progressMs: 100,
  onProgress: (p) => process.stdout.write(`${JSON.stringify({ progress: p })}\n`),
};
const result =
  spec.command === 'run'
    ? await engine.run(spec.migration, options)
    : await engine.work({ ...options, migrations: [spec.migration] });
process.stdout.write(`${JSON.stringify({ result })}\n`);
await deps.close();
await hub.close();
