/**
 * Keys: the KeyProvider contract and its providers (local keyring, PKCS#11 HSM), dataset keys over
 * the hub db (create, resolve, rotate the master key, shred), and the hub signing key.
 * @module
 */
export {
  KWP_ALG,
  WRAPPABLE_LENGTH,
  type KeyProvider,
  type KeyProviderInfo,
  type KeyOpOptions,
  type MasterKeyInfo,
  type MasterKeyState,
  type WrappedKey,
} from './key-provider.js';
export { KmsErrors } from './errors.js';
export { createKeyProvider, isLocalKeyProvider, type CreateKeyProviderOptions } from './factory.js';
export {
  readSecretLine,
  terminalPrompt,
  type PassphrasePrompt,
  type SecretInput,
} from './passphrase-prompt.js';
export {
  LocalKeyProvider,
  initLocalKeyring,
  changeKeyringPassphrase,
  ensureDevKeyring,
  readDevPassphrase,
  devPassphraseFile,
  DEV_PASSPHRASE_FILE,
  DEFAULT_KEYRING_FILE,
  DEFAULT_KDF_COST,
  KEYRING_FORMAT,
  KEYRING_VERSION,
  type LocalKeyProviderOptions,
  type NewKeyringOptions,
  type DevKeyringResult,
  type KdfName,
  type KdfCost,
  type KdfParams,
  type KeyringFile,
  type SealedContents,
} from './providers/local/index.js';
// Types only: the PKCS#11 addon is loaded by createKeyProvider when the config asks for it.
export type { Pkcs11KeyProvider, Pkcs11KeyProviderOptions } from './providers/pkcs11/index.js';
export {
  DatasetKeys,
  type DatasetKey,
  type DatasetKeysDb,
  type DatasetKeysOptions,
  type DatasetKeyStatus,
  type KeysStatus,
  type MasterRotationResult,
  type ShredResult,
} from './dataset-keys.js';
export {
  HubSigner,
  verifyDetached,
  rewrapSigningKey,
  signingKeyInfo,
  SIGNING_KEY_META,
  type Ed25519PublicJwk,
  type HubDbHandle,
} from './signing.js';
