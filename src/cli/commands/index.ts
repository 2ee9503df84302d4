/**
 * Every command of the `hdh` program, in the order `hdh --help` lists them.
 * @module
 */
import type { RegisterCommand } from './types.js';
import { registerApplications } from './applications.js';
import { registerAudit } from './audit.js';
import { registerDatasets } from './datasets.js';
import { registerIngest } from './ingest.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerMigrate } from './migrate.js';
import { registerPermits } from './permits.js';
import { registerQuarantine } from './quarantine.js';
import { registerServe } from './serve.js';
import { registerSovereignty } from './sovereignty.js';
import { registerStart } from './start.js';
import { registerStore } from './store.js';
import { registerSynth } from './synth.js';
import { registerUsers } from './users.js';
import { registerWorker } from './worker.js';

export type { RegisterCommand } from './types.js';

export const COMMANDS: readonly RegisterCommand[] = [
  registerStart,
  registerServe,
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
  registerUsers,
  registerApplications,
  registerPermits,
  registerAudit,
];
