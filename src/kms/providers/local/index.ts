export {
  LocalKeyProvider,
  initLocalKeyring,
  changeKeyringPassphrase,
  type LocalKeyProviderOptions,
  type NewKeyringOptions,
} from './local-provider.js';
export {
  ensureDevKeyring,
  readDevPassphrase,
  devPassphraseFile,
  DEV_PASSPHRASE_FILE,
  DEFAULT_KEYRING_FILE,
  type DevKeyringResult,
} from './dev-keyring.js';
export { DEFAULT_KDF_COST, type KdfName, type KdfCost, type KdfParams } from './kdf.js';
export { KEYRING_FORMAT, KEYRING_VERSION, type KeyringFile, type SealedContents } from './keyring-format.js';
