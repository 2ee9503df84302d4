import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit/index.js';
import { Authorizer, type Resource } from './authorize.js';
import { ACTIONS, POLICY, policyTable } from './policy.js';
import { cliPrincipal, type Principal } from './principal.js';
import { ROLES } from './roles.js';

const docs = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');

/** An authoriser that never needs the database: no permit names anyone. */
const authorizer = new Authorizer({
  permits: { activePermitsNaming: () => Promise.resolve([]) },
  audit: undefined as unknown as AuditLog,
  now: () => new Date('2026-03-02T09:00:00Z'),
  dataRequiresMfa: true,
});
const person = (role: Principal['role'], name: string = role): Principal => ({
  kind: 'user',
  id: `usr_${name}`,
  name,
  role,
  actor: name,
  mfa: true,
  mfaEnrolmentRequired: false,
});

describe('the authorisation matrix', () => {
  it('is shown in docs/access.md exactly as the code has it', () => {
    expect(docs).toContain(policyTable());
  });

  it('names only known roles and gives every action at least one', () => {
    for (const action of ACTIONS) {
      const grants = Object.keys(POLICY[action].grants);
      expect(grants.length).toBeGreaterThan(0);
      for (const role of grants) {
        expect(ROLES).toContain(role);
      }
    }
  });

  it('fails closed when a condition meets a resource it cannot judge', async () => {
    const decision = await authorizer.authorize(person('researcher'), 'application.update', { type: 'hub' });
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'the applicant condition needs an application',
    });
    const data = await authorizer.authorize(person('researcher'), 'dataset.read-data', {
      type: 'application',
      id: 'app_x',
      applicant: 'researcher',
      members: ['researcher'],
    });
    expect(data.allowed).toBe(false);
  });

  it('keeps a reviewer off the applications of their own team', async () => {
    const resource = { type: 'application' as const, id: 'app_1', applicant: 'ann', members: ['ann', 'rev'] };
    expect(
      (await authorizer.authorize(person('reviewer', 'rev'), 'application.decide', resource)).reason,
    ).toContain('on the team of application app_1');
    expect(
      (await authorizer.authorize(person('reviewer', 'other'), 'application.decide', resource)).allowed,
    ).toBe(true);
  });

  it('lets the CLI act as an operator, not as a researcher or reviewer', async () => {
    const cli = cliPrincipal('root');
    expect(cli).toMatchObject({ kind: 'cli', role: 'operator', actor: 'cli:root' });
    expect((await authorizer.authorize(cli, 'users.manage', { type: 'hub' })).allowed).toBe(true);
    expect((await authorizer.authorize(cli, 'application.create', { type: 'hub' })).reason).toContain(
      'a cli principal may not application.create',
    );
  });

  it('filters lists to what concerns the principal when the grant is conditional', async () => {
    const list = { type: 'collection' as const, of: 'permits' as const };
    expect((await authorizer.authorize(person('researcher'), 'permit.read', list)).filter).toBe('own');
    expect((await authorizer.authorize(person('auditor'), 'permit.read', list)).filter).toBe('all');
    expect((await authorizer.authorize(person('checker'), 'permit.read', list)).allowed).toBe(false);
  });

  it('allows at once exactly what it allows after waiting, except what needs the permits read', async () => {
    let permitReads = 0;
    const counting = new Authorizer({
      permits: {
        activePermitsNaming: () => {
          permitReads++;
          return Promise.resolve([
            {
              id: 'prm_1',
              endsAt: '2027-01-01T00:00:00Z',
              scope: [{ dataset: 'cohort', version: '*', tables: [] }],
            },
          ]);
        },
      },
      audit: undefined as unknown as AuditLog,
      now: () => new Date('2026-03-02T09:00:00Z'),
      dataRequiresMfa: false,
    });
    const resources: Resource[] = [
      { type: 'hub' },
      { type: 'collection', of: 'datasets' },
      { type: 'collection', of: 'permits' },
      { type: 'user', name: 'ann' },
      { type: 'migration', name: 'm1' },
      { type: 'dataset', name: 'cohort' },
      { type: 'application', id: 'app_1', applicant: 'ann', members: ['ann', 'bob'] },
      { type: 'permit', id: 'prm_1', persons: ['ann'], applicant: 'ann' },
    ];
    const principals = [
      ...ROLES.map((role) => person(role, 'ann')),
      { ...person('researcher', 'ann'), mfaEnrolmentRequired: true },
      cliPrincipal('root'),
    ];
    let allowedAtOnce = 0;
    for (const principal of principals) {
      for (const action of ACTIONS) {
        for (const resource of resources) {
          const reads = permitReads;
          const decision = await counting.authorize(principal, action, resource);
          const readPermits = permitReads > reads;
          const now = counting.allowedNow(principal, action, resource);
          const what = `${principal.role} ${action} ${resource.type}`;
          if (decision.allowed && !readPermits) {
            expect(now, what).toEqual(decision);
            allowedAtOnce++;
          } else {
            expect(now, what).toBeUndefined();
          }
        }
      }
    }
    expect(allowedAtOnce).toBeGreaterThan(0);
    expect(permitReads).toBeGreaterThan(0);
  });
});
