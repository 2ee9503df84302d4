/**
 * Capabilities and options of the fs backend.
 * @module
 */
import type { StoreCapabilities } from '../../object-store.js';

export const FS_CAPABILITIES: StoreCapabilities = {
  multipart: true,
  rangedReads: true,
  serverSideCopy: true,
  // Kept when the caller gives one (and it matched the bytes): the fs store never spends a pass on MD5.
  hashes: ['md5'],
  maxKeyBytes: 1024,
  // ext4's largest file.
  maxObjectBytes: 16 * 1024 ** 4,
  maxParts: 10_000,
  // No service-imposed floor; parts of any size concatenate.
  minPartBytes: 1,
};

/** Longest single path segment (file or folder name) on Linux file systems, in bytes. */
export const FS_MAX_SEGMENT_BYTES = 255;

export interface FsStoreOptions {
  /** The store's name in messages. */
  readonly name: string;
  /** Absolute folder holding the objects. */
  readonly root: string;
  /** Creates `root` when it does not exist (otherwise STORAGE_BUCKET_NOT_FOUND). */
  readonly createRoot?: boolean;
}
