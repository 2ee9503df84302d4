/**
 * Capabilities and options of the memory backend. Its limits mimic S3's by default (5 MiB parts,
 * 10,000 of them) so that code tested against it does not meet surprises on a real service; tests
 * that need small parts lower them.
 * @module
 */
import type { StoreCapabilities } from '../../object-store.js';
import type { MemorySpace } from './memory-space.js';

export const MEMORY_CAPABILITIES: StoreCapabilities = {
  multipart: true,
  rangedReads: true,
  serverSideCopy: true,
  hashes: ['md5'],
  maxKeyBytes: 1024,
  maxObjectBytes: 2 * 1024 ** 3,
  maxParts: 10_000,
  minPartBytes: 5 * 1024 ** 2,
};

export interface MemoryStoreOptions {
  /** The store's name in messages (default `memory`). */
  readonly name?: string;
  /**
   * The objects and uploads: pass the same space to several stores to model one service seen by
   * several processes (e.g. a new store after a "crash" that resumes an upload). Default: a new one.
   */
  readonly space?: MemorySpace;
  /** Overrides of the default limits (e.g. a smaller `minPartBytes` for fast tests). */
  readonly capabilities?: Partial<
    Pick<StoreCapabilities, 'maxKeyBytes' | 'maxObjectBytes' | 'maxParts' | 'minPartBytes'>
  >;
}
