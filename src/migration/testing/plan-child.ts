/**
 * Plans a migration from an Azure Blob Inventory CSV in a child process and prints the peak RSS:
 * the planner must stay flat whatever the number of objects.
 * Run with `node --import tsx src/migration/testing/plan-child.ts DIR INVENTORY [DBURL]`.
 * @module
 */
import { join } from 'node:path';
import { openDb } from '../../db/index.js';
import { createMigrationEngine } from '../engine.js';
import { preferSmallHeap } from '../small-heap.js';
import { createTestDeps, createTestKeyring } from './deps.js';

const [dir, inventory, dbUrl] = process.argv.slice(2);
// As `hdh migrate plan` does.
preferSmallHeap();
const hub = await openDb(dbUrl ?? `sqlite:${join(dir!, 'hub.db')}`);
const deps = await createTestDeps({
  db: hub,
  keyring: await createTestKeyring(dir),
  stores: { azure: { type: 'fs', root: join(dir!, 'src') }, ovh: { type: 'fs', root: join(dir!, 'dst') } },
});
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const report = await createMigrationEngine(deps).plan({
  name: 'million',
  from: { store: 'azure', prefix: 'cohort/' },
  to: { store: 'ovh', prefix: 'cohort/' },
  inventory: inventory!,
  defaultClass: 'pseudonymised-health',
});
process.stdout.write(
  `${JSON.stringify({
    objects: report.objects,
    blocked: report.blocked,
    seconds: (performance.now() - started) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBefore,
    rssAfter: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
  })}\n`,
);
await deps.close();
await hub.close();
