/**
 * Access settings an operator changes at run time, kept in `hub_meta` so every hub process sees the
 * same value at once.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { isRole, type Role } from './roles.js';

export const MFA_ROLES_KEY = 'access.mfa.requiredRoles';

/**
 * Roles whose users must present a second factor: those hdh.yaml requires (`fixed`,
 * `access.mfa.requiredRoles`) and those an operator required at run time.
 */
export async function mfaRequiredRoles(
  db: Kysely<Database>,
  fixed: readonly Role[] = [],
): Promise<readonly Role[]> {
  const row = await db
    .selectFrom('hub_meta')
    .select('value')
    .where('key', '=', MFA_ROLES_KEY)
    .executeTakeFirst();
  return parseMfaRoles(row?.value, fixed);
}

/** The stored setting (JSON array of roles) as roles, with the configured ones; nothing stored means none. */
export function parseMfaRoles(value: string | null | undefined, fixed: readonly Role[] = []): Role[] {
  const parsed = value === null || value === undefined ? [] : (JSON.parse(value) as unknown);
  const stored = Array.isArray(parsed)
    ? parsed.filter((r): r is Role => typeof r === 'string' && isRole(r))
    : [];
  return [...new Set([...fixed, ...stored])].sort();
}

export async function writeMfaRequiredRoles(db: Kysely<Database>, roles: readonly Role[]): Promise<void> {
  const value = JSON.stringify([...new Set(roles)].sort());
  await db
    .insertInto('hub_meta')
    .values({ key: MFA_ROLES_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
