/**
 * Every command of the `hdh` program, in the order `hdh --help` lists them.
 * @module
 */
import type { RegisterCommand } from './types.js';
import { registerAudit } from './audit.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerSovereignty } from './sovereignty.js';
import { registerSynth } from './synth.js';

export type { RegisterCommand } from './types.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerInit,
  registerKeys,
  registerSovereignty,
  registerSynth,
  registerAudit,
];
