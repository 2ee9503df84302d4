/**
 * Keyset pagination for lists: a page holds at most `limit` items and, when more follow, an opaque
 * cursor naming the last key returned. Keys are time-ordered ids or names, so pages stay stable while
 * rows are added.
 * @module
 */
import { CoreErrors } from '../core/index.js';

export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function pageLimit(query: PageQuery): number {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw CoreErrors.INPUT_INVALID(`limit ${limit} must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

export function encodeCursor(key: string): string {
  return Buffer.from(key).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) {
    return undefined;
  }
  const key = Buffer.from(cursor, 'base64url').toString();
  if (key === '' || encodeCursor(key) !== cursor) {
    throw CoreErrors.INPUT_INVALID(`cursor "${cursor}" was not returned by this list`);
  }
  return key;
}

/** Takes `limit + 1` rows fetched in order and makes the page. */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  key: (row: R) => string,
  view: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last !== undefined
    ? { items: items.map(view), nextCursor: encodeCursor(key(last)) }
    : { items: items.map(view) };
}
