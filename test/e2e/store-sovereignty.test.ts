import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hdh } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'hdh-e2e-store-'));
const home = join(dir, 'hub');
const run = (...args: string[]): ReturnType<typeof hdh> => hdh(['--home', home, ...args]);

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
});

describe('hdh store', () => {
  const plain = Buffer.concat([
    Buffer.from('1840576451089 DUPONT Jeanne 12 rue des Lilas\n'),
    randomBytes(700_000),
  ]);
  const file = join(dir, 'cohort.csv');
  writeFileSync(file, plain);

  it('puts a sealed object that only the hub can read back', async () => {
    const put = await run(
      'store',
      'put',
      file,
      'local:datasets/cohort/raw.csv',
      '--dataset',
      'cohort',
      '--class',
      'pseudonymised-health',
      '--json',
    );
    expect(put.code, put.stderr).toBe(0);
    expect(put.json()).toMatchObject({
      dataset: 'cohort',
      dataClass: 'pseudonymised-health',
      plainSize: plain.length,
    });
    for (const f of filesUnder(join(home, 'objects'))) {
      expect(readFileSync(f).includes(Buffer.from('DUPONT')), f).toBe(false);
    }
    const out = join(dir, 'back.csv');
    expect((await run('store', 'get', 'local:datasets/cohort/raw.csv', out)).code).toBe(0);
    expect(readFileSync(out)).toEqual(plain);
    const ls = await run('store', 'ls', 'local:datasets/', '--json');
    expect(JSON.parse(ls.stdout.trim())).toMatchObject({
      key: 'datasets/cohort/raw.csv',
      class: 'pseudonymised-health',
      dataset: 'cohort',
    });
  });

  it('verify passes, then names a damaged object and exits 1', async () => {
    expect((await run('store', 'verify', 'local:')).code).toBe(0);
    const stored = join(home, 'objects', 'datasets', 'cohort', 'raw.csv');
    const bytes = readFileSync(stored);
    bytes[bytes.length - 100]! ^= 1;
    writeFileSync(stored, bytes);
    const verify = await run('store', 'verify', 'local:');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/FAILED +datasets\/cohort\/raw\.csv: CRYPTO_TAMPERED/);
    const get = await run('store', 'get', 'local:datasets/cohort/raw.csv', join(dir, 'never.csv'));
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^error CRYPTO_TAMPERED/);
    expect(() => readFileSync(join(dir, 'never.csv'))).toThrow();
  });

  it('refuses a class that differs from the dataset, and unknown stores and classes', async () => {
    expect(
      (await run('store', 'put', file, 'local:x', '--dataset', 'cohort', '--class', 'public')).stderr,
    ).toMatch(/^error HUB_CLASS_MISMATCH/);
    expect((await run('store', 'put', file, 'nowhere:x')).stderr).toMatch(/^error HUB_STORE_UNKNOWN/);
    expect((await run('store', 'put', file, 'local:x', '--class', 'secret-ish')).stderr).toMatch(
      /^error SOVEREIGNTY_UNKNOWN_CLASS/,
    );
    expect((await run('store', 'put', join(dir, 'missing'), 'local:x')).stderr).toMatch(
      /^error INPUT_NOT_FOUND/,
    );
    expect((await run('store', 'get', 'local:no/such', join(dir, 'x'))).stderr).toMatch(
      /^error STORAGE_NOT_FOUND/,
    );
  });

  it('adds a store, says which classes it may hold, and the guard refuses before a byte is written', async () => {
    const root = join(dir, 'us-cloud');
    const add = await run(
      'store',
      'add',
      'uscloud',
      '--type',
      'fs',
      '--root',
      root,
      '--provider',
      'azure-france-central',
    );
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('it may hold: public, anonymous-aggregate');
    const put = await run(
      'store',
      'put',
      file,
      'uscloud:x',
      '--dataset',
      'health',
      '--class',
      'pseudonymised-health',
    );
    expect(put.code).toBe(1);
    expect(put.stderr).toMatch(/^error SOVEREIGNTY_PLACEMENT_REFUSED: .*SecNumCloud 19\.6/);
    expect(filesUnder(root).filter((f) => !f.includes('.hdh-store'))).toEqual([]);
    const ok = await run(
      'store',
      'put',
      file,
      'uscloud:open/x',
      '--dataset',
      'open-data',
      '--class',
      'public',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(
      (await run('store', 'add', 'uscloud', '--type', 'fs', '--root', root, '--provider', 'on-premises'))
        .stderr,
    ).toMatch(/^error HUB_STORE_EXISTS/);
    expect(
      (await run('store', 'add', 'x', '--type', 'fs', '--root', root, '--provider', 'nope')).stderr,
    ).toMatch(/^error SOVEREIGNTY_UNKNOWN_PROVIDER/);
  });

  it('treats a legacy store as read-only and reports its objects as not sealed', async () => {
    const root = join(dir, 'old-platform');
    mkdirSync(join(root, 'exports'), { recursive: true });
    writeFileSync(join(root, 'exports', 'a.csv'), 'id,nir\n1,1840576451089\n');
    expect(
      (
        await run(
          'store',
          'add',
          'old',
          '--type',
          'fs',
          '--root',
          root,
          '--provider',
          'azure-france-central',
          '--legacy',
        )
      ).code,
    ).toBe(0);
    expect((await run('store', 'put', file, 'old:y')).stderr).toMatch(/^error STORAGE_READ_ONLY/);
    const verify = await run('store', 'verify', 'old:');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('HUB_OBJECT_NOT_SEALED');
  });
});

describe('hdh sovereignty', () => {
  it('lists the registry and checks a placement with its reasons', async () => {
    const providers = await run('sovereignty', 'providers', '--json');
    const ids = providers.json<{ id: string }[]>().map((p) => p.id);
    for (const id of [
      'ovhcloud',
      'outscale',
      'scaleway',
      's3ns',
      'bleu',
      'azure-france-central',
      'aws-eu-west-3',
      'on-premises',
    ]) {
      expect(ids).toContain(id);
    }
    const check = await run('sovereignty', 'check', '--store', 'uscloud', '--class', 'identifying-health');
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/CLOUD Act/);
    expect(
      (await run('sovereignty', 'check', '--store', 'local', '--class', 'identifying-health')).code,
    ).toBe(0);
  });

  it('writes a signed report with violations, and detects a changed report', async () => {
    const out = join(dir, 'report.json');
    const report = await run('sovereignty', 'report', '--out', out);
    expect(report.code).toBe(1); // the legacy store holds unclassified, unsealed objects
    const signed = JSON.parse(readFileSync(out, 'utf8')) as {
      report: { violations: unknown[]; stores: { name: string }[] };
    };
    expect(signed.report.violations.length).toBeGreaterThan(0);
    expect(signed.report.stores.map((s) => s.name).sort()).toEqual(['local', 'old', 'uscloud']);
    expect((await run('sovereignty', 'verify-report', out)).code).toBe(0);
    const changed = JSON.parse(readFileSync(out, 'utf8')) as { report: { violations: unknown[] } };
    changed.report.violations = [];
    writeFileSync(join(dir, 'changed.json'), JSON.stringify(changed));
    const bad = await run('sovereignty', 'verify-report', join(dir, 'changed.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error SOVEREIGNTY_SIGNATURE_INVALID/);
    const html = await run('sovereignty', 'report', '--format', 'html');
    expect(html.stdout).toMatch(/^<!DOCTYPE html>/i);
  });

  it('stops the hub when the policy cannot be parsed, instead of allowing', async () => {
    const cfg = join(home, 'hdh.yaml');
    const original = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${original}sovereignty:\n  policy:\n    classes:\n      public: maybe\n`);
    try {
      const r = await run('store', 'put', join(dir, 'cohort.csv'), 'local:y', '--class', 'public');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error (SOVEREIGNTY_POLICY_INVALID|CONFIG_INVALID)/);
    } finally {
      writeFileSync(cfg, original);
    }
  });
});
