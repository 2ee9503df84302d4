/**
 * Key rules every backend shares. A key is what the hub and its users name objects by; these rules
 * keep the set of keys one store accepts portable to the others, so that a migration never meets a
 * key it cannot carry for a reason the source did not have. Backends add their own rules on top
 * (the fs store limits segment length, for instance).
 * @module
 */
import { StorageErrors } from '../errors.js';

/**
 * Control characters cannot travel in XML listings (S3) or URLs without loss; a lone surrogate has no
 * UTF-8 form at all.
 */
function hasForbiddenChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      return true;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) {
        return true;
      }
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** UTF-8 length of `key` in bytes. */
export function keyBytes(key: string): number {
  return Buffer.byteLength(key, 'utf8');
}

/**
 * Throws STORAGE_KEY_INVALID unless `key` is a non-empty, well-formed string of at most `maxKeyBytes`
 * UTF-8 bytes without control characters and without `.` or `..` segments (which URL normalisation
 * and file systems would silently rewrite into another key).
 */
export function checkKey(key: string, maxKeyBytes: number, storeName: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw StorageErrors.STORAGE_KEY_INVALID(`store ${storeName}: the key is empty`);
  }
  if (hasForbiddenChar(key)) {
    throw StorageErrors.STORAGE_KEY_INVALID(
      `store ${storeName}: key ${JSON.stringify(key)} holds a control character or a lone surrogate`,
    );
  }
  const bytes = keyBytes(key);
  if (bytes > maxKeyBytes) {
    throw StorageErrors.STORAGE_KEY_INVALID(
      `store ${storeName}: key ${describeKey(key)} is ${bytes} bytes long; this store accepts at most ${maxKeyBytes}`,
    );
  }
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') {
      throw StorageErrors.STORAGE_KEY_INVALID(
        `store ${storeName}: key ${describeKey(key)} has a "${segment}" segment`,
      );
    }
  }
}

/** Checks a listing prefix: like a key, but may be empty. */
export function checkPrefix(prefix: string, maxKeyBytes: number, storeName: string): void {
  if (typeof prefix !== 'string') {
    throw StorageErrors.STORAGE_KEY_INVALID(`store ${storeName}: the listing prefix is not a string`);
  }
  if (prefix === '') {
    return;
  }
  // A `.` or `..` segment (one followed by a slash) can start no key.
  const folders = prefix.split('/').slice(0, -1);
  if (
    hasForbiddenChar(prefix) ||
    keyBytes(prefix) > maxKeyBytes ||
    folders.some((s) => s === '.' || s === '..')
  ) {
    throw StorageErrors.STORAGE_KEY_INVALID(
      `store ${storeName}: listing prefix ${describeKey(prefix)} cannot start any key of this store`,
    );
  }
}

/** A key for messages: quoted, and shortened when very long. */
export function describeKey(key: string): string {
  return JSON.stringify(key.length > 120 ? `${key.slice(0, 60)}…${key.slice(-40)}` : key);
}

/** Compares two keys in UTF-8 byte order (= code point order), the order every listing follows. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      return utf8Rank(ca) - utf8Rank(cb);
    }
  }
  return a.length - b.length;
}

// UTF-16 code-unit order equals code point order except that surrogates (D800–DFFF, which encode
// code points above FFFF) sort below E000–FFFF; shifting them above restores UTF-8 byte order.
function utf8Rank(unit: number): number {
  if (unit >= 0xe000) {
    return unit - 0x800;
  }
  if (unit >= 0xd800) {
    return unit + 0x2000;
  }
  return unit;
}
