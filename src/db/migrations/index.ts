/**
 * The one ordered list of schema migrations, applied on start by both dialects. Append only: a
 * migration that has run on a hub is never edited.
 * @module
 */
import type { Migration } from 'kysely';
import * as foundation from './0001-foundation.js';
import * as migration from './0003-migration.js';
import * as catalog from './0004-catalog.js';
import * as access from './0005-access.js';
import * as catalogueGeneration from './0006-catalogue-generation.js';
import * as accessGeneration from './0007-access-generation.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-foundation': foundation,
  '0003-migration': migration,
  '0004-catalog': catalog,
  '0005-access': access,
  '0006-catalogue-generation': catalogueGeneration,
  '0007-access-generation': accessGeneration,
};
