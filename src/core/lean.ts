/**
 * The core face without the configuration, for worker threads: the configuration's schemas load
 * typebox, about a second of CPU per thread, which a thread that only seals and copies never uses.
 * fs-pool.ts (src/migration) resolves `core/index` to this module inside its threads.
 * @module
 */
export * from './errors.js';
export * from './ids.js';
export * from './units.js';
export * from './fs.js';
export * from './streams.js';
