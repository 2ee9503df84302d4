/**
 * The data behind memory stores: objects kept in key order (so listings stream from any point without
 * sorting or copying the key set) and multipart uploads in progress.
 * @module
 */
import { compareKeys } from '../../common/keys.js';

export interface MemoryObject {
  readonly data: Buffer;
  readonly lastModified: Date;
  readonly etag: string;
  readonly md5: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface MemoryPart {
  readonly data: Buffer;
  readonly etag: string;
}

export interface MemoryUpload {
  readonly key: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly parts: Map<number, MemoryPart>;
}

export class MemorySpace {
  private readonly objects = new Map<string, MemoryObject>();
  /** Every key of `objects`, in UTF-8 byte order. */
  private readonly sorted: string[] = [];
  readonly uploads = new Map<string, MemoryUpload>();

  get(key: string): MemoryObject | undefined {
    return this.objects.get(key);
  }

  set(key: string, object: MemoryObject): void {
    if (!this.objects.has(key)) {
      const last = this.sorted[this.sorted.length - 1];
      // Appending in order is the common case (bulk loads): no search, no shifting.
      if (last === undefined || compareKeys(last, key) < 0) {
        this.sorted.push(key);
      } else {
        this.sorted.splice(this.firstAfter(key), 0, key);
      }
    }
    this.objects.set(key, object);
  }

  delete(key: string): void {
    if (!this.objects.delete(key)) {
      return;
    }
    const at = this.firstAfter(key) - 1;
    if (this.sorted[at] === key) {
      this.sorted.splice(at, 1);
    }
  }

  get size(): number {
    return this.objects.size;
  }

  /**
   * The first key after `cursor` (at or after it when `inclusive`). Searching again for
   * each key keeps iteration correct while objects are added or removed under it.
   */
  nextKey(cursor: string, inclusive = false): string | undefined {
    return this.sorted[inclusive ? this.firstAfter(cursor, true) : this.firstAfter(cursor)];
  }

  /** Index of the first key greater than `key` (or equal, when `inclusive`). */
  private firstAfter(key: string, inclusive = false): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.sorted[mid]!, key);
      if (c < 0 || (c === 0 && !inclusive)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
