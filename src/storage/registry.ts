/**
 * The one list of storage backends, and the factory that opens a named store from its configuration.
 * A new backend is one folder under backends/ and one line here.
 * @module
 */
import type { StoreConfig } from '../core/index.js';
import type { ObjectStore, StoreCapabilities } from './object-store.js';
import type { BackendDefinition, StoreDeps } from './backend.js';
import { StorageErrors } from './errors.js';
import { readOnlyStore } from './read-only-store.js';
import { azureBlobBackend } from './backends/azure-blob/azure-blob-backend.js';
import { fsBackend } from './backends/fs/fs-backend.js';
import { memoryBackend } from './backends/memory/memory-backend.js';
import { s3Backend } from './backends/s3/s3-backend.js';

type Backends = { readonly [K in StoreConfig['type']]: BackendDefinition<Extract<StoreConfig, { type: K }>> };

/** Every backend, by kind (the type system checks that each store type of the schema has one). */
export const BACKENDS: Backends = {
  memory: memoryBackend,
  fs: fsBackend,
  s3: s3Backend,
  'azure-blob': azureBlobBackend,
};

/** The backend of `kind`, or STORAGE_BACKEND_UNKNOWN. */
export function backendFor(kind: string): BackendDefinition {
  const backend = (BACKENDS as Readonly<Record<string, BackendDefinition | undefined>>)[kind];
  if (backend === undefined) {
    throw StorageErrors.STORAGE_BACKEND_UNKNOWN(
      `no storage backend of type ${JSON.stringify(kind)}; known: ${Object.keys(BACKENDS).join(', ')}`,
    );
  }
  return backend;
}

/**
 * The limits a store will have, from its configuration alone (no connection). A legacy store's
 * capabilities say it takes no uploads.
 */
export function storeCapabilities(config: StoreConfig): StoreCapabilities {
  const caps = backendFor(config.type).capabilities(config);
  return config.legacy ? { ...caps, multipart: false, serverSideCopy: false, maxParts: 0 } : caps;
}

/**
 * Opens the store named `name` from its configuration. Relative fs roots resolve against
 * `deps.home`; credentials are read from the variables the configuration names (`deps.env`, by
 * default the process's), STORAGE_CREDENTIALS_MISSING naming any that is unset. `legacy: true`
 * stores refuse writes (STORAGE_READ_ONLY).
 */
export async function createStore(name: string, config: StoreConfig, deps: StoreDeps): Promise<ObjectStore> {
  if (!config.legacy) {
    return backendFor(config.type).create(name, config, deps);
  }
  // Another system's storage: never created, never written.
  const store = await backendFor(config.type).create(name, config, { ...deps, ensureContainer: false });
  return readOnlyStore(store);
}
