import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { createClassMap, loadClassMap } from './class-map.js';

const CLASSES = ['public', 'pseudonymised-health', 'identifying-health'];

describe('class map', () => {
  it('takes the longest matching prefix', () => {
    const map = createClassMap(
      { 'cohort/': 'pseudonymised-health', 'cohort/open/': { class: 'public', dataset: 'open' } },
      CLASSES,
    );
    expect(map.lookup('cohort/open/a.csv')).toEqual({ dataClass: 'public', dataset: 'open' });
    expect(map.lookup('cohort/b.parquet')).toEqual({ dataClass: 'pseudonymised-health' });
    expect(map.lookup('other/c')).toBeUndefined();
  });

  it('reads YAML and names the file and entry of a bad class', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdh-cm-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, '"a/": public\n"b/":\n  class: identifying-health\n  dataset: registry\n');
    expect(loadClassMap(good, CLASSES).lookup('b/x')).toEqual({
      dataClass: 'identifying-health',
      dataset: 'registry',
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, '"a/": secret\n');
    try {
      loadClassMap(bad, CLASSES);
      expect.fail('a bad class was accepted');
    } catch (err) {
      expect(isHdhError(err, 'MIGRATION_CLASS_MAP_INVALID')).toBe(true);
      expect((err as Error).message).toContain('bad.yaml');
      expect((err as Error).message).toContain('"a/"');
    }
  });
});
