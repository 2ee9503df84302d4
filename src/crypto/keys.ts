/**
 * The object's data key: generated per object, wrapped under its dataset key in the header, and
 * unwrapped (after the key check) to open the object. This module never sees a master key: callers
 * hand it the dataset key when sealing and a resolver for it when opening.
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { CoreErrors } from '../core/index.js';
import { KEY_BYTES, KEY_CHECK_BYTES, NONCE_BYTES } from './constants.js';
import { CryptoErrors } from './errors.js';
import { layoutHeader, type HeaderRecord, type SealIdentity } from './header.js';

/**
 * Returns the 32-byte dataset key named `keyId` (the id written in a sealed header). Whatever it
 * throws (e.g. KMS_KEY_DESTROYED) reaches the caller of open unchanged.
 */
export type KeyResolver = (keyId: string) => Promise<Uint8Array>;

/** HKDF `info` labels: one derived key per use, so the dataset key never serves two algorithms. */
const WRAP_INFO = 'hdh sealed-object v1 data-key wrap';
const CHECK_INFO = 'hdh sealed-object v1 key check';
const EMPTY = Buffer.alloc(0);

function derive(datasetKey: Uint8Array, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', datasetKey, EMPTY, info, bytes));
}

function checkDatasetKey(datasetKey: Uint8Array, keyId: string, onOpen: boolean): void {
  if (datasetKey.length === KEY_BYTES) {
    return;
  }
  const message = `the dataset key for key id ${keyId} is ${datasetKey.length} bytes; AES-256 needs ${KEY_BYTES}`;
  throw onOpen ? CryptoErrors.CRYPTO_WRONG_KEY(message) : CoreErrors.INPUT_INVALID(message);
}

/** A fresh header and data key for one object. */
export interface SealKeys {
  readonly header: Buffer;
  /** SHA-256 of the header, part of every record's AAD. */
  readonly headerHash: Buffer;
  readonly dataKey: Buffer;
}

/** The two keys derived from a dataset key for sealing: the key check value and the wrap key. */
export interface DerivedKeys {
  readonly keyCheck: Buffer;
  readonly wrapKey: Buffer;
}

/**
 * Derives the sealing keys of `datasetKey` once, for a caller sealing many objects under it
 * (two HKDF runs per object otherwise). The caller wipes `wrapKey` when done.
 */
export function deriveSealingKeys(datasetKey: Uint8Array, keyId: string): DerivedKeys {
  checkDatasetKey(datasetKey, keyId, false);
  return {
    keyCheck: derive(datasetKey, CHECK_INFO, KEY_CHECK_BYTES),
    wrapKey: derive(datasetKey, WRAP_INFO, KEY_BYTES),
  };
}

/** Generates the object's data key and the header carrying it wrapped under `datasetKey`. */
export function createSealKeys(identity: SealIdentity, datasetKey: Uint8Array, chunkSize: number): SealKeys {
  const derived = deriveSealingKeys(datasetKey, identity.keyId);
  try {
    return createSealKeysDerived(identity, derived, chunkSize);
  } finally {
    derived.wrapKey.fill(0);
  }
}

/** {@link createSealKeys} with the dataset key's derived keys computed before. */
export function createSealKeysDerived(
  identity: SealIdentity,
  derived: DerivedKeys,
  chunkSize: number,
): SealKeys {
  const { bytes: header, wrapOffset } = layoutHeader(identity, chunkSize, derived.keyCheck);
  // One call to the CSPRNG for the data key and the wrap nonce.
  const random = randomBytes(KEY_BYTES + NONCE_BYTES);
  const dataKey = random.subarray(0, KEY_BYTES);
  const nonce = random.subarray(KEY_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derived.wrapKey, nonce);
  cipher.setAAD(header.subarray(0, wrapOffset));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  header.set(nonce, wrapOffset);
  header.set(wrapped, wrapOffset + NONCE_BYTES);
  header.set(cipher.getAuthTag(), wrapOffset + NONCE_BYTES + KEY_BYTES);
  return { header, headerHash: createHash('sha256').update(header).digest(), dataKey };
}

/**
 * Resolves the dataset key named in the header, checks it is the one the object was sealed
 * under, and unwraps the data key; the header is authenticated once this returns.
 */
export async function unlockHeader(header: HeaderRecord, resolveKey: KeyResolver): Promise<Buffer> {
  const datasetKey = await resolveKey(header.keyId);
  checkDatasetKey(datasetKey, header.keyId, true);
  const check = derive(datasetKey, CHECK_INFO, KEY_CHECK_BYTES);
  if (!check.equals(header.keyCheck)) {
    throw CryptoErrors.CRYPTO_WRONG_KEY(
      `the dataset key resolved for key id ${header.keyId} is not the key object ${header.objectId} was sealed under (or the header's key check value was altered)`,
    );
  }
  const wrapKey = derive(datasetKey, WRAP_INFO, KEY_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', wrapKey, header.wrapNonce);
  decipher.setAAD(header.wrapAad);
  decipher.setAuthTag(header.wrapTag);
  const dataKey = decipher.update(header.wrappedKey);
  try {
    decipher.final();
  } catch {
    dataKey.fill(0);
    throw CryptoErrors.CRYPTO_TAMPERED(
      `the header of sealed object ${header.objectId} did not authenticate: a header field or the wrapped data key was altered`,
    );
  } finally {
    wrapKey.fill(0);
  }
  return dataKey;
}
