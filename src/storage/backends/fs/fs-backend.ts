/**
 * Registry entry of the fs backend: a relative root is relative to the hub home.
 * @module
 */
import { resolve } from 'node:path';
import type { FsStoreConfig } from '../../../core/index.js';
import { defineBackend } from '../../backend.js';
import { FS_CAPABILITIES } from './fs-config.js';
import { FsStore } from './fs-store.js';

export const fsBackend = defineBackend<FsStoreConfig>({
  kind: 'fs',
  description: 'one file per object under a folder, written atomically',
  capabilities: () => FS_CAPABILITIES,
  create: (name, config, deps) =>
    FsStore.open({ name, root: resolve(deps.home, config.root), createRoot: deps.ensureContainer === true }),
});
