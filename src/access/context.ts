/**
 * What every access service shares: the database, the audit log, the authoriser, the settings, the
 * derived keys and the clock (injected so tests can move time; production passes the system clock).
 * @module
 */
import type { AuditLog } from '../audit/index.js';
import { CoreErrors } from '../core/index.js';
import type { HubDb } from '../db/index.js';
import type { Authorizer } from './authorize.js';
import type { AccessConfig } from './config.js';
import type { DatasetDirectory } from './datasets.js';
import type { AccessKeys } from './secrets.js';
import type { VerifiedTokens } from './sessions.js';

export interface AccessContext {
  readonly hub: Pick<HubDb, 'db' | 'dialect'>;
  readonly audit: AuditLog;
  readonly authorizer: Authorizer;
  readonly config: AccessConfig;
  readonly keys: AccessKeys;
  readonly now: () => Date;
  readonly datasets: DatasetDirectory;
  readonly verifiedTokens: VerifiedTokens;
}

/** User and service-account names: lower case, digits, `.`, `_`, `@`, `-`; e-mail addresses fit. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,127}$/;

export function checkName(name: string, what = 'name'): string {
  if (!NAME_PATTERN.test(name)) {
    throw CoreErrors.INPUT_INVALID(
      `${what} "${name}" must be 1–128 characters of a-z, 0-9, ".", "_", "@", "-", starting with a letter or digit`,
    );
  }
  return name;
}

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
