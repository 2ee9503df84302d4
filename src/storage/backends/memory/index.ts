/**
 * The memory backend (reference implementation and test fake).
 * @module
 */
export { MemoryStore } from './memory-store.js';
export { MemorySpace } from './memory-space.js';
export { MEMORY_CAPABILITIES, type MemoryStoreOptions } from './memory-config.js';
