/**
 * The fs backend: objects as files under a root folder, written atomically.
 * @module
 */
export { FsStore } from './fs-store.js';
export { FS_CAPABILITIES, FS_MAX_SEGMENT_BYTES, type FsStoreOptions } from './fs-config.js';
export { STORE_DIR as FS_STORE_DIR } from './fs-layout.js';
export {
  BatchObjectWriter,
  fileEtag,
  layoutOf,
  readFileSyncNoFollow,
  statFileSync,
  type FsStoreAddress,
  type StagedObject,
} from './fs-sync.js';
