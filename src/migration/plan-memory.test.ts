import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeInventory } from './testing/inventory-gen.js';

const CHILD = fileURLToPath(new URL('./testing/plan-child.ts', import.meta.url));
const LIMIT = 300 * 1024 * 1024;

describe('planning at scale', () => {
  it('plans 1,000,000 objects from an inventory under 300 MB of RSS', { timeout: 900_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hdh-plan-1m-'));
    const inventory = join(dir, 'inventory.csv');
    await writeInventory(inventory, 1_000_000);
    const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, dir, inventory], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      objects: number;
      blocked: { code: string; objects: number }[];
      maxRssBytes: number;
    };
    expect(out.objects).toBe(1_000_000);
    // Every 997th blob is archived: reported, not planned for copy.
    expect(out.blocked).toEqual([
      expect.objectContaining({ code: 'MIGRATION_SOURCE_ARCHIVED', objects: 1004 }),
    ]);
    expect(out.maxRssBytes).toBeLessThan(LIMIT);
  });
});
