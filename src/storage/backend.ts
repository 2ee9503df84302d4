/**
 * What a backend is to the registry: a kind, its limits as data, and a factory from configuration.
 * Each backend folder exports one definition (`<kind>-backend.ts`); registry.ts lists them all.
 * @module
 */
import type { StoreConfig } from '../core/index.js';
import type { ObjectStore, StoreCapabilities } from './object-store.js';
import { StorageErrors } from './errors.js';

export interface StoreDeps {
  /** The hub home: relative fs roots are resolved against it. */
  readonly home: string;
  /** Where the variables a configuration names for credentials are read (default: the process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Creates the fs root, S3 bucket or Azure container when missing (`hdh init`, `hdh store add`). */
  readonly ensureContainer?: boolean;
}

export interface BackendDefinition<C extends StoreConfig = StoreConfig> {
  readonly kind: C['type'];
  /** One line for `hdh store add --help` and docs. */
  readonly description: string;
  /** The store's limits, from its configuration alone (planners use them without opening the store). */
  capabilities(config: C): StoreCapabilities;
  /** Opens the store; credentials come from `deps.env`, never from the configuration itself. */
  create(name: string, config: C, deps: StoreDeps): Promise<ObjectStore>;
}

export function defineBackend<C extends StoreConfig>(definition: BackendDefinition<C>): BackendDefinition<C> {
  return definition;
}

/**
 * Reads the variables a store configuration names, all at once: STORAGE_CREDENTIALS_MISSING names
 * every one that is unset or empty (the variable, never a value).
 */
export function readCredentialVariables<const K extends string>(
  storeName: string,
  wanted: Readonly<Record<K, { readonly field: string; readonly variable: string }>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<K, string> {
  const values = {} as Record<K, string>;
  const missing: string[] = [];
  for (const [name, { field, variable }] of Object.entries(wanted) as [
    K,
    { field: string; variable: string },
  ][]) {
    const value = env[variable];
    if (value === undefined || value === '') {
      missing.push(`${variable} (${field})`);
    } else {
      values[name] = value;
    }
  }
  if (missing.length > 0) {
    throw StorageErrors.STORAGE_CREDENTIALS_MISSING(
      `store ${storeName}: environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
    );
  }
  return values;
}
