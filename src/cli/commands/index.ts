/**
 * Every command of the `hdh` program, in the order `hdh --help` lists them.
 * @module
 */
import type { RegisterCommand } from './types.js';
import { registerAudit } from './audit.js';

export type { RegisterCommand } from './types.js';

export const COMMANDS: readonly RegisterCommand[] = [registerAudit];
