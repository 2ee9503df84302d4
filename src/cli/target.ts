/**
 * `NAME:key` and `NAME:prefix` arguments, as users type them.
 * @module
 */
import { CoreErrors } from '../core/index.js';

export function parseTarget(text: string, what: 'key' | 'prefix'): { store: string; path: string } {
  const i = text.indexOf(':');
  if (i <= 0) {
    throw CoreErrors.INPUT_INVALID(
      `"${text}" must be STORE:${what} (e.g. local:${what === 'key' ? 'datasets/x/file.csv' : 'datasets/x/'})`,
    );
  }
  const path = text.slice(i + 1);
  if (what === 'key' && path === '') {
    throw CoreErrors.INPUT_INVALID(`"${text}" names no key after the colon`);
  }
  return { store: text.slice(0, i), path };
}
