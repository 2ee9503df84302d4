import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { isHdhError, type HdhError } from '../../core/index.js';
import { canonicalDigest } from '../canonical-json.js';
import { DEFAULT_POLICY } from '../policy.js';
import { buildRegistry } from '../registry/registry.js';
import { buildReport, type Report } from './report.js';
import { SIGNED_REPORT_FORMAT, signReport, verifySignedReport } from './signature.js';

function report(): Report {
  return buildReport({
    stores: [
      {
        name: 'local',
        kind: 'fs',
        provider: buildRegistry().get('on-premises'),
        legacy: false,
        sealing: { sealed: true, keyHolder: 'operator' },
        holdings: [{ dataClass: 'identifying-health', dataset: 'cohort', objects: 3, bytes: 300 }],
        scan: { sealedObjects: 3, totalObjects: 3 },
      },
    ],
    keys: {
      kind: 'local',
      location: 'keyring file keyring.json',
      extractable: true,
      access: 'holder of the keyring passphrase',
    },
    audit: { ok: true, entries: 5 },
    policy: DEFAULT_POLICY,
    now: new Date('2026-12-01T12:00:00Z'),
  });
}

async function rejection(p: Promise<unknown>): Promise<HdhError> {
  try {
    await p;
  } catch (err) {
    if (isHdhError(err)) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('signed reports', () => {
  it('signs with an Ed25519 KeyObject and verifies from a pretty-printed file with the embedded key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signed = await signReport(report(), { privateKey });
    expect(signed.format).toBe(SIGNED_REPORT_FORMAT);
    expect(signed.signature.jws).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    expect(signed.signature.digest).toBe(canonicalDigest(signed.report));
    const header = JSON.parse(
      Buffer.from(signed.signature.jws.split('.')[0]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(header).toEqual({
      alg: 'EdDSA',
      b64: false,
      crit: ['b64'],
      kid: signed.signature.kid,
      typ: 'hdh-sovereignty-report',
    });
    const file = JSON.stringify(signed, null, 2);
    const v = await verifySignedReport(file);
    expect(v).toMatchObject({
      kid: signed.signature.kid,
      keySource: 'embedded',
      digest: signed.signature.digest,
    });
    expect(v.report).toEqual(JSON.parse(JSON.stringify(signed.report)));
    const given = await verifySignedReport(file, { key: publicKey });
    expect(given.keySource).toBe('given');
  });

  it('signs with a jose CryptoKey and its public JWK', async () => {
    const { privateKey, publicKey } = await generateKeyPair('Ed25519');
    const signed = await signReport(report(), { privateKey, publicKey: await exportJWK(publicKey) });
    expect((await verifySignedReport(signed, { key: publicKey })).keySource).toBe('given');
  });

  it('refuses a report changed after signing', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signed = JSON.parse(JSON.stringify(await signReport(report(), { privateKey }))) as {
      report: { summary: { violations: number } };
    };
    signed.report.summary.violations = 0;
    (signed.report as unknown as { stores: { compliant: boolean }[] }).stores[0]!.compliant = true;
    const tampered = JSON.parse(JSON.stringify(signed)) as Record<string, unknown>;
    (tampered['report'] as Record<string, unknown>)['generatedAt'] = '2030-01-01T00:00:00.000Z';
    const err = await rejection(verifySignedReport(tampered, { name: 'report.json' }));
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    expect(err.message).toContain('report.json: the signature does not verify');
  });

  it('refuses a report verified against another key, and an embedded key swapped for another', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const signed = await signReport(report(), { privateKey });
    expect((await rejection(verifySignedReport(signed, { key: other.publicKey }))).code).toBe(
      'SOVEREIGNTY_SIGNATURE_INVALID',
    );
    const swapped = {
      ...signed,
      signature: { ...signed.signature, jwk: other.publicKey.export({ format: 'jwk' }) },
    };
    const err = await rejection(verifySignedReport(swapped));
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    expect(err.message).toContain('is not the key the signature names');
  });

  it('refuses a file that is not a signed report', async () => {
    expect((await rejection(verifySignedReport('not json'))).code).toBe('SOVEREIGNTY_REPORT_INVALID');
    expect((await rejection(verifySignedReport({ format: 'other' }))).code).toBe(
      'SOVEREIGNTY_REPORT_INVALID',
    );
    expect(
      (await rejection(verifySignedReport({ format: SIGNED_REPORT_FORMAT, report: report() }))).message,
    ).toContain('signature.jws is missing');
  });
});
