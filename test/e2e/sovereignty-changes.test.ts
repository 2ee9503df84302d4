import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { didJwkOf } from '../../src/sovereignty/index.js';
import { qualifiedOverride } from '../../src/sovereignty/testing/fixtures.js';
import { hdh } from './cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'hdh-e2e-sov-'));
const home = join(dir, 'hub');
const run = (...args: string[]): ReturnType<typeof hdh> => hdh(['--home', home, ...args]);

function editConfig(edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = join(home, 'hdh.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

beforeAll(async () => {
  expect((await hdh(['init', '--home', home, '--dev-keyring'])).code).toBe(0);
});

describe('a provider entry that changes after data was stored', () => {
  it('is shown as a violation in the report, not silently accepted', async () => {
    // The operator records OVHcloud's qualifications (with evidence) and stores health data there.
    editConfig((doc) =>
      doc.setIn(['sovereignty', 'providers', 'ovhcloud'], doc.createNode(qualifiedOverride())),
    );
    const root = join(dir, 'ovh');
    expect(
      (await run('store', 'add', 'ovh', '--type', 'fs', '--root', root, '--provider', 'ovhcloud')).stdout,
    ).toContain('pseudonymised-health');
    writeFileSync(join(dir, 't.csv'), 'a,b\n1,2\n');
    const put = await run(
      'store',
      'put',
      join(dir, 't.csv'),
      'ovh:t.csv',
      '--dataset',
      'cohort',
      '--class',
      'pseudonymised-health',
    );
    expect(put.code, put.stderr).toBe(0);
    const before = await run('sovereignty', 'report');
    expect(before.code, before.stderr).toBe(0);
    expect((JSON.parse(before.stdout) as { report: { violations: unknown[] } }).report.violations).toEqual(
      [],
    );

    // Later the SecNumCloud qualification lapses: the stored data now violates the policy.
    editConfig((doc) =>
      doc.setIn(
        ['sovereignty', 'providers', 'ovhcloud'],
        doc.createNode(qualifiedOverride({ issued: '2020-01-01', expires: '2021-01-01' })),
      ),
    );
    const after = await run('sovereignty', 'report');
    expect(after.code).toBe(1);
    const violations = (
      JSON.parse(after.stdout) as {
        report: { violations: { store: string; dataClass: string; datasets: string[] }[] };
      }
    ).report.violations;
    expect(violations).toContainEqual(
      expect.objectContaining({ store: 'ovh', dataClass: 'pseudonymised-health', datasets: ['cohort'] }),
    );
    // And new writes are refused.
    const again = await run('store', 'put', join(dir, 't.csv'), 'ovh:t2.csv', '--dataset', 'cohort');
    expect(again.stderr).toMatch(/^error SOVEREIGNTY_PLACEMENT_REFUSED/);
  });
});

describe('hdh sovereignty import-credential', () => {
  async function credential(tamper = false): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('Ed25519');
    const did = didJwkOf(await exportJWK(publicKey));
    const vc = {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
      type: ['VerifiableCredential', 'gx:LegalPerson'],
      id: 'https://example-cloud.test/credentials/participant',
      issuer: did,
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: '2030-01-01T00:00:00Z',
      credentialSubject: {
        id: 'https://example-cloud.test/participant',
        type: 'gx:LegalPerson',
        'gx:legalName': 'Example Cloud SAS',
        'gx:headquartersAddress': { type: 'gx:Address', 'gx:countryCode': 'FR' },
      },
    };
    const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(vc)))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${did}#0` })
      .sign(privateKey);
    if (!tamper) {
      return jwt;
    }
    const [h, p, s] = jwt.split('.');
    const forged = Buffer.from(p!, 'base64url').toString().replace('"FR"', '"US"');
    return `${h}.${Buffer.from(forged).toString('base64url')}.${s}`;
  }

  it('records what a verified credential says, and refuses a bad signature', async () => {
    const good = join(dir, 'good.jwt');
    writeFileSync(good, await credential());
    const ok = await run('sovereignty', 'import-credential', good, '--provider', 'example-cloud');
    expect(ok.code, ok.stderr).toBe(0);
    const providers = (await run('sovereignty', 'providers', '--json')).json<
      { id: string; headquartersCountry: unknown }[]
    >();
    const entry = providers.find((p) => p.id === 'example-cloud');
    expect(JSON.stringify(entry?.headquartersCountry)).toContain('FR');

    const bad = join(dir, 'bad.jwt');
    writeFileSync(bad, await credential(true));
    const refused = await run('sovereignty', 'import-credential', bad, '--provider', 'forged-cloud');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error SOVEREIGNTY_(SIGNATURE|CREDENTIAL)_INVALID/);
    expect(readFileSync(join(home, 'hdh.yaml'), 'utf8')).not.toContain('forged-cloud');
  });
});
