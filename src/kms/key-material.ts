/**
 * Checks and helpers every provider shares: the lengths and names the contract accepts, abort
 * handling, key ids, and AES-256 key wrap with padding (RFC 5649) in process.
 * @module
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CoreErrors, newId } from '../core/index.js';
import { KmsErrors } from './errors.js';
import { KWP_ALG, WRAPPABLE_LENGTH, type WrappedKey } from './key-provider.js';

/** Throws INPUT_INVALID unless `material` has a length the contract accepts. */
export function checkWrappable(material: Uint8Array): void {
  const { min, max, multipleOf } = WRAPPABLE_LENGTH;
  const n = material.length;
  if (n < min || n > max || n % multipleOf !== 0) {
    throw CoreErrors.INPUT_INVALID(
      `key material of ${n} bytes cannot be wrapped: it must be ${min}–${max} bytes, a multiple of ${multipleOf}`,
    );
  }
}

/** Throws KMS_UNWRAP_FAILED unless `wrapped` has the algorithm and a length KWP can produce. */
export function checkWrapped(wrapped: WrappedKey): void {
  if (wrapped.alg !== KWP_ALG) {
    throw KmsErrors.KMS_UNWRAP_FAILED(
      `wrapped key uses algorithm ${JSON.stringify(wrapped.alg)}; this hub unwraps only ${KWP_ALG}`,
    );
  }
  const n = wrapped.data.length;
  if (n < WRAPPABLE_LENGTH.min + 8 || n > WRAPPABLE_LENGTH.max + 8 || n % 8 !== 0) {
    throw KmsErrors.KMS_UNWRAP_FAILED(
      `wrapped key under master key ${wrapped.masterKeyId} has ${n} bytes, which ${KWP_ALG} cannot produce`,
    );
  }
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Throws INPUT_INVALID unless `name` is a valid pseudonym key name. */
export function checkKeyName(name: string): void {
  if (!KEY_NAME.test(name)) {
    throw CoreErrors.INPUT_INVALID(
      `pseudonym key name ${JSON.stringify(name)} is invalid: use 1–64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
}

/** Throws OPERATION_ABORTED when the signal has fired. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw CoreErrors.OPERATION_ABORTED('key operation cancelled', { cause: signal.reason });
  }
}

/** A new master key id (`mk_…`); ids sort in creation order. */
export function newMasterKeyId(): string {
  return newId('mk');
}

/** A new pseudonym (HMAC) key id (`hk_…`). */
export function newHmacKeyId(): string {
  return newId('hk');
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The creation time carried in the first 10 characters of a core `newId` (after its prefix). */
export function timeOfId(id: string): Date | undefined {
  const body = id.slice(id.indexOf('_') + 1);
  if (body.length < 10) {
    return undefined;
  }
  let ms = 0;
  for (const c of body.slice(0, 10)) {
    const digit = CROCKFORD.indexOf(c);
    if (digit < 0) {
      return undefined;
    }
    ms = ms * 32 + digit;
  }
  return new Date(ms);
}

// RFC 5649 §3: the alternative initial value; OpenSSL takes its first half as the "IV".
const KWP_AIV = Buffer.from('a65959a6', 'hex');

/** AES-256 key wrap with padding (RFC 5649) in process, as `id-aes256-wrap-pad`. */
export function kwpWrap(kek: Uint8Array, material: Uint8Array): Buffer {
  const cipher = createCipheriv('id-aes256-wrap-pad', kek, KWP_AIV);
  return Buffer.concat([cipher.update(material), cipher.final()]);
}

/** Inverse of {@link kwpWrap}; returns undefined when the integrity check fails. */
export function kwpUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer | undefined {
  try {
    const decipher = createDecipheriv('id-aes256-wrap-pad', kek, KWP_AIV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    // OpenSSL reports a failed integrity check from update() or final(), with varying messages.
    return undefined;
  }
}
