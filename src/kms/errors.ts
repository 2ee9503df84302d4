import { defineErrors } from '../core/index.js';

/** Error codes of the kms concept (keys, keyring, HSM, dataset keys, hub signature). */
export const KmsErrors = defineErrors({
  KMS_PASSPHRASE_WRONG: {
    status: 401,
    description:
      'The keyring passphrase is wrong; give the right one (HDH_KEYRING_PASSPHRASE or the prompt).',
  },
  KMS_PASSPHRASE_MISSING: {
    status: 401,
    description:
      'No keyring passphrase: set the environment variable named by keys.local.passphraseEnv (HDH_KEYRING_PASSPHRASE by default) or run from a terminal to be prompted.',
  },
  KMS_KEYRING_NOT_FOUND: {
    status: 404,
    description:
      'The keyring file named by keys.local.file does not exist; create it with `hdh init` or restore it from a backup.',
  },
  KMS_KEYRING_EXISTS: {
    status: 409,
    description: 'A keyring already exists at that path; it was not overwritten.',
  },
  KMS_KEYRING_CORRUPT: {
    status: 500,
    description:
      'The keyring file is not a valid hdh keyring or fails authentication although the passphrase is right; restore it from a backup.',
  },
  KMS_KEYRING_PERMISSIONS: {
    status: 403,
    description:
      'The keyring (or its development passphrase file) can be read by other users; run `chmod 600` on it and start again.',
  },
  KMS_KEYRING_LOCKED: {
    status: 503,
    retryable: true,
    description:
      'Another process is changing the keyring and holds its lock file; retry, or remove a stale `.lock` file beside the keyring.',
  },
  KMS_KEY_NOT_FOUND: {
    status: 404,
    description: 'No key with that id (master key, dataset key or pseudonym key) exists.',
  },
  KMS_KEY_DESTROYED: {
    status: 410,
    description:
      'The dataset key was destroyed (crypto-shredded): the data it protected can no longer be read. The message says who destroyed it and when.',
  },
  KMS_MASTER_KEY_RETIRED: {
    status: 410,
    description:
      'The master key named by a wrapped key was retired after a rotation; what it wrapped is lost.',
  },
  KMS_MASTER_KEY_ACTIVE: {
    status: 409,
    description:
      'The active master key cannot be retired; create a new master key (rotate) and re-wrap first.',
  },
  KMS_ROTATION_CONFLICT: {
    status: 409,
    retryable: true,
    description:
      'Another master key rotation ran at the same time; run `hdh keys rotate-master` again once it has finished.',
  },
  KMS_UNWRAP_FAILED: {
    status: 500,
    description:
      'A wrapped key does not authenticate under its master key: it was altered or damaged, or belongs to another hub.',
  },
  KMS_HSM_UNAVAILABLE: {
    status: 503,
    retryable: true,
    description:
      'The PKCS#11 library cannot be loaded or the token labelled keys.pkcs11.tokenLabel is not present; check keys.pkcs11 in hdh.yaml and the HSM.',
  },
  KMS_HSM_PIN_MISSING: {
    status: 401,
    description:
      'No HSM user PIN: set the environment variable named by keys.pkcs11.pinEnv (HDH_PKCS11_PIN by default).',
  },
  KMS_HSM_LOGIN_FAILED: {
    status: 401,
    description: 'The HSM refused the user PIN (wrong, locked or expired).',
  },
  KMS_HSM_ERROR: {
    status: 502,
    description: 'The HSM failed an operation; the message gives the PKCS#11 return code.',
  },
  KMS_PROVIDER_CLOSED: {
    status: 500,
    description: 'The key provider was used after it was closed (an hdh bug or a shutdown race).',
  },
  KMS_SIGNATURE_INVALID: {
    status: 400,
    description:
      'A detached signature (signed report or certificate) does not verify, is malformed, or was made by another key than the one expected.',
  },
});
