/**
 * Memory stays flat whatever the object size: a 5 GiB object (HDH_TEST_SEAL_MEMORY_BYTES overrides
 * the size for quick local runs) is generated, sealed and opened in a child process whose peak RSS
 * must stay under 200 MB. Slow by design: 5 GiB go through both directions (10–30 s).
 *
 * The child runs the sources transpiled to JavaScript under plain node, so the figure is the
 * pipeline's and not the development loader's: tsx alone adds about 80 MB to any process.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sealedSizeFor } from './index.js';

const BYTES = Number(process.env['HDH_TEST_SEAL_MEMORY_BYTES'] ?? 5 * 1024 ** 3);
const LIMIT = 200 * 1000 * 1000;
const SRC = dirname(dirname(fileURLToPath(import.meta.url)));

/** Transpiles src/core and src/crypto (no tests) into `out`, keeping their relative layout. */
async function transpile(out: string): Promise<void> {
  for (const concept of ['core', 'crypto']) {
    const files = await readdir(join(SRC, concept), { recursive: true });
    for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = join(SRC, concept, file);
      const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      const target = join(out, relative(SRC, source)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, outputText);
    }
  }
}

describe('memory (slow: streams 5 GiB through seal and open)', () => {
  it(`seals and opens ${BYTES} bytes with a peak RSS under 200 MB`, { timeout: 300_000 }, async () => {
    // Inside the checkout (.tmp is ignored) so the child resolves the project's node_modules.
    const out = join(dirname(SRC), '.tmp', `crypto-memory-${randomBytes(4).toString('hex')}`);
    try {
      await transpile(out);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(out, 'crypto', 'memory.child.js')],
        {
          env: { ...process.env, HDH_TEST_SEAL_MEMORY_BYTES: String(BYTES) },
        },
      );
      const report = JSON.parse(stdout) as Record<string, number | string>;
      const sealedSize = sealedSizeFor(BYTES, {
        keyId: 'k',
        objectId: 'memory-test',
        dataset: 'd',
        dataClass: 'c',
      });
      expect(report).toMatchObject({
        sealedPlainSize: BYTES,
        openedPlainSize: BYTES,
        sealedSize,
        openedSealedSize: sealedSize,
      });
      expect(report['openedPlainSha256']).toBe(report['sealedPlainSha256']);
      expect(report['maxRssBytes']).toBeLessThan(LIMIT);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
