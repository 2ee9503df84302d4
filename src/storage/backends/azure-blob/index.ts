/**
 * The azure-blob backend: Azure Blob Storage block blobs through @azure/storage-blob.
 * @module
 */
export { AzureBlobStore } from './azure-blob-store.js';
export {
  AZURE_BLOB_CAPABILITIES,
  AZURE_MAX_BLOCK_BYTES,
  AZURE_MAX_BLOCKS,
  accountNameOf,
  type AzureBlobCredential,
  type AzureBlobStoreOptions,
  type AzureBlobTuning,
} from './azure-blob-config.js';
export { translateAzureError } from './azure-blob-errors.js';
