/**
 * The authorisation matrix, as data: for each action, which roles may perform it and under which
 * condition, and which kinds of principal may. docs/access.md shows the same table ({@link policyTable};
 * a test keeps them equal). Anything not granted here is denied.
 * @module
 */
import type { PrincipalKind } from './principal.js';
import { ROLES, type Role } from './roles.js';

/**
 * - `always`: the role suffices.
 * - `team`: the principal is the applicant or a team member of the application (or named in the permit).
 * - `applicant`: the principal created the application.
 * - `named`: the principal is a person named in the permit.
 * - `independent`: the principal is neither on the application's team nor named in the permit
 *   (separation of duties, SecNumCloud 9.3.f).
 * - `permit`: an active, unexpired permit names the principal and covers the dataset, version, table
 *   and columns (EHDS Art. 68, Art. 73(1)(a),(d)).
 */
export type Condition = 'always' | 'team' | 'applicant' | 'named' | 'independent' | 'permit';

export interface Rule {
  readonly description: string;
  readonly grants: Readonly<Partial<Record<Role, Condition>>>;
  /** Kinds of principal allowed; all when absent. */
  readonly kinds?: readonly PrincipalKind[];
}

const everyone = (condition: Condition): Partial<Record<Role, Condition>> =>
  Object.fromEntries(ROLES.map((r) => [r, condition]));

const PEOPLE: readonly PrincipalKind[] = ['user'];
const ADMINS: readonly PrincipalKind[] = ['user', 'cli'];

export const POLICY = {
  'users.manage': {
    description: 'add, list, disable, enable users; reset their second factor; require MFA per role',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  'service-accounts.manage': {
    description: 'create service accounts, issue and revoke their API tokens',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  'self.read': { description: 'read one’s own identity (`GET /api/me`)', grants: everyone('always') },
  'self.mfa': {
    description: 'enrol and verify one’s own TOTP second factor',
    grants: everyone('always'),
    kinds: PEOPLE,
  },
  'self.password': {
    description: 'change one’s own password',
    grants: everyone('always'),
    kinds: PEOPLE,
  },
  'dataset.read-metadata': {
    description: 'list datasets, read their description, tables and columns (never rows)',
    grants: everyone('always'),
  },
  'dataset.write': {
    description: 'submit data for a dataset (ingestion)',
    grants: { producer: 'always' },
    kinds: ['user', 'service'],
  },
  // Quarantine: records an ingest set aside. Their original content may name people (class
  // identifying-health): only those who run or feed ingestion read it, and each reading is audited.
  'quarantine.read': {
    description:
      'list the records an ingest set aside and read one with its original content (identifying: each reading audited)',
    grants: { operator: 'always', producer: 'always' },
  },
  'quarantine.manage': {
    description: 're-ingest the correction of a quarantined record, or dismiss it with a reason',
    grants: { operator: 'always', producer: 'always' },
  },
  'dataset.read-data': {
    description: 'read rows of a dataset inside the secure processing environment',
    grants: { researcher: 'permit' },
    kinds: PEOPLE,
  },
  'application.create': {
    description: 'draft an access application',
    grants: { researcher: 'always' },
    kinds: PEOPLE,
  },
  'application.read': {
    description: 'read an application, its events and clock (lists show only what may be read)',
    grants: { operator: 'always', reviewer: 'always', researcher: 'team', auditor: 'always' },
    kinds: ADMINS,
  },
  'application.update': {
    description: 'edit a draft (or an application returned for information)',
    grants: { researcher: 'applicant' },
    kinds: PEOPLE,
  },
  'application.submit': {
    description: 'submit a draft, or resubmit after information was requested',
    grants: { researcher: 'applicant' },
    kinds: PEOPLE,
  },
  'application.comment': {
    description: 'add a comment to an application',
    grants: { reviewer: 'independent', researcher: 'team' },
    kinds: PEOPLE,
  },
  'application.review': {
    description: 'take a submitted application under review',
    grants: { reviewer: 'independent' },
    kinds: PEOPLE,
  },
  'application.decide': {
    description: 'approve (issuing a permit), reject, or request information',
    grants: { reviewer: 'independent' },
    kinds: PEOPLE,
  },
  'application.extend': {
    description: 'extend the statutory decision period once, with a reason',
    grants: { reviewer: 'independent' },
    kinds: PEOPLE,
  },
  'permit.read': {
    description: 'read a permit (lists show only what may be read)',
    grants: { operator: 'always', reviewer: 'always', researcher: 'named', auditor: 'always' },
  },
  'permit.suspend': {
    description: 'halt a permit at once (EHDS Art. 63)',
    grants: { operator: 'always', reviewer: 'always' },
    kinds: ADMINS,
  },
  'permit.revoke': {
    description: 'revoke a permit for good, with a reason',
    grants: { operator: 'always', reviewer: 'always' },
    kinds: ADMINS,
  },
  'permit.reinstate': {
    description: 'lift a suspension (a decision: reviewers only)',
    grants: { reviewer: 'independent' },
    kinds: PEOPLE,
  },
  'audit.read': { description: 'read and filter the audit log', grants: { auditor: 'always' } },
  'audit.verify': {
    description: 'verify the audit log’s hash chain (reveals no entry)',
    grants: { auditor: 'always', operator: 'always' },
  },
  // Migrations between stores (`hdh migrate`, `/api/migrations`).
  'migration.read': {
    description: 'read migrations: their status, report and decommission certificate',
    grants: { operator: 'always', auditor: 'always' },
  },
  'migration.manage': {
    description: 'plan, run, sync, verify, cut over, roll back and decommission migrations',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  // Stores, keys and sovereignty through the API (the CLI runs them as operator, kind cli).
  'store.read': {
    description: 'list the configured stores and the objects in one: dataset, class, size (never content)',
    grants: { operator: 'always', auditor: 'always' },
  },
  'store.write': {
    description: 'seal an object into a store (through the placement guard) or remove one',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  'store.read-content': {
    description: 'read an object’s plaintext out of the hub (audited)',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  'store.verify': {
    description: 'open every object under a prefix through every check (reveals no content)',
    grants: { operator: 'always', auditor: 'always' },
  },
  'keys.read': {
    description: 'where the master key lives, its versions, every dataset’s keys (never key material)',
    grants: { operator: 'always', auditor: 'always' },
  },
  'keys.manage': {
    description: 'rotate the master key; crypto-shred a dataset (irreversible)',
    grants: { operator: 'always' },
    kinds: ADMINS,
  },
  'sovereignty.read': {
    description: 'the provider registry, the signed compliance report, the hub’s public key; verify a report',
    grants: { operator: 'always', auditor: 'always' },
  },
  'sovereignty.check': {
    description: 'ask whether a store may hold a class of data (nothing is written)',
    grants: { operator: 'always', auditor: 'always' },
  },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof POLICY;

export const ACTIONS = Object.keys(POLICY) as Action[];

export function isAction(value: string): value is Action {
  return Object.hasOwn(POLICY, value);
}

/** The matrix as a Markdown table (roles as columns), the form docs/access.md shows. */
export function policyTable(): string {
  const header = `| action | ${ROLES.join(' | ')} | principals |`;
  const rule = `|---|${ROLES.map(() => '---').join('|')}|---|`;
  const rows = ACTIONS.map((action) => {
    const r: Rule = POLICY[action];
    const cells = ROLES.map((role) => r.grants[role] ?? '—');
    return `| \`${action}\` | ${cells.join(' | ')} | ${(r.kinds ?? ['user', 'service', 'cli']).join(', ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
