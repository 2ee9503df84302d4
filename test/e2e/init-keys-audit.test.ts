import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/index.js';
import { hdh } from './cli-harness.js';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'hdh-e2e-')), 'hub');

describe('hdh init, keys and audit from the command line', () => {
  it('creates a hub with a passphrase from the environment and refuses to create it twice', async () => {
    const home = fresh();
    const env = { HDH_KEYRING_PASSPHRASE: 'correct horse battery staple' };
    const init = await hdh(['init', '--home', home, '--json'], env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json()).toMatchObject({ home, keyring: { development: false } });
    for (const f of ['hdh.yaml', 'keyring.json', 'hdh.db']) {
      expect(statSync(join(home, f)).mode & 0o077, f).toBe(0);
    }
    const again = await hdh(['init', '--home', home], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error HUB_EXISTS: /);

    const wrong = await hdh(['keys', 'status', '--home', home], { HDH_KEYRING_PASSPHRASE: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error KMS_PASSPHRASE_WRONG: /);
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it('says what is missing when no passphrase is given, and leaves nothing behind', async () => {
    const home = fresh();
    const run = await hdh(['init', '--home', home]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HDH_KEYRING_PASSPHRASE');
    expect(() => statSync(join(home, 'hdh.yaml'))).toThrow();
  });

  it('rotates the master key and shreds a dataset key, each in the audit log', async () => {
    const home = fresh();
    expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
    const before = await hdh(['keys', 'status', '--json', '--home', home]);
    const firstMaster = before.json<{ provider: { activeMasterKeyId: string } }>().provider.activeMasterKeyId;

    const rotate = await hdh(['keys', 'rotate-master', '--json', '--home', home]);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.json()).toMatchObject({ previous: [firstMaster] });

    const noConfirm = await hdh(['keys', 'shred', 'cohort', '--home', home]);
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.stderr).toContain('--confirm');

    const verify = await hdh(['audit', 'verify', '--json', '--home', home]);
    expect(verify.json()).toMatchObject({ ok: true, entries: 2 });
    const exported = await hdh(['audit', 'export', '--home', home]);
    const actions = exported.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { action: string }).action);
    expect(actions).toEqual(['hub.init', 'keys.rotate-master']);
  });

  it('audit verify exits 1 and names the entry when the log was tampered with', async () => {
    const home = fresh();
    expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
    await hdh(['keys', 'rotate-master', '--home', home]);
    const db = await openDb(`sqlite:${join(home, 'hdh.db')}`);
    await db.db.updateTable('audit_log').set({ actor: 'someone-else' }).where('seq', '=', 1).execute();
    await db.close();
    const verify = await hdh(['audit', 'verify', '--home', home]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/BROKEN at entry #1 /);
  });

  it('reports every configuration problem at once, with its path and line', async () => {
    const home = fresh();
    expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
    const { writeFileSync, readFileSync } = await import('node:fs');
    const file = join(home, 'hdh.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('port: 8080', 'port: eighty')
        .replace('    root: objects', '    root: objects\n    colour: blue')
        .replace('defaultStore: local', '  ovh:\n    type: s3\n    provider: ovhcloud\ndefaultStore: local'),
    );
    const run = await hdh(['keys', 'status', '--home', home]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error CONFIG_INVALID: /);
    expect(run.stderr).toMatch(/server\.port \(line \d+\): must be integer/);
    expect(run.stderr).toMatch(/stores\.local\.colour \(line \d+\): unknown setting "colour"/);
    expect(run.stderr).toMatch(/stores\.ovh\.bucket .*is required/);
    expect(run.stderr).toMatch(/stores\.ovh\.accessKeyIdEnv .*is required/);
  });

  it('takes HDH_… overrides derived from the schema, and says which variable was wrong', async () => {
    const home = fresh();
    expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
    const run = await hdh(['keys', 'status', '--home', home], { HDH_SERVER__PORT: 'x' });
    expect(run.stderr).toMatch(/server\.port .*\(from HDH_SERVER__PORT\)/);
    const ok = await hdh(['keys', 'status', '--home', home], { HDH_SERVER__PORT: '9999' });
    expect(ok.code).toBe(0);
  });
});
