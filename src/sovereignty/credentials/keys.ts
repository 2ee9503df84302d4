/**
 * Finding the public key a credential names, without the network. A key is usable when the operator
 * supplied it (saved from the issuer's DID document, say), when the credential embeds it (a `jwk`
 * header, a `verificationMethod` with `publicKeyJwk`), or when its id carries it (`did:jwk:`). A key
 * named only by a remote reference (`did:web:`, an https address) is refused with a message saying
 * how to supply it: hdh never fetches keys.
 * @module
 */
import { base64url, calculateJwkThumbprint, type JWK } from 'jose';
import { SovereigntyErrors } from '../errors.js';

/** A public key resolved for a signature, and where it came from. */
export interface ResolvedKey {
  readonly jwk: JWK;
  /** `supplied`: passed in by the operator; `embedded`: carried by the credential itself. */
  readonly source: 'supplied' | 'embedded';
  /** The key id the credential used, if any (JWS `kid` or proof `verificationMethod`). */
  readonly keyId?: string;
}

export interface KeyHints {
  /** The JWS `kid` or the proof's `verificationMethod` id. */
  readonly keyId?: string;
  /** A JWK carried in the JWS header. */
  readonly headerJwk?: unknown;
  /** Verification methods the credential embeds (`{ id, publicKeyJwk }`). */
  readonly embedded?: readonly unknown[];
  /** The issuer, whose `did:jwk` names the key when no key id does. */
  readonly issuer?: string;
}

/** Resolves the key for a signature; throws SOVEREIGNTY_CREDENTIAL_INVALID naming `what` when it cannot. */
export function resolveKey(
  hints: KeyHints,
  supplied: Readonly<Record<string, JWK>>,
  what: string,
): ResolvedKey {
  const { keyId } = hints;
  if (keyId !== undefined) {
    const given = supplied[keyId] ?? supplied[keyId.split('#')[0]!];
    if (given !== undefined) {
      return { jwk: publicOnly(given, what), source: 'supplied', keyId };
    }
  }
  if (hints.headerJwk !== undefined) {
    return {
      jwk: publicOnly(hints.headerJwk, what),
      source: 'embedded',
      ...(keyId !== undefined ? { keyId } : {}),
    };
  }
  if (keyId !== undefined) {
    for (const vm of hints.embedded ?? []) {
      if (isRecord(vm) && vm['id'] === keyId && vm['publicKeyJwk'] !== undefined) {
        return { jwk: publicOnly(vm['publicKeyJwk'], what), source: 'embedded', keyId };
      }
    }
    if (keyId.startsWith('did:jwk:')) {
      return { jwk: didJwkKey(keyId, what), source: 'embedded', keyId };
    }
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${what} names its key only by reference (${keyId}); hdh does not fetch keys over the network: save the issuer's public key (JWK) and pass it as a trusted key for ${keyId}`,
      { details: { keyId } },
    );
  }
  if (hints.issuer?.startsWith('did:jwk:') === true) {
    return { jwk: didJwkKey(hints.issuer, what), source: 'embedded', keyId: hints.issuer };
  }
  const given = hints.issuer !== undefined ? supplied[hints.issuer] : undefined;
  if (given !== undefined) {
    return { jwk: publicOnly(given, what), source: 'supplied', keyId: hints.issuer! };
  }
  throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
    `${what} does not name the key it was signed with (no kid, no jwk, no did:jwk issuer)`,
  );
}

/** The JWK a `did:jwk:` identifier carries (the fragment, e.g. `#0`, is ignored). */
export function didJwkKey(did: string, what: string): JWK {
  const encoded = did.slice('did:jwk:'.length).split('#')[0]!;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(encoded)));
    return publicOnly(json, what);
  } catch (err) {
    if (err instanceof Error && err.name === 'HdhError') {
      throw err;
    }
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${what}: ${did} does not carry a JSON Web Key`, {
      cause: err,
    });
  }
}

/** The `did:jwk` identifier of a public key. */
export function didJwkOf(jwk: JWK): string {
  return `did:jwk:${base64url.encode(JSON.stringify(publicOnly(jwk, 'key')))}`;
}

/** RFC 7638 SHA-256 thumbprint of a key, the way reports name it. */
export async function thumbprintOf(jwk: JWK): Promise<string> {
  return `sha256:${await calculateJwkThumbprint(jwk, 'sha256')}`;
}

const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  OKP: ['kty', 'crv', 'x'],
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
};

/** The public members of an asymmetric JWK; refuses symmetric keys and malformed ones. */
function publicOnly(value: unknown, what: string): JWK {
  if (!isRecord(value) || typeof value['kty'] !== 'string') {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${what}: the key it names is not a JSON Web Key`);
  }
  const members = PUBLIC_MEMBERS[value['kty']];
  if (members === undefined) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${what}: key type ${value['kty']} cannot verify a credential (an OKP, EC or RSA public key is needed)`,
    );
  }
  const jwk: Record<string, unknown> = {};
  for (const m of members) {
    if (typeof value[m] !== 'string') {
      throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
        `${what}: the ${value['kty']} key lacks its "${m}" member`,
      );
    }
    jwk[m] = value[m];
  }
  return jwk;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
