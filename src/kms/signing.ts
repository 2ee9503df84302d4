/**
 * The hub signing key: an Ed25519 key pair that signs compliance reports and migration certificates
 * as detached compact JWS (RFC 7515 appendix F, alg EdDSA). Its private key (PKCS#8 DER, 48 bytes)
 * is wrapped by the key provider's master key and kept in `hub_meta` under `signing_key`:
 *
 * ```json
 * { "version": 1, "alg": "EdDSA", "kid": "<RFC 7638 thumbprint>", "publicJwk": { "kty": "OKP", "crv": "Ed25519", "x": "…" },
 *   "wrapped": { "masterKeyId": "mk_…", "alg": "AES-256-KWP", "data": "<base64>" }, "createdAt": "<ISO 8601>" }
 * ```
 *
 * Every signature's protected header carries `kid` and the public `jwk`, so a report can be checked
 * anywhere; an auditor compares the key with the one the hub publishes (`expectedPublicJwk`).
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  base64url,
  calculateJwkThumbprint,
  CompactSign,
  compactVerify,
  decodeProtectedHeader,
  importJWK,
  FlattenedSign,
} from 'jose';
import { serializedTransaction, type HubDb } from '../db/index.js';
import { KmsErrors } from './errors.js';
import { checkAborted } from './key-material.js';
import type { KeyOpOptions, KeyProvider, WrappedKey } from './key-provider.js';
import { KMS_WRAP_LOCK } from './wrap-lock.js';

/** The `hub_meta` key of the signing key record. */
export const SIGNING_KEY_META = 'signing_key';

/** The public half of the hub signing key, as a JWK. */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

/** What callers need of the hub database. */
export type HubDbHandle = Pick<HubDb, 'db' | 'dialect'>;

interface StoredSigningKey {
  readonly version: 1;
  readonly alg: 'EdDSA';
  readonly kid: string;
  readonly publicJwk: Ed25519PublicJwk;
  readonly wrapped: { readonly masterKeyId: string; readonly alg: string; readonly data: string };
  readonly createdAt: string;
}

function publicJwkOf(key: KeyObject): Ed25519PublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x! };
}

function parseStored(value: string): StoredSigningKey {
  let parsed: Partial<StoredSigningKey>;
  try {
    parsed = JSON.parse(value) as Partial<StoredSigningKey>;
  } catch (err) {
    throw KmsErrors.KMS_UNWRAP_FAILED(`hub_meta.${SIGNING_KEY_META} is not JSON`, { cause: err });
  }
  if (
    parsed.version !== 1 ||
    typeof parsed.kid !== 'string' ||
    parsed.publicJwk?.crv !== 'Ed25519' ||
    typeof parsed.wrapped?.data !== 'string' ||
    typeof parsed.wrapped.masterKeyId !== 'string'
  ) {
    throw KmsErrors.KMS_UNWRAP_FAILED(`hub_meta.${SIGNING_KEY_META} is not a version 1 signing key record`);
  }
  return parsed as StoredSigningKey;
}

function toWrapped(stored: StoredSigningKey): WrappedKey {
  return {
    masterKeyId: stored.wrapped.masterKeyId,
    alg: stored.wrapped.alg,
    data: Buffer.from(stored.wrapped.data, 'base64'),
  };
}

function fromWrapped(wrapped: WrappedKey): StoredSigningKey['wrapped'] {
  return {
    masterKeyId: wrapped.masterKeyId,
    alg: wrapped.alg,
    data: Buffer.from(wrapped.data).toString('base64'),
  };
}

async function readStored(
  db: HubDbHandle['db'],
): Promise<{ raw: string; stored: StoredSigningKey } | undefined> {
  const row = await db
    .selectFrom('hub_meta')
    .select('value')
    .where('key', '=', SIGNING_KEY_META)
    .executeTakeFirst();
  return row === undefined ? undefined : { raw: row.value, stored: parseStored(row.value) };
}

/** Id of the master key that wraps the signing key, or undefined when the hub has none yet. */
export async function signingKeyInfo(hub: HubDbHandle): Promise<
  | {
      readonly kid: string;
      readonly masterKeyId: string;
      readonly createdAt: string;
      readonly publicJwk: Ed25519PublicJwk;
    }
  | undefined
> {
  const found = await readStored(hub.db);
  if (found === undefined) {
    return undefined;
  }
  const { kid, wrapped, createdAt, publicJwk } = found.stored;
  return { kid, masterKeyId: wrapped.masterKeyId, createdAt, publicJwk };
}

/**
 * Re-wraps the signing key under `masterKeyId` (the active one) if another master key wraps it.
 * Returns whether it changed anything. Used by master key rotation.
 */
export async function rewrapSigningKey(
  hub: HubDbHandle,
  provider: KeyProvider,
  masterKeyId: string,
  options: KeyOpOptions = {},
): Promise<boolean> {
  const found = await readStored(hub.db);
  if (found === undefined || found.stored.wrapped.masterKeyId === masterKeyId) {
    return false;
  }
  const der = Buffer.from(await provider.unwrap(toWrapped(found.stored), options));
  let wrapped: WrappedKey;
  try {
    wrapped = await provider.wrap(der, options);
  } finally {
    der.fill(0);
  }
  if (wrapped.masterKeyId !== masterKeyId) {
    throw KmsErrors.KMS_ROTATION_CONFLICT(
      `master key ${wrapped.masterKeyId} became active during a rotation to ${masterKeyId}`,
    );
  }
  const next: StoredSigningKey = { ...found.stored, wrapped: fromWrapped(wrapped) };
  // Compare-and-set on the old text: a concurrent rotation that already re-wrapped it wins.
  const result = await hub.db
    .updateTable('hub_meta')
    .set({ value: JSON.stringify(next) })
    .where('key', '=', SIGNING_KEY_META)
    .where('value', '=', found.raw)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Signs with the hub key. Load it with {@link HubSigner.load}.
 * @example
 * const signer = await HubSigner.load(hub, provider);
 * const jws = await signer.signDetached(reportBytes);
 * await verifyDetached(jws, reportBytes, signer.publicJwk);
 */
export class HubSigner {
  readonly kid: string;
  readonly publicJwk: Ed25519PublicJwk;
  readonly createdAt: Date;
  readonly #privateKey: KeyObject;

  private constructor(stored: StoredSigningKey, privateKey: KeyObject) {
    this.kid = stored.kid;
    this.publicJwk = stored.publicJwk;
    this.createdAt = new Date(stored.createdAt);
    this.#privateKey = privateKey;
  }

  /** Loads the hub signing key, creating it on first use (one per hub, whichever process asks first). */
  static async load(hub: HubDbHandle, provider: KeyProvider, options: KeyOpOptions = {}): Promise<HubSigner> {
    checkAborted(options.signal);
    let found = await readStored(hub.db);
    if (found === undefined) {
      await serializedTransaction(hub, KMS_WRAP_LOCK, async (trx) => {
        if ((await readStored(trx)) !== undefined) {
          return;
        }
        const { privateKey } = generateKeyPairSync('ed25519');
        const der = privateKey.export({ format: 'der', type: 'pkcs8' });
        let wrapped: WrappedKey;
        try {
          wrapped = await provider.wrap(der, options);
        } finally {
          der.fill(0);
        }
        const publicJwk = publicJwkOf(privateKey);
        const stored: StoredSigningKey = {
          version: 1,
          alg: 'EdDSA',
          kid: await calculateJwkThumbprint(publicJwk),
          publicJwk,
          wrapped: fromWrapped(wrapped),
          createdAt: new Date().toISOString(),
        };
        await trx
          .insertInto('hub_meta')
          .values({ key: SIGNING_KEY_META, value: JSON.stringify(stored) })
          .execute();
      });
      found = await readStored(hub.db);
    }
    const stored = found!.stored;
    const der = Buffer.from(await provider.unwrap(toWrapped(stored), options));
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch (err) {
      throw KmsErrors.KMS_UNWRAP_FAILED(`hub_meta.${SIGNING_KEY_META} does not hold an Ed25519 private key`, {
        cause: err,
      });
    } finally {
      der.fill(0);
    }
    const publicJwk = publicJwkOf(privateKey);
    if (publicJwk.x !== stored.publicJwk.x || (await calculateJwkThumbprint(publicJwk)) !== stored.kid) {
      throw KmsErrors.KMS_UNWRAP_FAILED(
        `hub_meta.${SIGNING_KEY_META}: the wrapped private key does not match the recorded public key ${stored.kid}`,
      );
    }
    return new HubSigner(stored, privateKey);
  }

  /** A compact JWS over `payload` with the payload left out (`header..signature`). */
  /**
   * Signs `payload` as a detached flattened JWS with the given protected header (alg is forced to
   * EdDSA), e.g. an RFC 7797 unencoded payload (`b64: false`). Returns `<protected>..<signature>`.
   */
  async signWithHeader(payload: Uint8Array, header: Record<string, unknown>): Promise<string> {
    const signed = await new FlattenedSign(payload)
      .setProtectedHeader({ ...header, alg: 'EdDSA' })
      .sign(this.#privateKey);
    return `${signed.protected}..${signed.signature}`;
  }

  async signDetached(payload: Uint8Array): Promise<string> {
    const jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.kid, jwk: { ...this.publicJwk } })
      .sign(this.#privateKey);
    const [header, , signature] = jws.split('.');
    return `${header}..${signature}`;
  }
}

function invalid(message: string, cause?: unknown): never {
  throw KmsErrors.KMS_SIGNATURE_INVALID(message, cause === undefined ? undefined : { cause });
}

/**
 * Verifies a detached JWS made by {@link HubSigner.signDetached} over `payload`. With
 * `expectedPublicJwk`, also requires that key (otherwise any self-consistent Ed25519 signature
 * passes: the caller then decides whether to trust the returned key). KMS_SIGNATURE_INVALID on any
 * failure.
 */
export async function verifyDetached(
  jws: string,
  payload: Uint8Array,
  expectedPublicJwk?: Ed25519PublicJwk,
): Promise<{ readonly kid: string; readonly jwk: Ed25519PublicJwk }> {
  const parts = jws.trim().split('.');
  if (parts.length !== 3 || parts[1] !== '' || parts[0] === '' || parts[2] === '') {
    invalid('not a compact JWS with a detached payload (header..signature, RFC 7515 appendix F)');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws.trim());
  } catch (err) {
    invalid('the JWS protected header cannot be decoded', err);
  }
  if (header.alg !== 'EdDSA') {
    invalid(`the JWS uses algorithm ${String(header.alg)}; hub signatures use EdDSA`);
  }
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (jwk?.['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519' || typeof jwk['x'] !== 'string' || 'd' in jwk) {
    invalid('the JWS header does not carry an Ed25519 public key (jwk)');
  }
  const publicJwk: Ed25519PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] };
  const kid = await calculateJwkThumbprint(publicJwk);
  if (header.kid !== kid) {
    invalid(`the JWS kid ${String(header.kid)} is not the thumbprint of its jwk (${kid})`);
  }
  if (expectedPublicJwk !== undefined) {
    const expected = await calculateJwkThumbprint({ ...expectedPublicJwk });
    if (expected !== kid) {
      invalid(`signed by key ${kid}, not by the expected key ${expected}`);
    }
  }
  try {
    const key = await importJWK({ ...publicJwk }, 'EdDSA');
    await compactVerify(`${parts[0]!}.${base64url.encode(payload)}.${parts[2]!}`, key, {
      algorithms: ['EdDSA'],
    });
  } catch (err) {
    invalid(`the signature by key ${kid} does not match the content`, err);
  }
  return { kid, jwk: publicJwk };
}
