import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = import.meta.dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) {
      return sources(path);
    }
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

describe('sovereignty stays pure and points inward', () => {
  const files = sources(ROOT);

  it('imports only itself, the core face and pure packages', () => {
    const allowedPackages = new Set(['typebox', 'typebox/value', 'jose', 'node:crypto']);
    for (const file of files) {
      for (const spec of imports(file)) {
        const where = `${relative(ROOT, file)} imports ${spec}`;
        if (spec.startsWith('.')) {
          const target = join(file, '..', spec);
          const inside = !relative(ROOT, target).startsWith('..');
          expect(inside || target.endsWith(join('core', 'index.js')), where).toBe(true);
        } else {
          expect(allowedPackages.has(spec), where).toBe(true);
        }
      }
    }
  });

  it('does no I/O: no file system, network, process or clock access in its code', () => {
    for (const file of files) {
      // Comments may show how callers pass `now`; only code counts.
      const text = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      expect(text, relative(ROOT, file)).not.toMatch(
        /\bprocess\.(env|argv|cwd)|\bfetch\(|Date\.now\(|new Date\(\)/,
      );
    }
  });
});
