import {
  CompactSign,
  FlattenedSign,
  SignJWT,
  base64url,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import { describe, expect, it } from 'vitest';
import { isHdhError, type HdhError } from '../../core/index.js';
import { evaluatePlacement } from '../evaluate.js';
import { DEFAULT_POLICY } from '../policy.js';
import { buildRegistry } from '../registry/registry.js';
import { importGaiaXCredentials, readGaiaXCredentials } from './gaia-x.js';
import { didJwkOf } from './keys.js';
import { proofSigningPayload, verifyCredential } from './verify.js';

const NOW = new Date('2026-11-28T10:00:00Z');

interface Signer {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly did: string;
  readonly alg: 'EdDSA' | 'ES256';
}

async function signer(alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : 'ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, did: didJwkOf(jwk), alg };
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

/** A Loire-style participant credential (VC 2.0) for a fictional provider. */
function participantCredential(issuer: string): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential', 'gx:LegalPerson'],
    id: 'https://example-cloud.test/credentials/participant',
    issuer,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    credentialSubject: {
      id: 'https://example-cloud.test/participant',
      type: 'gx:LegalPerson',
      'gx:legalName': 'Example Cloud SAS',
      'gx:headquartersAddress': { type: 'gx:Address', 'gx:countryCode': 'FR' },
      'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'FR' },
    },
  };
}

async function vcJwt(
  s: Signer,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { kid: `${s.did}#0` },
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: s.alg, typ: 'vc+jwt', ...header })
    .sign(s.privateKey);
}

/** A JsonWebSignature2020-style proof as hdh signs it: detached, unencoded payload over canonical JSON. */
async function withProof(
  s: Signer,
  credential: Record<string, unknown>,
  verificationMethod: unknown = `${s.did}#0`,
): Promise<Record<string, unknown>> {
  const proof = {
    type: 'JsonWebSignature2020',
    created: '2026-02-01T00:00:00Z',
    proofPurpose: 'assertionMethod',
    verificationMethod,
  };
  const unsigned = { ...credential, proof };
  const signed = await new FlattenedSign(proofSigningPayload(unsigned))
    .setProtectedHeader({ alg: s.alg, b64: false, crit: ['b64'] })
    .sign(s.privateKey);
  return { ...credential, proof: { ...proof, jws: `${signed.protected}..${signed.signature}` } };
}

describe('verifyCredential: VC-JWT', () => {
  it('verifies a VC-JWT signed by the did:jwk key it names', async () => {
    const s = await signer();
    const jwt = await vcJwt(s, participantCredential(s.did));
    const v = await verifyCredential(jwt, { now: NOW });
    expect(v.format).toBe('vc-jwt');
    expect(v.keySource).toBe('embedded');
    expect(v.keyThumbprint).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(v.credential['issuer']).toBe(s.did);
  });

  it('verifies an ES256 VC-JWT 1.1 whose key is in the header, folding iss/nbf/exp into the credential', async () => {
    const s = await signer('ES256');
    const jwt = await new SignJWT({
      vc: { type: ['VerifiableCredential'], credentialSubject: { 'gx:legalName': 'X' } },
    })
      .setProtectedHeader({ alg: 'ES256', jwk: s.jwk })
      .setIssuer('https://issuer.test')
      .setNotBefore(new Date('2026-01-01T00:00:00Z'))
      .setExpirationTime(new Date('2027-01-01T00:00:00Z'))
      .sign(s.privateKey);
    const v = await verifyCredential(jwt, { now: NOW });
    expect(v.credential).toMatchObject({
      issuer: 'https://issuer.test',
      expirationDate: '2027-01-01T00:00:00.000Z',
    });
  });

  it('refuses a tampered payload with SOVEREIGNTY_SIGNATURE_INVALID', async () => {
    const s = await signer();
    const jwt = await vcJwt(s, participantCredential(s.did));
    const [h, , sig] = jwt.split('.');
    const forged = participantCredential(s.did);
    (forged['credentialSubject'] as Record<string, unknown>)['gx:headquartersAddress'] = {
      'gx:countryCode': 'US',
    };
    const tampered = `${h!}.${base64url.encode(JSON.stringify(forged))}.${sig!}`;
    const err = await rejection(verifyCredential(tampered, { now: NOW }));
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    expect(err.message).toContain('the credential was altered or signed by another key');
  });

  it('refuses a credential signed by another key than the one it names', async () => {
    const named = await signer();
    const actual = await signer();
    const jwt = await vcJwt(actual, participantCredential(named.did), { kid: `${named.did}#0` });
    expect((await rejection(verifyCredential(jwt, { now: NOW }))).code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
  });

  it('refuses a did:jwk issuer that is not the signing key', async () => {
    const claimed = await signer();
    const actual = await signer();
    const jwt = await vcJwt(actual, participantCredential(claimed.did), { kid: `${actual.did}#0` });
    const err = await rejection(verifyCredential(jwt, { now: NOW }));
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    expect(err.message).toContain(`claims issuer ${claimed.did}`);
  });

  it('refuses a key named only by a remote reference, saying hdh does not fetch keys', async () => {
    const s = await signer();
    const jwt = await vcJwt(s, participantCredential('did:web:example-cloud.test'), {
      kid: 'did:web:example-cloud.test#key-1',
    });
    const err = await rejection(verifyCredential(jwt, { now: NOW }));
    expect(err.code).toBe('SOVEREIGNTY_CREDENTIAL_INVALID');
    expect(err.message).toContain('did:web:example-cloud.test#key-1');
    expect(err.message).toContain('does not fetch keys over the network');
  });

  it('verifies a did:web credential with the key the operator supplies, and refuses it with a wrong one', async () => {
    const s = await signer();
    const other = await signer();
    const jwt = await vcJwt(s, participantCredential('did:web:example-cloud.test'), {
      kid: 'did:web:example-cloud.test#key-1',
    });
    const v = await verifyCredential(jwt, { now: NOW, keys: { 'did:web:example-cloud.test#key-1': s.jwk } });
    expect(v.keySource).toBe('supplied');
    const err = await rejection(
      verifyCredential(jwt, { now: NOW, keys: { 'did:web:example-cloud.test': other.jwk } }),
    );
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
  });

  it('refuses an expired or not yet valid credential', async () => {
    const s = await signer();
    const jwt = await vcJwt(s, participantCredential(s.did));
    expect(
      (await rejection(verifyCredential(jwt, { now: new Date('2027-02-01T00:00:00Z') }))).message,
    ).toContain('expired on 2027-01-01');
    expect(
      (await rejection(verifyCredential(jwt, { now: new Date('2025-06-01T00:00:00Z') }))).message,
    ).toContain('valid only from 2026-01-01');
  });

  it('refuses symmetric and unsigned algorithms', async () => {
    const hs = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32).fill(7));
    expect((await rejection(verifyCredential(hs, { now: NOW }))).message).toContain(
      'signature algorithm "HS256" is not accepted',
    );
  });
});

describe('verifyCredential: JsonWebSignature2020-style proof', () => {
  it('verifies a proof made over the canonical JSON, whatever the key order of the file', async () => {
    const s = await signer();
    const signed = await withProof(s, participantCredential(s.did));
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(signed).reverse()), null, 2);
    const v = await verifyCredential(reordered, { now: NOW });
    expect(v.format).toBe('jws-proof');
  });

  it('verifies with a verification method embedded as an object with publicKeyJwk', async () => {
    const s = await signer('ES256');
    const signed = await withProof(s, participantCredential('https://issuer.test'), {
      id: 'https://issuer.test#k1',
      publicKeyJwk: s.jwk,
    });
    expect((await verifyCredential(signed, { now: NOW })).keyId).toBe('https://issuer.test#k1');
  });

  it('refuses a credential changed after signing, and one whose proof options were changed', async () => {
    const s = await signer();
    const signed = await withProof(s, participantCredential(s.did));
    const subject = {
      ...(signed['credentialSubject'] as Record<string, unknown>),
      'gx:legalName': 'Someone Else Inc.',
    };
    expect(
      (await rejection(verifyCredential({ ...signed, credentialSubject: subject }, { now: NOW }))).code,
    ).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    const proof = { ...(signed['proof'] as Record<string, unknown>), created: '2020-01-01T00:00:00Z' };
    expect((await rejection(verifyCredential({ ...signed, proof }, { now: NOW }))).code).toBe(
      'SOVEREIGNTY_SIGNATURE_INVALID',
    );
  });

  it('refuses an unsigned credential and an unsupported proof type', async () => {
    const err = await rejection(
      verifyCredential(participantCredential('https://issuer.test'), { now: NOW, name: 'offer.json' }),
    );
    expect(err.code).toBe('SOVEREIGNTY_CREDENTIAL_INVALID');
    expect(err.message).toBe('offer.json is not signed: it has no proof and is not a VC-JWT');
    const other = { ...participantCredential('x'), proof: { type: 'Ed25519Signature2020', proofValue: 'z' } };
    expect((await rejection(verifyCredential(other, { now: NOW }))).message).toContain(
      '"Ed25519Signature2020" is not supported',
    );
  });
});

describe('reading Gaia-X credentials into a registry entry', () => {
  const options = {
    id: 'example-cloud',
    now: NOW,
    checkedBy: 'operator (test)',
    source: 'example-cloud.json',
  };

  it('reads Loire names: headquarters, data centres, offering, subcontractors, label and certifications', () => {
    const credentials = [
      participantCredential('https://issuer.test'),
      {
        type: ['VerifiableCredential'],
        id: 'urn:dc:1',
        issuer: 'https://issuer.test',
        credentialSubject: [
          { type: 'gx:DataCenter', 'gx:location': [{ 'gx:countryCode': 'FR' }, { 'gx:countryCode': 'DE' }] },
          {
            type: 'gx:ObjectStorageServiceOffering',
            'schema:name': 'Example Object Storage',
            'gx:subContractors': [{ 'gx:applicableJurisdiction': 'FR', 'gx:legalName': 'Sub SAS' }],
            'gx:legalDocuments': [{ 'gx:url': 'https://x.test/t', 'gx:governingLawCountries': ['FR'] }],
          },
        ],
      },
      {
        type: ['VerifiableCredential', 'gx:LabelCredential'],
        id: 'urn:label:1',
        issuer: 'https://compliance.gaia-x.test',
        validFrom: '2026-03-01T00:00:00Z',
        validUntil: '2027-03-01T00:00:00Z',
        credentialSubject: { type: 'gx:LabelCredential', 'gx:labelLevel': 'L3' },
      },
      {
        type: ['VerifiableCredential'],
        issuer: 'https://issuer.test',
        credentialSubject: [
          {
            type: 'gx:Certification',
            'gx:certificationScheme': 'SecNumCloud',
            'gx:version': '3.2',
            'gx:scope': 'IaaS',
            'gx:validFrom': '2025-05-01',
            'gx:validUntil': '2028-05-01',
          },
          {
            type: 'gx:Certification',
            'gx:certificationScheme': 'HDS',
            'gx:activities': [1, 2, 3, 4, 5, 6],
            'gx:validFrom': '2025-01-01',
            'gx:validUntil': '2028-01-01',
          },
        ],
      },
    ];
    const { entry, override } = readGaiaXCredentials(credentials, options);
    expect(entry.headquartersCountry).toMatchObject({ value: 'FR' });
    expect(entry.legalEntity).toMatchObject({ value: 'Example Cloud SAS' });
    expect(entry.dataCentreCountries).toMatchObject({ value: ['DE', 'FR'] });
    expect(entry.name).toBe('Example Object Storage');
    expect(entry.service).toBe('object storage service');
    expect(entry.jurisdictions).toMatchObject({ value: { subcontractors: ['FR'], governingLaw: ['FR'] } });
    expect(entry.qualifications.gaiaX).toMatchObject({
      status: 'held',
      level: 'level-3',
      issued: '2026-03-01',
      expires: '2027-03-01',
      credentialId: 'urn:label:1',
    });
    expect(entry.qualifications.secNumCloud).toMatchObject({
      status: 'held',
      version: '3.2',
      scope: 'IaaS',
      expires: '2028-05-01',
    });
    expect(entry.qualifications.hds).toMatchObject({ status: 'held', activities: [1, 2, 3, 4, 5, 6] });
    // A credential never says which laws reach a provider.
    expect(entry.extraterritorialLaws).toBe('unknown');
    expect(override).not.toHaveProperty('extraterritorialLaws');
    const evidence =
      entry.headquartersCountry !== 'unknown' ? entry.headquartersCountry.evidence[0]! : undefined;
    expect(evidence).toMatchObject({
      checkedBy: 'operator (test)',
      checkedOn: '2026-11-28',
      assurance: 'self-declared',
    });
    expect(evidence!.source).toContain('https://example-cloud.test/credentials/participant');
    expect(evidence!.note).toContain('unsigned');
  });

  it('reads Tagus names (headquarterAddress, countrySubdivisionCode) and a non-EU parent as non-EU control', () => {
    const { entry } = readGaiaXCredentials(
      [
        {
          type: ['VerifiableCredential'],
          issuer: 'did:web:x',
          credentialSubject: {
            type: 'gx:LegalParticipant',
            'gx:legalName': 'Cloud France SAS',
            'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'FR-75' },
            'gx:subOrganisationOf': [
              {
                'gx:legalName': 'Cloud Corp',
                'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'US-WA' },
              },
            ],
          },
        },
      ],
      options,
    );
    expect(entry.headquartersCountry).toMatchObject({ value: 'FR' });
    expect(entry.control).toMatchObject({
      value: { jurisdiction: 'non-EU', controller: 'Cloud Corp', controllerCountry: 'US' },
    });
  });

  it('refuses credentials that carry nothing it reads', () => {
    let thrown: unknown;
    try {
      readGaiaXCredentials(
        [{ type: ['VerifiableCredential'], credentialSubject: { 'schema:colour': 'blue' } }],
        options,
      );
    } catch (err) {
      thrown = err;
    }
    expect(isHdhError(thrown, 'SOVEREIGNTY_CREDENTIAL_INVALID')).toBe(true);
  });

  it('reads lower-case and ISO 3166-2 country codes, and skips a malformed one rather than guess', () => {
    const { entry } = readGaiaXCredentials(
      [
        {
          credentialSubject: {
            type: 'gx:DataCenter',
            'gx:location': [
              { 'gx:countryCode': 'fr' },
              { 'gx:countryCode': 'France' },
              { 'gx:countrySubdivisionCode': 'BE-BRU' },
            ],
          },
        },
      ],
      options,
    );
    expect(entry.dataCentreCountries).toMatchObject({ value: ['BE', 'FR'] });
  });
});

describe('importGaiaXCredentials', () => {
  const options = {
    id: 'example-cloud',
    now: NOW,
    checkedBy: 'operator (test)',
    source: 'presentation.json',
  };

  it('verifies every credential of a presentation, enveloped VC-JWTs included, then reads them', async () => {
    const s = await signer();
    const participant = await vcJwt(s, participantCredential(s.did));
    const dc = await withProof(s, {
      type: ['VerifiableCredential'],
      id: 'urn:dc',
      issuer: s.did,
      credentialSubject: { type: 'gx:DataCenter', 'gx:location': { 'gx:countryCode': 'FR' } },
    });
    const vp = {
      type: ['VerifiablePresentation'],
      verifiableCredential: [
        { type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${participant}` },
        dc,
      ],
    };
    const result = await importGaiaXCredentials(JSON.stringify(vp), options);
    expect(result.verified.map((v) => v?.format)).toEqual(['vc-jwt', 'jws-proof']);
    expect(result.entry.dataCentreCountries).toMatchObject({ value: ['FR'] });
    const hq = result.entry.headquartersCountry;
    expect(hq !== 'unknown' && hq.evidence[0]!.note).toContain('signature verified (vc-jwt, EdDSA');
    expect(hq !== 'unknown' && hq.evidence[0]!.note).toContain('proves it is intact, not who issued it');
  });

  it('refuses the whole import when one credential has a bad signature', async () => {
    const s = await signer();
    const good = await withProof(s, participantCredential(s.did));
    const bad = await withProof(s, {
      type: ['VerifiableCredential'],
      issuer: s.did,
      credentialSubject: { type: 'gx:DataCenter', 'gx:location': { 'gx:countryCode': 'FR' } },
    });
    (bad['credentialSubject'] as Record<string, unknown>)['gx:location'] = { 'gx:countryCode': 'US' };
    const err = await rejection(importGaiaXCredentials([good, bad], options));
    expect(err.code).toBe('SOVEREIGNTY_SIGNATURE_INVALID');
    expect(err.message).toContain('presentation.json credential #2');
  });

  it('refuses unsigned credentials unless told to read them, and then says they are unverified', async () => {
    const unsigned = participantCredential('https://issuer.test');
    expect((await rejection(importGaiaXCredentials(unsigned, options))).code).toBe(
      'SOVEREIGNTY_CREDENTIAL_INVALID',
    );
    const { verified, entry } = await importGaiaXCredentials(unsigned, { ...options, allowUnsigned: true });
    expect(verified).toEqual([undefined]);
    const hq = entry.headquartersCountry;
    expect(hq !== 'unknown' && hq.evidence[0]!.note).toContain('unsigned credential');
  });

  it('feeds the registry: an imported override merges over a shipped entry and is evaluated like any other', async () => {
    const s = await signer();
    const signed = await withProof(s, {
      ...participantCredential(s.did),
      credentialSubject: [
        participantCredential(s.did)['credentialSubject'] as Record<string, unknown>,
        { type: 'gx:DataCenter', 'gx:location': { 'gx:countryCode': 'FR' } },
      ],
    });
    const { override } = await importGaiaXCredentials(signed, { ...options, id: 'outscale' });
    const registry = buildRegistry({ outscale: override });
    const outscale = registry.get('outscale');
    expect(outscale.name).toBe('3DS Outscale object storage');
    expect(outscale.headquartersCountry).toMatchObject({ value: 'FR' });
    const d = evaluatePlacement({
      provider: outscale,
      dataClass: 'pseudonymised-health',
      policy: DEFAULT_POLICY,
      store: { sealed: true, keyHolder: 'operator' },
      now: NOW,
    });
    const reasons = new Map(d.reasons.map((r) => [r.requirement, r.ok]));
    expect(reasons.get('SecNumCloud 19.2')).toBe(true);
    expect(reasons.get('SecNumCloud 19.6.a')).toBe(true);
    // Self-declared facts do not make a qualification: still refused until one is recorded.
    expect(d.allowed).toBe(false);
    expect(reasons.get('SecNumCloud qualification')).toBe(false);
  });
});
