/**
 * Byte ranges, one meaning for every backend: `{ start, end }` is inclusive-exclusive, `end` past the
 * object is clamped, `start` equal to the size reads nothing, `start` past the size is
 * STORAGE_RANGE_INVALID; a negative `start` (without `end`) asks for the last `-start` bytes.
 * @module
 */
import type { ByteRange } from '../object-store.js';
import { StorageErrors } from '../errors.js';

export interface ResolvedRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** Rejects ranges that are malformed whatever the object's size. */
export function checkRange(range: ByteRange | undefined, what: string): void {
  if (range === undefined) {
    return;
  }
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) {
    throw StorageErrors.STORAGE_RANGE_INVALID(`${what}: range bounds must be integers`);
  }
  if (start < 0 && end !== undefined) {
    throw StorageErrors.STORAGE_RANGE_INVALID(`${what}: a suffix range (negative start) takes no end`);
  }
  if (start >= 0 && end !== undefined && end < start) {
    throw StorageErrors.STORAGE_RANGE_INVALID(`${what}: range ends at ${end} before it starts at ${start}`);
  }
}

/** Resolves a range against the object's size (after {@link checkRange}). */
export function resolveRange(range: ByteRange | undefined, size: number, what: string): ResolvedRange {
  if (range === undefined) {
    return { start: 0, end: size };
  }
  checkRange(range, what);
  if (range.start < 0) {
    return { start: Math.max(0, size + range.start), end: size };
  }
  if (range.start > size) {
    throw StorageErrors.STORAGE_RANGE_INVALID(
      `${what}: range starts at ${range.start}, past the end of the object (${size} bytes)`,
    );
  }
  return { start: range.start, end: Math.min(range.end ?? size, size) };
}

/** The HTTP `Range` header for a range (undefined for the whole object). */
export function httpRange(range: ByteRange | undefined): string | undefined {
  if (range === undefined) {
    return undefined;
  }
  if (range.start < 0) {
    return `bytes=${range.start}`;
  }
  if (range.end === undefined) {
    return range.start === 0 ? undefined : `bytes=${range.start}-`;
  }
  return `bytes=${range.start}-${range.end - 1}`;
}
