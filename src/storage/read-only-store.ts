/**
 * Legacy stores (`legacy: true`: written by another system, e.g. the platform being left) are
 * read-only for the hub: reads and listings pass through, writes are refused with STORAGE_READ_ONLY.
 * @module
 */
import type {
  GetOptions,
  HeadOptions,
  ListOptions,
  ObjectInfo,
  ObjectStore,
  StoreCapabilities,
} from './object-store.js';
import type { Readable } from 'node:stream';
import { StorageErrors } from './errors.js';

class ReadOnlyStore implements ObjectStore {
  readonly kind: string;
  readonly name: string;
  readonly capabilities: StoreCapabilities;

  constructor(private readonly inner: ObjectStore) {
    this.kind = inner.kind;
    this.name = inner.name;
    // Neither uploads nor copies: both write.
    this.capabilities = { ...inner.capabilities, multipart: false, serverSideCopy: false, maxParts: 0 };
  }

  head(key: string, options?: HeadOptions): Promise<ObjectInfo | undefined> {
    return this.inner.head(key, options);
  }

  get(key: string, options?: GetOptions): Promise<Readable> {
    return this.inner.get(key, options);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix, options);
  }

  // The body is never read: a refused put leaves the caller's stream alone.
  put(key: string): Promise<ObjectInfo> {
    return Promise.reject(this.refuse('put', key));
  }

  delete(key: string): Promise<void> {
    return Promise.reject(this.refuse('delete', key));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private refuse(operation: string, key: string) {
    return StorageErrors.STORAGE_READ_ONLY(
      `store ${this.name} is a legacy store: hdh does not ${operation} there (key ${JSON.stringify(key)})`,
    );
  }
}

/** Wraps `store` so that every write is refused with STORAGE_READ_ONLY. */
export function readOnlyStore(store: ObjectStore): ObjectStore {
  return new ReadOnlyStore(store);
}
