/**
 * Canonical JSON: the one byte sequence a JSON value is signed as. Object keys are sorted by UTF-16
 * code units, there is no whitespace, strings and numbers are written as ECMAScript's JSON.stringify
 * writes them — the serialization of RFC 8785 (JCS) for the values hdh signs. Two equal values give
 * the same bytes whatever their key order, so a report parsed back from a pretty-printed file
 * verifies against the signature made over its canonical form.
 * @module
 */
import { createHash } from 'node:crypto';

/**
 * The canonical JSON text of `value`. Throws a TypeError for what JSON cannot carry faithfully
 * (non-finite numbers, bigint, functions, symbols, `undefined` inside an array). Properties whose
 * value is `undefined` are left out, as JSON.stringify does; a Date becomes its ISO string.
 *
 * @example
 * canonicalJson({ b: 1, a: [true, 'x'] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

/** The UTF-8 bytes of {@link canonicalJson}: what a detached signature covers. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** `sha256:` and the hex SHA-256 of the canonical bytes of `value`. */
export function canonicalDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalBytes(value)).digest('hex')}`;
}

function write(value: unknown, path: string): string {
  if (value === null) {
    return 'null';
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(`${path}: ${value} has no JSON form`);
      }
      // Negative zero prints as 0 in both JCS and JSON.stringify.
      return JSON.stringify(value);
    case 'object': {
      if (value instanceof Date) {
        return JSON.stringify(value.toISOString());
      }
      if (Array.isArray(value)) {
        return `[${value
          .map((item: unknown, i) => {
            if (item === undefined) {
              throw new TypeError(`${path}[${i}]: undefined has no JSON form`);
            }
            return write(item, `${path}[${i}]`);
          })
          .join(',')}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`).join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
}
