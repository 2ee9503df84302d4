/**
 * Capabilities and options of the azure-blob backend (block blobs).
 * @module
 */
import type { AzureBlobStoreConfig } from '../../../core/index.js';
import type { StoreCapabilities } from '../../object-store.js';

const MiB = 1024 * 1024;

/** Azure's largest block (API 2019-12-12 and later) and most blocks per blob. */
export const AZURE_MAX_BLOCK_BYTES = 4000 * MiB;
export const AZURE_MAX_BLOCKS = 50_000;

export const AZURE_BLOB_CAPABILITIES: StoreCapabilities = {
  multipart: true,
  rangedReads: true,
  // Copy between blobs needs a source URL the service can read (a SAS): not offered.
  serverSideCopy: false,
  // Content-MD5, present for single-shot uploads and wherever the writer set it; absent otherwise.
  hashes: ['md5'],
  maxKeyBytes: 1024,
  maxObjectBytes: AZURE_MAX_BLOCKS * AZURE_MAX_BLOCK_BYTES,
  maxParts: AZURE_MAX_BLOCKS,
  minPartBytes: 1,
};

/** Either the account's shared key, or a SAS token (the query string, with or without its `?`). */
export type AzureBlobCredential =
  | { readonly kind: 'shared-key'; readonly accountName: string; readonly accountKey: string }
  | { readonly kind: 'sas'; readonly sasToken: string };

export interface AzureBlobTuning {
  /** Bodies of a known size up to this go as one Put Blob (default 16 MiB). */
  readonly singleMaxBytes?: number;
  /** Block size for bodies of unknown size, and the least for known ones (default 8 MiB). */
  readonly partBytes?: number;
  /** Blocks of one put staged at once (default 4). */
  readonly concurrency?: number;
  /** Blobs per listing page (default 5,000, Azure's maximum). */
  readonly listPageSize?: number;
  /** Tries the SDK makes before an error surfaces (default 3). */
  readonly maxTries?: number;
  /**
   * The order the service lists blobs in, used to resume a listing after `startAfter`: `utf8` (byte
   * order, as hdh's contract) for Azure Storage; Azurite sorts JavaScript strings (`utf16`). The two
   * differ only for keys that mix characters above U+FFFF with U+E000–U+FFFF. Default: `utf16` for
   * emulator-style endpoints (an IP address or localhost followed by the account), `utf8` otherwise.
   */
  readonly keyOrder?: 'utf8' | 'utf16';
}

export interface AzureBlobStoreOptions {
  /** The store's name in messages. */
  readonly name: string;
  readonly config: Pick<AzureBlobStoreConfig, 'endpoint' | 'container'>;
  readonly credential: AzureBlobCredential;
  readonly tuning?: AzureBlobTuning;
}

/**
 * The account name an endpoint names: the first label of `ACCOUNT.blob.core.windows.net`, or the
 * first path segment of an emulator URL such as `http://127.0.0.1:10000/devstoreaccount1`.
 */
export function accountNameOf(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  const firstSegment = url.pathname.split('/').find((s) => s !== '');
  if (isEmulatorEndpoint(endpoint)) {
    return firstSegment;
  }
  const label = url.hostname.split('.')[0];
  return label === '' ? undefined : label;
}

/** An emulator-style endpoint: the account is the first path segment of an IP or localhost URL. */
export function isEmulatorEndpoint(endpoint: string): boolean {
  return /^(\d+\.){3}\d+$|^\[.*\]$|^localhost$/.test(new URL(endpoint).hostname);
}
