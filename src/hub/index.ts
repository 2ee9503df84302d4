/**
 * The hub: every component built from one home folder.
 * @module
 */
export { openHub, withHub, type Hub, type OpenHubOptions } from './hub.js';
export { initHub, renderInitialConfig, type InitOptions, type InitResult } from './init.js';
export { decidePlacement, classesAllowed, storeSealing } from './placement.js';
