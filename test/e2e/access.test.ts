/**
 * Users, applications and permits from the command line: the same access services and the same
 * authorisation function as the API, each change in the audit log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationDetail, PermitView, UserView } from '../../src/access/index.js';
import { withHub } from '../../src/hub/index.js';
import { catalogueFixture } from '../../src/catalog/testing.js';
import { hdh } from './cli-harness.js';

const PASSWORD = 'correct horse battery staple';

describe('hdh users, applications and permits', () => {
  let home: string;

  beforeAll(async () => {
    home = join(mkdtempSync(join(tmpdir(), 'hdh-e2e-access-')), 'hub');
    const init = await hdh(['init', '--home', home, '--dev-keyring']);
    expect(init.code, init.stderr).toBe(0);
    // Datasets as ingestion records them, so applications have something to name.
    await withHub({ home, env: {}, prompt: false }, (hub) => catalogueFixture(hub.db.db));
  });

  const login = (username: string, password: string) =>
    withHub({ home, env: {}, prompt: false }, async (hub) =>
      (await hub.access()).auth.login({ username, password }),
    );

  it('adds users with a generated password shown once, or one read from standard input', async () => {
    const generated = await hdh(['users', 'add', 'alice', '--role', 'researcher', '--home', home]);
    expect(generated.code, generated.stderr).toBe(0);
    const password = /^password: (\S+)$/m.exec(generated.stdout)?.[1];
    expect(password).toBeDefined();
    expect((await login('alice', password!)).user).toEqual({ name: 'alice', role: 'researcher' });

    const piped = await hdh(
      ['users', 'add', 'bob', '--role', 'reviewer', '--password-stdin', '--json', '--home', home],
      {},
      { stdin: `${PASSWORD}\n` },
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.json<{ generatedPassword?: string }>().generatedPassword).toBeUndefined();
    expect(piped.stdout).not.toContain(PASSWORD);
    expect((await login('bob', PASSWORD)).user.role).toBe('reviewer');

    const badRole = await hdh(['users', 'add', 'carl', '--role', 'king', '--home', home]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/^error INPUT_INVALID: --role "king"/);
    const twice = await hdh(['users', 'add', 'bob', '--role', 'reviewer', '--home', home]);
    expect(twice.stderr).toMatch(/^error USER_EXISTS: /);
    const empty = await hdh(
      ['users', 'add', 'dan', '--role', 'checker', '--password-stdin', '--home', home],
      {},
      { stdin: '' },
    );
    expect(empty.stderr).toMatch(/^error INPUT_INVALID: --password-stdin/);
  });

  it('lists, disables and resets users; a disabled user cannot sign in', async () => {
    const added = await hdh(['users', 'add', 'eve', '--role', 'auditor', '--home', home]);
    const evePassword = /^password: (\S+)$/m.exec(added.stdout)![1]!;
    expect((await login('eve', evePassword)).user.name).toBe('eve');
    const listed = await hdh(['users', 'ls', '--json', '--home', home]);
    expect(listed.json<UserView[]>().map((u) => u.name)).toEqual(
      expect.arrayContaining(['alice', 'bob', 'eve']),
    );
    const table = await hdh(['users', 'ls', '--role', 'auditor', '--home', home]);
    expect(table.stdout).toMatch(/^NAME\s+ROLE/);
    expect(table.stdout).toContain('eve');
    expect(table.stdout).not.toContain('alice');

    const disabled = await hdh(['users', 'disable', 'eve', '--json', '--home', home]);
    expect(disabled.json<UserView>().disabled).toBe(true);
    await expect(login('eve', evePassword)).rejects.toMatchObject({ code: 'AUTH_INVALID_CREDENTIALS' });
    expect(
      (await hdh(['users', 'ls', '--json', '--home', home])).json<UserView[]>().map((u) => u.name),
    ).not.toContain('eve');
    expect(
      (await hdh(['users', 'ls', '--all', '--json', '--home', home])).json<UserView[]>().map((u) => u.name),
    ).toContain('eve');
    const reset = await hdh(['users', 'reset-mfa', 'bob', '--json', '--home', home]);
    expect(reset.json<UserView>().mfaEnabled).toBe(false);
    const unknown = await hdh(['users', 'disable', 'nobody', '--home', home]);
    expect(unknown.stderr).toMatch(/^error USER_NOT_FOUND: /);
  });

  it('takes an application through review and decision, issues a permit and revokes it', async () => {
    // The researcher drafts and submits through the same services the API calls.
    const app = await withHub({ home, env: {}, prompt: false }, async (hub) => {
      const access = await hub.access();
      const alice = await access.auth.principalForUser('alice', 'test');
      const draft = await access.applications.create(alice, {
        project: 'Readmissions after heart failure',
        purpose: 'scientific-research',
        datasets: [{ dataset: 'cohort', tables: [{ name: 'stays', columns: ['stay_id', 'diagnosis'] }] }],
        justification: 'to measure readmission rates',
        declaration: true,
      });
      return access.applications.submit(alice, draft.id);
    });

    const listed = await hdh(['applications', 'ls', '--state', 'submitted', '--json', '--home', home]);
    expect(listed.json<{ id: string }[]>().map((a) => a.id)).toEqual([app.id]);
    const shown = await hdh(['applications', 'show', app.id, '--home', home]);
    expect(shown.stdout).toContain('Readmissions after heart failure');
    expect(shown.stdout).toMatch(/clock: +started .* decide by /);

    // Deciding is for a reviewer independent of the team, never for the local operator as such.
    const early = await hdh(['applications', 'decide', app.id, '--approve', '--as', 'bob', '--home', home]);
    expect(early.stderr).toMatch(/^error APPLICATION_INVALID_TRANSITION: /);
    const byApplicant = await hdh(['applications', 'review', app.id, '--as', 'alice', '--home', home]);
    expect(byApplicant.stderr).toMatch(/^error ACCESS_DENIED: /);
    const review = await hdh(['applications', 'review', app.id, '--as', 'bob', '--home', home]);
    expect(review.code, review.stderr).toBe(0);
    const two = await hdh([
      'applications',
      'decide',
      app.id,
      '--approve',
      '--reject',
      '--as',
      'bob',
      '--home',
      home,
    ]);
    expect(two.stderr).toMatch(/exactly one of --approve, --reject, --request-info/);
    const noReason = await hdh(['applications', 'decide', app.id, '--reject', '--as', 'bob', '--home', home]);
    expect(noReason.stderr).toMatch(/^error INPUT_INVALID: .*comment/);

    const decided = await hdh([
      'applications',
      'decide',
      app.id,
      '--approve',
      '--comment',
      'proportionate',
      '--as',
      'bob',
      '--json',
      '--home',
      home,
    ]);
    expect(decided.code, decided.stderr).toBe(0);
    const detail = decided.json<ApplicationDetail>();
    expect(detail.state).toBe('approved');
    const again = await hdh(['applications', 'decide', app.id, '--approve', '--as', 'bob', '--home', home]);
    expect(again.stderr).toMatch(/^error APPLICATION_INVALID_TRANSITION: /);

    const permits = await hdh(['permits', 'ls', '--status', 'active', '--json', '--home', home]);
    const permit = permits.json<PermitView[]>().find((p) => p.id === detail.permitId);
    expect(permit).toMatchObject({ applicationId: app.id, persons: ['alice'], status: 'active' });
    const asAlice = await hdh(['permits', 'ls', '--as', 'alice', '--json', '--home', home]);
    expect(asAlice.json<PermitView[]>().map((p) => p.id)).toEqual([detail.permitId]);

    const readData = () =>
      withHub({ home, env: {}, prompt: false }, async (hub) => {
        const access = await hub.access();
        // As if signed in with a second factor, which reading data requires.
        const alice = { ...(await access.auth.principalForUser('alice', 'test')), mfa: true };
        return access.authorize(alice, 'dataset.read-data', {
          type: 'dataset',
          name: 'cohort',
          table: 'stays',
        });
      });
    const before = await readData();
    const noReasonRevoke = await hdh(['permits', 'revoke', detail.permitId!, '--home', home]);
    expect(noReasonRevoke.code).toBe(2);
    const byResearcher = await hdh([
      'permits',
      'revoke',
      detail.permitId!,
      '--reason',
      'x',
      '--as',
      'alice',
      '--home',
      home,
    ]);
    expect(byResearcher.stderr).toMatch(/^error ACCESS_DENIED: /);
    const revoked = await hdh([
      'permits',
      'revoke',
      detail.permitId!,
      '--reason',
      'end of study',
      '--json',
      '--home',
      home,
    ]);
    expect(revoked.json<PermitView>().status).toBe('revoked');
    // Revocation takes effect at once: the permit that let alice read the data no longer does.
    expect(before.allowed, before.reason).toBe(true);
    expect((await readData()).allowed).toBe(false);
  });

  it('writes every change to the audit log, naming the CLI user and on whose behalf', async () => {
    const exported = await hdh(['audit', 'export', '--home', home]);
    const entries = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: string; action: string; outcome: string; target: string });
    const actions = (action: string) => entries.filter((e) => e.action === action && e.outcome === 'success');
    expect(actions('users.add').map((e) => e.target)).toEqual(
      expect.arrayContaining(['user:alice', 'user:bob', 'user:eve']),
    );
    expect(actions('users.add')[0]!.actor).toMatch(/^cli:/);
    expect(actions('users.disable')).toHaveLength(1);
    expect(actions('users.reset-mfa')).toHaveLength(1);
    expect(actions('application.decide').find((e) => e.outcome === 'success')?.actor).toMatch(
      /^cli:.+ as bob$/,
    );
    expect(actions('permit.revoke').find((e) => e.outcome === 'success')?.actor).toMatch(/^cli:[^ ]+$/);
    // Each refusal is there too.
    expect(entries.filter((e) => e.outcome === 'denied').length).toBeGreaterThanOrEqual(2);
    expect((await hdh(['audit', 'verify', '--json', '--home', home])).json()).toMatchObject({ ok: true });
  });
});
