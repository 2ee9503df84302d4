/**
 * Signed reports. A report is signed as a detached JWS (RFC 7515 appendix F, unencoded payload per
 * RFC 7797: `b64: false`) over the canonical JSON bytes of the report, with the hub's Ed25519 key.
 * The file an auditor receives is the envelope below; it may be pretty-printed: verification
 * re-canonicalizes `report` before checking. The Markdown and HTML renderings carry the same
 * digest and are for reading, not for verifying.
 *
 * ```json
 * { "format": "hdh-sovereignty-report+jws",
 *   "report": { …the report… },
 *   "signature": { "alg": "EdDSA", "kid": "sha256:<JWK thumbprint>", "jwk": { …public key… },
 *                  "digest": "sha256:<hex of the canonical bytes>", "jws": "<protected header>..<signature>" } }
 * ```
 * The protected header is `{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":…,"typ":"hdh-sovereignty-report"}`.
 * The embedded `jwk` lets anyone check integrity; trusting the report means checking that `kid`
 * is the thumbprint of the hub's published signing key (or verifying with that key directly).
 * @module
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  FlattenedSign,
  base64url,
  calculateJwkThumbprint,
  flattenedVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import { CoreErrors } from '../../core/index.js';
import { canonicalBytes, canonicalDigest } from '../canonical-json.js';
import { SovereigntyErrors } from '../errors.js';
import type { Report } from './report.js';

export const SIGNED_REPORT_FORMAT = 'hdh-sovereignty-report+jws';
const TYP = 'hdh-sovereignty-report';

export interface ReportSignature {
  readonly alg: 'EdDSA';
  /** RFC 7638 SHA-256 thumbprint of the signing key, `sha256:…`. */
  readonly kid: string;
  /** The public signing key. */
  readonly jwk: JWK;
  /** SHA-256 of the canonical report bytes, `sha256:<hex>`: the same line md/html renderings show. */
  readonly digest: string;
  /** Detached compact JWS: `<protected header>..<signature>`. */
  readonly jws: string;
}

/** The signed report file. */
export interface SignedReport {
  readonly format: typeof SIGNED_REPORT_FORMAT;
  readonly report: Report;
  readonly signature: ReportSignature;
}

/** A signer that keeps its private key to itself (the hub's HubSigner, whose key stays wrapped by the master key). */
export interface ReportSigner {
  readonly publicJwk: JWK;
  signWithHeader(payload: Uint8Array, header: Record<string, unknown>): Promise<string>;
}

export interface ReportSigningKey {
  /** The hub's Ed25519 private key. */
  readonly privateKey: CryptoKey | KeyObject | JWK;
  /** Its public half (a KeyObject or a public JWK); defaults to one derived from a KeyObject or JWK private key. */
  readonly publicKey?: KeyObject | JWK;
}

/**
 * Signs a report with the hub's Ed25519 key.
 *
 * @example
 * const signed = await signReport(report, { privateKey });
 * writeFileSync(out, JSON.stringify(signed, null, 2));
 */
export async function signReport(
  report: Report,
  key: ReportSigningKey | ReportSigner,
): Promise<SignedReport> {
  const jwk = 'signWithHeader' in key ? { ...key.publicJwk } : publicJwkOf(key);
  const kid = `sha256:${await calculateJwkThumbprint(jwk, 'sha256')}`;
  const header = { alg: 'EdDSA', b64: false, crit: ['b64'], kid, typ: TYP };
  let jws: string;
  if ('signWithHeader' in key) {
    jws = await key.signWithHeader(canonicalBytes(report), header);
  } else {
    const signed = await new FlattenedSign(canonicalBytes(report))
      .setProtectedHeader(header)
      .sign(key.privateKey);
    jws = `${signed.protected}..${signed.signature}`;
  }
  return {
    format: SIGNED_REPORT_FORMAT,
    report,
    signature: { alg: 'EdDSA', kid, jwk, digest: canonicalDigest(report), jws },
  };
}

export interface VerifiedReport {
  readonly report: Report;
  /** Thumbprint of the key that verified the report. */
  readonly kid: string;
  /** `given`: verified with the key the caller passed; `embedded`: with the key the file carries. */
  readonly keySource: 'given' | 'embedded';
  readonly digest: string;
}

/**
 * Verifies a signed report (the file's text or its parsed JSON). With `key`, the report must verify
 * against that key; without, against the key the file carries, whose thumbprint the result gives so
 * the caller can compare it with the hub's published key. Throws SOVEREIGNTY_REPORT_INVALID for a
 * file that is not a signed report, SOVEREIGNTY_SIGNATURE_INVALID when the signature fails.
 */
export async function verifySignedReport(
  input: unknown,
  options: { readonly key?: KeyObject | JWK | CryptoKey; readonly name?: string } = {},
): Promise<VerifiedReport> {
  const name = options.name ?? 'report';
  const doc = parse(input, name);
  const signature = doc['signature'] as Record<string, unknown>;
  const report = doc['report'] as Report;
  const parts = (signature['jws'] as string).split('.');
  if (parts.length !== 3 || parts[1] !== '') {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
      `${name}: signature.jws must be a detached JWS (header..signature)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!))) as Record<string, unknown>;
  } catch (err) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
      `${name}: the signature header is not base64url JSON`,
      { cause: err },
    );
  }
  if (header['alg'] !== 'EdDSA' || header['b64'] !== false || header['typ'] !== TYP) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
      `${name}: the signature header must be {alg: EdDSA, b64: false, typ: ${TYP}}, got ${JSON.stringify(header)}`,
    );
  }
  let key: KeyObject | JWK | CryptoKey;
  let kid: string;
  if (options.key !== undefined) {
    key = options.key;
    kid = typeof header['kid'] === 'string' ? header['kid'] : 'unknown';
  } else {
    const jwk = signature['jwk'];
    if (typeof jwk !== 'object' || jwk === null) {
      throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
        `${name}: no key given and signature.jwk is missing`,
      );
    }
    const thumbprint = `sha256:${await calculateJwkThumbprint(jwk, 'sha256')}`;
    if (thumbprint !== header['kid']) {
      throw SovereigntyErrors.SOVEREIGNTY_SIGNATURE_INVALID(
        `${name}: the embedded key (${thumbprint}) is not the key the signature names (${String(header['kid'])})`,
      );
    }
    key = jwk;
    kid = thumbprint;
  }
  try {
    await flattenedVerify(
      { protected: parts[0]!, signature: parts[2]!, payload: canonicalBytes(report) },
      key,
      {
        algorithms: ['EdDSA'],
      },
    );
  } catch (err) {
    throw SovereigntyErrors.SOVEREIGNTY_SIGNATURE_INVALID(
      `${name}: the signature does not verify against key ${kid}: the report was changed after signing or signed by another key`,
      { cause: err, details: { kid } },
    );
  }
  return {
    report,
    kid,
    keySource: options.key !== undefined ? 'given' : 'embedded',
    digest: canonicalDigest(report),
  };
}

function parse(input: unknown, name: string): Record<string, unknown> {
  let doc = input;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(`${name} is not JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(`${name} is not a JSON object`);
  }
  const d = doc as Record<string, unknown>;
  if (d['format'] !== SIGNED_REPORT_FORMAT) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
      `${name}: format must be "${SIGNED_REPORT_FORMAT}", got ${JSON.stringify(d['format'])}`,
    );
  }
  const report = d['report'];
  if (
    typeof report !== 'object' ||
    report === null ||
    (report as Record<string, unknown>)['format'] !== 'hdh-sovereignty-report'
  ) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(
      `${name}: report is missing or is not an hdh sovereignty report`,
    );
  }
  const signature = d['signature'];
  if (
    typeof signature !== 'object' ||
    signature === null ||
    typeof (signature as Record<string, unknown>)['jws'] !== 'string'
  ) {
    throw SovereigntyErrors.SOVEREIGNTY_REPORT_INVALID(`${name}: signature.jws is missing`);
  }
  return d;
}

function publicJwkOf(key: ReportSigningKey): JWK {
  const source = key.publicKey ?? key.privateKey;
  if (isKeyObject(source)) {
    const jwk = createPublicKey(source).export({ format: 'jwk' }) as JWK;
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  }
  const jwk = source as JWK;
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: jwk.crv, x: jwk.x };
  }
  throw CoreErrors.INPUT_INVALID(
    'signing a report needs the public half of the Ed25519 key: pass publicKey as a KeyObject or a public JWK',
  );
}

function isKeyObject(k: unknown): k is KeyObject {
  return typeof k === 'object' && k !== null && 'export' in k && 'asymmetricKeyType' in k;
}
