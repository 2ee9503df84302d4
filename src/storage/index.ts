/**
 * Object stores: the ObjectStore contract, its STORAGE_* errors, the registry that opens a named
 * store from hdh.yaml, and the backends (memory, fs, s3, azure-blob). Test helpers (the conformance
 * suite, test servers) live in the separate face `storage/testing/index.ts`, so that production code
 * never loads the test runner.
 * @module
 */
export type {
  ByteRange,
  CompletedPart,
  FileWritingStore,
  GetOptions,
  HeadOptions,
  ListOptions,
  MultipartStore,
  ObjectInfo,
  ObjectStore,
  OpOptions,
  PutOptions,
  StoreCapabilities,
} from './object-store.js';
export { writesFiles } from './object-store.js';
export { StorageErrors, type StorageErrorCode } from './errors.js';
export { defineBackend, type BackendDefinition, type StoreDeps } from './backend.js';
export { BACKENDS, backendFor, createStore, storeCapabilities } from './registry.js';
export { readOnlyStore } from './read-only-store.js';

export {
  MemoryStore,
  MemorySpace,
  MEMORY_CAPABILITIES,
  type MemoryStoreOptions,
} from './backends/memory/index.js';
export {
  FsStore,
  FS_CAPABILITIES,
  FS_MAX_SEGMENT_BYTES,
  FS_STORE_DIR,
  type FsStoreOptions,
} from './backends/fs/index.js';
export {
  S3Store,
  s3Capabilities,
  S3_MAX_PART_BYTES,
  S3_MIN_PART_BYTES,
  type S3Credentials,
  type S3StoreOptions,
  type S3Tuning,
} from './backends/s3/index.js';
export {
  AzureBlobStore,
  AZURE_BLOB_CAPABILITIES,
  AZURE_MAX_BLOCK_BYTES,
  AZURE_MAX_BLOCKS,
  accountNameOf,
  type AzureBlobCredential,
  type AzureBlobStoreOptions,
  type AzureBlobTuning,
} from './backends/azure-blob/index.js';

// Rules and helpers shared by the backends, for wrappers (the sealed store) and migration.
export { checkKey, checkPrefix, compareKeys, describeKey, keyBytes } from './common/keys.js';
export { checkMetadata, MAX_METADATA_BYTES } from './common/metadata.js';
export { checkRange, resolveRange, type ResolvedRange } from './common/ranges.js';
export { fitPartSize, growingPartSizes, DEFAULT_PART_BYTES, type PartLimits } from './common/part-size.js';
export { md5FromEtag } from './common/digests.js';
export { guardStream, meteredBody, chunkBody, type BodyPart, type MeterOptions } from './common/bodies.js';
export { readChunks } from './common/read-chunks.js';

export {
  SealedStore,
  type SealingKeys,
  type SealedPutOptions,
  type SealedGetOptions,
  type SealedPutResult,
  type SealedObjectInfo,
  type VerifiedObject,
} from './sealed/index.js';
