/**
 * The hub's access services as hdh.yaml configures them: settings with their defaults and HDH_…
 * overrides, MFA required per role by configuration, and the catalogue as the dataset directory.
 */
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPrincipal } from '../access/index.js';
import { CONFIG_FILE } from '../core/index.js';
import { catalogueFixture } from '../catalog/testing.js';
import { initHub, openHub, withHub } from './index.js';

describe('hub.access()', () => {
  let home: string;
  const operator = cliPrincipal('tester');

  beforeAll(async () => {
    home = join(mkdtempSync(join(tmpdir(), 'hdh-hub-access-')), 'hub');
    await initHub({ home, env: {}, actor: 'cli:tester', keys: { provider: 'local', development: true } });
    appendFileSync(
      join(home, CONFIG_FILE),
      [
        'access:',
        '  publisher: Plateforme des données de santé',
        '  tokens:',
        '    accessTtlSeconds: 300',
        '  mfa:',
        '    requiredRoles: [reviewer]',
        '',
      ].join('\n'),
    );
  });

  it('builds the services once, with the settings of hdh.yaml and their defaults', async () => {
    await withHub({ home, env: {}, prompt: false }, async (hub) => {
      const access = await hub.access();
      expect(await hub.access()).toBe(access);
      expect(access.config.tokens).toEqual({ issuer: 'hdh', accessTtlSeconds: 300, sessionTtlHours: 12 });
      expect(access.config.publisher).toBe('Plateforme des données de santé');
      expect(access.config.lockout.maxFailures).toBe(5);
      expect(hub.config.server).toMatchObject({ host: '127.0.0.1', port: 8080, trustProxy: false });
    });
    const overridden = await openHub({
      home,
      env: { HDH_ACCESS__TOKENS__ACCESS_TTL_SECONDS: '120' },
      prompt: false,
    });
    try {
      expect((await overridden.access()).config.tokens.accessTtlSeconds).toBe(120);
    } finally {
      await overridden.close();
    }
  });

  it('requires a second factor for the roles hdh.yaml names, which the API cannot lift', async () => {
    await withHub({ home, env: {}, prompt: false }, async (hub) => {
      const access = await hub.access();
      const password = 'correct horse battery staple';
      await access.users.add(operator, { name: 'rita', role: 'reviewer', password });
      await access.users.add(operator, { name: 'ralph', role: 'researcher', password });
      expect((await access.auth.login({ username: 'rita', password })).mfaEnrolmentRequired).toBe(true);
      expect((await access.auth.login({ username: 'ralph', password })).mfaEnrolmentRequired).toBe(false);
      expect(await access.users.mfaPolicy(operator)).toEqual(['reviewer']);
      await expect(access.users.setMfaRequired(operator, 'reviewer', false)).rejects.toMatchObject({
        code: 'MFA_POLICY_FIXED',
      });
      // A role added at run time joins the configured one, and can be lifted again.
      expect(await access.users.setMfaRequired(operator, 'researcher', true)).toEqual([
        'researcher',
        'reviewer',
      ]);
      expect(await access.users.setMfaRequired(operator, 'researcher', false)).toEqual(['reviewer']);
    });
  });

  it('names an invalid access setting with its path and line', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'hdh-hub-access-')), 'hub');
    await initHub({
      home: bad,
      env: {},
      actor: 'cli:tester',
      keys: { provider: 'local', development: true },
    });
    appendFileSync(
      join(bad, CONFIG_FILE),
      'access:\n  tokens:\n    accessTtlSeconds: 5\n    refreshDays: 3\n',
    );
    const error = await openHub({ home: bad, env: {}, prompt: false }).then(
      () => undefined,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toMatch(/access\.tokens\.accessTtlSeconds \(line \d+\): must be >= 30/);
    expect(error?.message).toMatch(/access\.tokens\.refreshDays \(line \d+\): unknown setting "refreshDays"/);
  });

  it('checks applications against the catalogue: versions and tables of real datasets', async () => {
    await withHub({ home, env: {}, prompt: false }, async (hub) => {
      await catalogueFixture(hub.db.db);
      const access = await hub.access();
      const ralph = await access.auth.principalForUser('ralph', 'test');
      const draft = await access.applications.create(ralph, {
        project: 'Stays',
        purpose: 'scientific-research',
        datasets: [{ dataset: 'cohort', version: '2', tables: [{ name: 'stays', columns: ['diagnosis'] }] }],
        justification: 'a study',
        declaration: true,
      });
      expect(draft.datasets).toEqual([
        { dataset: 'cohort', version: '2', tables: [{ name: 'stays', columns: ['diagnosis'] }] },
      ]);
      await expect(
        access.applications.create(ralph, {
          project: 'Missing',
          purpose: 'scientific-research',
          datasets: [{ dataset: 'cohort', tables: [{ name: 'stays', columns: ['no_such_column'] }] }],
          justification: 'a study',
          declaration: true,
        }),
      ).rejects.toMatchObject({
        code: 'APPLICATION_INVALID',
        message: expect.stringContaining('no_such_column'),
      });
    });
  });
});
