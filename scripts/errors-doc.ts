// Writes docs/errors.md from the error registry: every code declared by any concept's errors.ts.
// `node --import tsx scripts/errors-doc.ts` rewrites the file; the test suite checks it is current.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registeredErrors } from '../src/core/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ERRORS_DOC = join(ROOT, 'docs', 'errors.md');

function errorModules(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      found.push(...errorModules(path));
    } else if (entry.name === 'errors.ts') {
      found.push(path);
    }
  }
  return found.sort();
}

export async function renderErrorsDoc(): Promise<string> {
  const modules = errorModules(join(ROOT, 'src'));
  const owner = new Map<string, string>();
  for (const file of modules) {
    const before = new Set(registeredErrors().map((e) => e.code));
    await import(pathToFileURL(file).href);
    for (const e of registeredErrors()) {
      if (!before.has(e.code)) {
        owner.set(e.code, relative(ROOT, file));
      }
    }
  }
  // Codes registered before this walk (imported by this script itself) belong to core.
  for (const e of registeredErrors()) {
    if (!owner.has(e.code)) {
      owner.set(e.code, 'src/core/errors.ts');
    }
  }
  const rows = registeredErrors().map(
    (e) =>
      `| \`${e.code}\` | ${e.status} | ${e.retryable ? 'yes' : 'no'} | ${e.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Error codes',
    '',
    'Every failure hdh reports carries one of these stable codes. The CLI prints `error CODE: message` and exits',
    'non-zero; the REST API answers `application/problem+json` (RFC 9457) with the code in the `code` member and the',
    'HTTP status below. Scripts should test the code, never the message. "Retryable" says whether the same',
    'operation may succeed if repeated (network blips, throttling); hdh itself retries those with back-off where it',
    'can.',
    '',
    "This file is generated from the declarations in each concept's `errors.ts` by",
    '`node --import tsx scripts/errors-doc.ts`; a test fails when it is out of date.',
    '',
    '| Code | HTTP | Retryable | Meaning and what to do |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = await renderErrorsDoc();
  const check = process.argv.includes('--check');
  const current = (() => {
    try {
      return readFileSync(ERRORS_DOC, 'utf8');
    } catch {
      return '';
    }
  })();
  if (check) {
    if (current !== text) {
      process.stderr.write('docs/errors.md is out of date: run node --import tsx scripts/errors-doc.ts\n');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(ERRORS_DOC, text);
    process.stdout.write(`docs/errors.md: ${registeredErrors().length} codes\n`);
  }
}
