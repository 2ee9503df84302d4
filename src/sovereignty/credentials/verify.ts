/**
 * Verifying a signed W3C Verifiable Credential offline, in either form Gaia-X uses:
 *
 * - **VC-JWT** (Gaia-X Loire, VC 2.0 with JOSE): a compact JWS whose payload is the credential
 *   (or, in VC-JWT 1.1, a claims set with the credential under `vc`).
 * - **An embedded JsonWebSignature2020-style proof** (Gaia-X Tagus): `proof.jws` is a detached JWS.
 *   hdh signs and checks it over the canonical JSON (see canonical-json.ts) of the credential with
 *   the proof's own fields except `jws`. JSON-LD (URDNA2015) canonicalization would need the remote
 *   JSON-LD contexts, which hdh does not fetch; a proof made that way does not verify here and is
 *   refused like any other bad signature.
 *
 * A bad signature is refused with SOVEREIGNTY_SIGNATURE_INVALID; anything else wrong (no signature,
 * an unusable or remote-only key, an expired credential) with SOVEREIGNTY_CREDENTIAL_INVALID.
 * @module
 */
import { base64url, compactVerify, decodeProtectedHeader, flattenedVerify, type JWK } from 'jose';
import { canonicalBytes } from '../canonical-json.js';
import { SovereigntyErrors } from '../errors.js';
import { dayOf } from '../qualifications.js';
import { resolveKey, thumbprintOf, type ResolvedKey } from './keys.js';

/** A credential whose signature verified. */
export interface VerifiedCredential {
  /** The credential as a JSON object (for VC-JWT 1.1, the `vc` claim with `iss`/`nbf`/`exp` folded in). */
  readonly credential: Readonly<Record<string, unknown>>;
  readonly format: 'vc-jwt' | 'jws-proof';
  readonly algorithm: string;
  /** The key id the credential names, when it names one. */
  readonly keyId?: string;
  /** RFC 7638 thumbprint of the key that verified it, `sha256:…`. */
  readonly keyThumbprint: string;
  /**
   * `supplied`: a key the operator passed in verified it (trust rests on where the operator got it).
   * `embedded`: the credential carried the key — this proves the credential is intact, not who
   * issued it; reports say so.
   */
  readonly keySource: ResolvedKey['source'];
}

export interface VerifyCredentialOptions {
  /** The day of the check: expired credentials are refused. */
  readonly now: Date;
  /** Public keys the operator trusts, by key id (JWS `kid`, proof `verificationMethod`) or issuer DID. */
  readonly keys?: Readonly<Record<string, JWK>>;
  /** How to name the credential in messages (a file name), when it has no `id`. */
  readonly name?: string;
}

const ASYMMETRIC = new Set([
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
]);

/**
 * Verifies one credential: a VC-JWT (string), or a JSON credential (object or JSON text) with an
 * embedded proof. Resolves to the verified credential; rejects with a coded error otherwise.
 *
 * @example
 * const { credential, keyThumbprint } = await verifyCredential(jwt, { now: new Date() });
 */
export async function verifyCredential(
  input: unknown,
  options: VerifyCredentialOptions,
): Promise<VerifiedCredential> {
  const keys = options.keys ?? {};
  if (typeof input === 'string') {
    const text = input.trim();
    if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(text)) {
      return verifyJwt(text, keys, options);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
        `${options.name ?? 'credential'} is neither a VC-JWT nor JSON: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return verifyCredential(parsed, options);
  }
  if (!isRecord(input)) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${options.name ?? 'credential'} is not a JSON object`,
    );
  }
  return verifyProof(input, keys, options);
}

async function verifyJwt(
  jwt: string,
  keys: Readonly<Record<string, JWK>>,
  options: VerifyCredentialOptions,
): Promise<VerifiedCredential> {
  const what = options.name ?? 'VC-JWT';
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt);
    claims = JSON.parse(new TextDecoder().decode(base64url.decode(jwt.split('.')[1]!))) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${what}: header or payload is not base64url JSON`,
      {
        cause: err,
      },
    );
  }
  if (!isRecord(claims)) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${what}: the payload is not a JSON object`);
  }
  const credential = credentialFromClaims(claims);
  const name =
    options.name ?? (typeof credential['id'] === 'string' ? `credential ${credential['id']}` : what);
  const alg = checkAlgorithm(header['alg'], name);
  const key = resolveKey(
    {
      ...(typeof header['kid'] === 'string' ? { keyId: header['kid'] } : {}),
      ...(header['jwk'] !== undefined ? { headerJwk: header['jwk'] } : {}),
      ...(issuerOf(credential) !== undefined ? { issuer: issuerOf(credential)! } : {}),
    },
    keys,
    name,
  );
  try {
    await compactVerify(jwt, key.jwk, { algorithms: [alg] });
  } catch (err) {
    throw await badSignature(name, key, err);
  }
  checkIssuerMatchesKey(credential, key, name);
  checkValidity(credential, options.now, name);
  return await verified(credential, 'vc-jwt', alg, key);
}

async function verifyProof(
  credential: Record<string, unknown>,
  keys: Readonly<Record<string, JWK>>,
  options: VerifyCredentialOptions,
): Promise<VerifiedCredential> {
  const name =
    options.name ?? (typeof credential['id'] === 'string' ? `credential ${credential['id']}` : 'credential');
  const proofs = Array.isArray(credential['proof'])
    ? (credential['proof'] as unknown[])
    : [credential['proof']];
  if (credential['proof'] === undefined) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name} is not signed: it has no proof and is not a VC-JWT`,
    );
  }
  if (proofs.length !== 1 || !isRecord(proofs[0])) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name}: proof must be one object (hdh checks a single proof)`,
    );
  }
  const proof = proofs[0];
  if (proof['type'] !== 'JsonWebSignature2020') {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name}: proof type ${JSON.stringify(proof['type'])} is not supported (hdh verifies JsonWebSignature2020 proofs and VC-JWTs)`,
    );
  }
  const jws = proof['jws'];
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3 || parts[1] !== '' || parts[0] === '' || parts[2] === '') {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name}: proof.jws must be a detached JWS (header..signature)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!))) as Record<string, unknown>;
  } catch (err) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name}: proof.jws header is not base64url JSON`,
      { cause: err },
    );
  }
  const alg = checkAlgorithm(header['alg'], name);
  const vm = proof['verificationMethod'];
  const keyId =
    typeof vm === 'string' ? vm : isRecord(vm) && typeof vm['id'] === 'string' ? vm['id'] : undefined;
  const embedded = [
    ...(isRecord(vm) ? [vm] : []),
    ...asArray(credential['verificationMethod']),
    ...(isRecord(credential['issuer']) ? asArray(credential['issuer']['verificationMethod']) : []),
  ];
  const key = resolveKey(
    {
      ...(keyId !== undefined ? { keyId } : {}),
      ...(header['jwk'] !== undefined ? { headerJwk: header['jwk'] } : {}),
      embedded,
      ...(issuerOf(credential) !== undefined ? { issuer: issuerOf(credential)! } : {}),
    },
    keys,
    name,
  );
  try {
    await flattenedVerify(
      {
        protected: parts[0]!,
        signature: parts[2]!,
        // RFC 7797: with b64 false the payload is signed as is, otherwise as base64url.
        payload:
          header['b64'] === false
            ? proofSigningPayload(credential)
            : base64url.encode(proofSigningPayload(credential)),
      },
      key.jwk,
      { algorithms: [alg] },
    );
  } catch (err) {
    throw await badSignature(name, key, err);
  }
  checkIssuerMatchesKey(credential, key, name);
  checkValidity(credential, options.now, name);
  return await verified(credential, 'jws-proof', alg, key);
}

/**
 * The bytes a JsonWebSignature2020-style proof signs in hdh: the canonical JSON of the credential,
 * its `proof` reduced to the proof options (everything but `jws`). Exposed so that tests and tools
 * can produce proofs hdh verifies.
 */
export function proofSigningPayload(credential: Readonly<Record<string, unknown>>): Uint8Array {
  const proof = credential['proof'];
  const options = isRecord(proof)
    ? Object.fromEntries(Object.entries(proof).filter(([k]) => k !== 'jws'))
    : undefined;
  return canonicalBytes({ ...credential, proof: options });
}

function credentialFromClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const vc = claims['vc'];
  if (!isRecord(vc)) {
    return claims;
  }
  // VC-JWT 1.1: registered claims stand for credential properties.
  const out: Record<string, unknown> = { ...vc };
  if (out['issuer'] === undefined && typeof claims['iss'] === 'string') {
    out['issuer'] = claims['iss'];
  }
  if (out['id'] === undefined && typeof claims['jti'] === 'string') {
    out['id'] = claims['jti'];
  }
  if (out['issuanceDate'] === undefined && typeof claims['nbf'] === 'number') {
    out['issuanceDate'] = new Date(claims['nbf'] * 1000).toISOString();
  }
  if (out['expirationDate'] === undefined && typeof claims['exp'] === 'number') {
    out['expirationDate'] = new Date(claims['exp'] * 1000).toISOString();
  }
  return out;
}

function checkAlgorithm(alg: unknown, name: string): string {
  if (typeof alg !== 'string' || !ASYMMETRIC.has(alg)) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${name}: signature algorithm ${JSON.stringify(alg)} is not accepted (an asymmetric JWS algorithm such as EdDSA or ES256 is needed)`,
    );
  }
  return alg;
}

/** A `did:jwk` issuer must be the key that signed: otherwise anyone could sign in its name. */
function checkIssuerMatchesKey(credential: Record<string, unknown>, key: ResolvedKey, name: string): void {
  const issuer = issuerOf(credential);
  if (issuer?.startsWith('did:jwk:') !== true || key.source === 'supplied') {
    return;
  }
  const signer = key.keyId?.split('#')[0];
  if (signer !== undefined && signer.startsWith('did:jwk:') && signer !== issuer) {
    throw SovereigntyErrors.SOVEREIGNTY_SIGNATURE_INVALID(
      `${name} claims issuer ${issuer} but is signed by another key (${signer})`,
    );
  }
}

function checkValidity(credential: Record<string, unknown>, now: Date, name: string): void {
  const until = dateField(credential, ['validUntil', 'expirationDate']);
  const from = dateField(credential, ['validFrom', 'issuanceDate']);
  if (until !== undefined && until.getTime() < now.getTime()) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${name} expired on ${dayOf(until)}`);
  }
  if (from !== undefined && from.getTime() > now.getTime()) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${name} is valid only from ${dayOf(from)}`);
  }
}

function dateField(credential: Record<string, unknown>, names: readonly string[]): Date | undefined {
  for (const n of names) {
    const v = credential[n];
    if (typeof v === 'string') {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) {
        return d;
      }
    }
  }
  return undefined;
}

/** The issuer id of a credential (`issuer` as a string or as an object with `id`). */
export function issuerOf(credential: Readonly<Record<string, unknown>>): string | undefined {
  const issuer = credential['issuer'];
  if (typeof issuer === 'string') {
    return issuer;
  }
  if (isRecord(issuer) && typeof issuer['id'] === 'string') {
    return issuer['id'];
  }
  return undefined;
}

async function badSignature(name: string, key: ResolvedKey, err: unknown) {
  const thumbprint = await thumbprintOf(key.jwk);
  return SovereigntyErrors.SOVEREIGNTY_SIGNATURE_INVALID(
    `${name}: the signature does not verify against key ${key.keyId ?? thumbprint} (${key.source === 'supplied' ? 'supplied by the operator' : 'named by the credential'}): the credential was altered or signed by another key`,
    { cause: err, details: { keyId: key.keyId, keyThumbprint: thumbprint } },
  );
}

async function verified(
  credential: Record<string, unknown>,
  format: VerifiedCredential['format'],
  algorithm: string,
  key: ResolvedKey,
): Promise<VerifiedCredential> {
  return {
    credential,
    format,
    algorithm,
    ...(key.keyId !== undefined ? { keyId: key.keyId } : {}),
    keyThumbprint: await thumbprintOf(key.jwk),
    keySource: key.source,
  };
}

function asArray(v: unknown): unknown[] {
  if (v === undefined) {
    return [];
  }
  return Array.isArray(v) ? v : [v];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
