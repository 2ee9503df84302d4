import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registeredErrors } from '../src/core/index.js';
import { ERRORS_DOC, renderErrorsDoc } from '../scripts/errors-doc.js';

describe('docs/errors.md', () => {
  it('lists every error code any concept declares, and nothing else', async () => {
    const expected = await renderErrorsDoc();
    const documented = readFileSync(ERRORS_DOC, 'utf8');
    const codesIn = (text: string): string[] =>
      [...text.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(codesIn(documented)).toEqual(registeredErrors().map((e) => e.code));
    expect(documented).toBe(expected);
  });
});
