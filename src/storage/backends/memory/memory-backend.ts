/**
 * Registry entry of the memory backend: each store opened is a new, empty space.
 * @module
 */
import type { MemoryStoreConfig } from '../../../core/index.js';
import { defineBackend } from '../../backend.js';
import { MEMORY_CAPABILITIES } from './memory-config.js';
import { MemoryStore } from './memory-store.js';

export const memoryBackend = defineBackend<MemoryStoreConfig>({
  kind: 'memory',
  description: 'objects in process memory, gone when the process ends (tests and trials)',
  capabilities: () => MEMORY_CAPABILITIES,
  create: (name) => Promise.resolve(new MemoryStore({ name })),
});
