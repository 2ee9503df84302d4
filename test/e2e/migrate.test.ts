import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDetached } from '../../src/kms/index.js';
import { hdh } from './cli-harness.js';

describe('hdh migrate and hdh worker from the command line', () => {
  it('plans, runs, verifies, syncs, cuts over, rolls back and decommissions with a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hdh-e2e-mig-'));
    const home = join(dir, 'hub');
    const env = { HDH_KEYRING_PASSPHRASE: 'correct horse battery staple' };
    expect((await hdh(['init', '--home', home], env)).code).toBe(0);
    const config = join(home, 'hdh.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        /^defaultStore:/m,
        [
          '  old:',
          '    type: fs',
          `    root: ${join(dir, 'old')}`,
          '    provider: on-premises',
          '    legacy: true',
          '  new:',
          '    type: fs',
          `    root: ${join(dir, 'new')}`,
          '    provider: on-premises',
          'defaultStore:',
        ].join('\n'),
      ),
    );
    mkdirSync(join(dir, 'old', 'data', 'cohort'), { recursive: true });
    mkdirSync(join(dir, 'new'), { recursive: true });
    const digests = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const body = randomBytes(1000 + i * 4000);
      writeFileSync(join(dir, 'old', 'data', 'cohort', `f${i}.bin`), body);
      digests.set(`data/cohort/f${i}.bin`, createHash('sha256').update(body).digest('hex'));
    }
    writeFileSync(
      join(dir, 'classes.yaml'),
      '"data/cohort/": { class: pseudonymised-health, dataset: cohort }\n',
    );
    const h = (args: string[]) => hdh([...args, '--home', home], env);

    const plan = await h([
      'migrate',
      'plan',
      'm',
      '--from',
      'old:data/',
      '--to',
      'new:data/',
      '--class-map',
      join(dir, 'classes.yaml'),
      '--json',
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json()).toMatchObject({
      state: 'planned',
      objects: 12,
      phases: [{ class: 'pseudonymised-health' }],
    });

    const noClass = await h(['migrate', 'plan', 'x', '--from', 'old:data/', '--to', 'new:x/']);
    expect(noClass.code).toBe(1);
    expect(noClass.stderr).toMatch(/^error MIGRATION_CLASS_UNKNOWN: /m);

    const run = await h(['migrate', 'run', 'm', '--processes', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ copied: 12, failed: 0 });
    expect(run.stderr).toContain('"progress"');

    const verify = await h(['migrate', 'verify', 'm', '--deep']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toContain('clean');

    writeFileSync(join(dir, 'new', 'data', 'cohort', 'f3.bin'), 'tampered');
    const bad = await h(['migrate', 'verify', 'm']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/mismatch: data\/cohort\/f3\.bin/);
    expect((await h(['migrate', 'run', 'm'])).code).toBe(0);

    const early = await h(['migrate', 'cutover', 'm']);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^error MIGRATION_NOT_CLEAN: /);
    expect((await h(['migrate', 'sync', 'm'])).code).toBe(0);
    expect((await h(['migrate', 'verify', 'm'])).code).toBe(0);
    const cut = await h(['migrate', 'cutover', 'm', '--json']);
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.json()).toMatchObject({ recordsCreated: 12 });
    expect((await h(['migrate', 'rollback', 'm'])).code).toBe(0);
    expect((await h(['migrate', 'cutover', 'm'])).code).toBe(0);

    const refused = await h(['migrate', 'decommission', 'm']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--confirm');
    const certFile = join(dir, 'cert.json');
    const decommission = await h(['migrate', 'decommission', 'm', '--confirm', '--out', certFile]);
    expect(decommission.code, decommission.stderr).toBe(0);
    for (const key of digests.keys()) {
      expect(existsSync(join(dir, 'old', key)), key).toBe(false);
    }
    const cert = JSON.parse(readFileSync(certFile, 'utf8')) as { signature: string; signedJson: string };
    await verifyDetached(cert.signature, Buffer.from(cert.signedJson));
    const manifest = readFileSync(`${certFile}.manifest.jsonl`, 'utf8');
    expect(JSON.parse(cert.signedJson)).toMatchObject({
      objects: 12,
      manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    });
    for (const line of manifest.trim().split('\n')) {
      const entry = JSON.parse(line) as { source: string; plainSha256: string };
      expect(entry.plainSha256).toBe(digests.get(entry.source));
    }

    const report = await h(['migrate', 'report', 'm', '--format', 'html']);
    expect(report.stdout).toContain('<h1>Migration m</h1>');
    const status = await h(['migrate', 'status', 'm', '--json']);
    expect(status.json()).toMatchObject({ state: 'decommissioned', states: { verified: { objects: 12 } } });

    const idle = await h(['worker']);
    expect(idle.code).toBe(1);
    expect(idle.stderr).toMatch(/^error MIGRATION_STATE: no running migration/);
  });
});
