/**
 * The hub's roles. A user has exactly one; a person who needs two (a reviewer who also researches)
 * gets two accounts, which keeps separation of duties visible (SecNumCloud 9.3.f).
 * @module
 */
import { HUB_ROLES } from '../core/index.js';

/** The list itself is in core, so hdh.yaml can name roles (`access.mfa.requiredRoles`). */
export const ROLES = HUB_ROLES;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  operator: 'configures the hub, manages accounts, stores and keys',
  producer: 'submits data for a dataset (often as a service account)',
  reviewer: 'decides access applications for the access body',
  researcher: 'applies for access and analyses data under a permit',
  checker: 'checks outputs before release (secure processing environment)',
  auditor: 'reads and verifies the audit log',
};

/**
 * Roles a service account may hold. Machines submit data and export the audit log; they never hold a
 * permit (EHDS Art. 73(1)(a): only named natural persons) nor administer the hub (SecNumCloud 9.2.b:
 * administrators use named accounts).
 */
export const SERVICE_ACCOUNT_ROLES: readonly Role[] = ['producer', 'auditor'];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
