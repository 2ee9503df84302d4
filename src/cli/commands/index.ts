/**
 * Every command of the `hdh` program, in the order `hdh --help` lists them.
 * @module
 */
import type { RegisterCommand } from './types.js';
import { registerAudit } from './audit.js';
import { registerDatasets } from './datasets.js';
import { registerIngest } from './ingest.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerMigrate } from './migrate.js';
import { registerQuarantine } from './quarantine.js';
import { registerSovereignty } from './sovereignty.js';
import { registerStore } from './store.js';
import { registerSynth } from './synth.js';
import { registerWorker } from './worker.js';

export type { RegisterCommand } from './types.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerInit,
  registerStore,
  registerKeys,
  registerSovereignty,
  registerSynth,
  registerIngest,
  registerDatasets,
  registerQuarantine,
  registerMigrate,
  registerWorker,
  registerAudit,
];
