/**
 * The kernel every other concept imports: coded errors, configuration, ids, units and file helpers.
 * It imports nothing else of hdh's.
 * @module
 */
export * from './errors.js';
export * from './config/index.js';
export * from './ids.js';
export * from './units.js';
export * from './fs.js';
export * from './streams.js';
export * from './generation-memo.js';
