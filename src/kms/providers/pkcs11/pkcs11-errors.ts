/**
 * PKCS#11 return values → KMS_* codes, translated once at the provider's edge. pkcs11js throws a
 * `Pkcs11Error` whose `code` is the CK_RV; we name it (CKR_…) in every message.
 * @module
 */
import pkcs11js from 'pkcs11js';
import { isHdhError, type HdhError } from '../../../core/index.js';
import { KmsErrors } from '../../errors.js';

const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(pkcs11js)) {
  if (name.startsWith('CKR_') && typeof value === 'number' && !NAMES.has(value)) {
    NAMES.set(value, name);
  }
}

/** The CKR_… name of a PKCS#11 failure, or undefined for anything else. */
export function ckrName(err: unknown): string | undefined {
  if (!(err instanceof Error)) {
    return undefined;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && NAMES.has(code)) {
    return NAMES.get(code);
  }
  return /^CKR_[A-Z_]+/.exec(err.message)?.[0];
}

/** True when `err` is a PKCS#11 failure with one of the given CKR_ names. */
export function isCkr(err: unknown, ...names: string[]): boolean {
  const name = ckrName(err);
  return name !== undefined && names.includes(name);
}

const LOGIN = [
  'CKR_PIN_INCORRECT',
  'CKR_PIN_INVALID',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_LOCKED',
  'CKR_PIN_EXPIRED',
];
const UNAVAILABLE = [
  'CKR_DEVICE_REMOVED',
  'CKR_DEVICE_ERROR',
  'CKR_DEVICE_MEMORY',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_USER_PIN_NOT_INITIALIZED',
];

/** The HdhError for a failure of `what` (e.g. `wrap under master key mk_…`) on token `token`. */
export function translatePkcs11Error(err: unknown, what: string, token: string): HdhError {
  if (isHdhError(err)) {
    return err;
  }
  const name = ckrName(err) ?? (err instanceof Error ? err.message : String(err));
  const message = `HSM token "${token}": ${what} failed with ${name}`;
  if (isCkr(err, ...LOGIN)) {
    return KmsErrors.KMS_HSM_LOGIN_FAILED(message, { cause: err });
  }
  if (isCkr(err, ...UNAVAILABLE)) {
    return KmsErrors.KMS_HSM_UNAVAILABLE(message, { cause: err });
  }
  return KmsErrors.KMS_HSM_ERROR(message, { cause: err, details: { ckr: name } });
}
