/**
 * The development keyring: what `npm start` and `hdh init` without a passphrase use so that hdh can
 * be tried at once. Its passphrase is random and sits in `<home>/keyring.passphrase` (mode 0600)
 * beside the keyring, so it protects nothing against anyone who can read the hub home: the caller
 * prints a warning at every start, and describe() flags `development: true`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { KmsErrors } from '../../errors.js';
import type { KdfCost, KdfName } from './kdf.js';
import { fileStamp, readPrivateFile, writePrivateFile } from './keyring-file.js';
import { initLocalKeyring } from './local-provider.js';

/** Name of the development passphrase file in the hub home. */
export const DEV_PASSPHRASE_FILE = 'keyring.passphrase';

/** Default keyring file name in the hub home (config `keys.local.file`). */
export const DEFAULT_KEYRING_FILE = 'keyring.json';

export interface DevKeyringResult {
  /** True when this call created the keyring. */
  readonly created: boolean;
  readonly keyringFile: string;
  readonly passphraseFile: string;
  /** True when the keyring is opened by the development passphrase file (it exists). */
  readonly development: boolean;
}

/** Path of the development passphrase file of the hub at `home`. */
export function devPassphraseFile(home: string): string {
  return join(resolve(home), DEV_PASSPHRASE_FILE);
}

/**
 * Reads the development passphrase of the hub at `home`; undefined when there is none.
 * KMS_KEYRING_PERMISSIONS when the file is readable by others; KMS_KEYRING_CORRUPT when empty.
 */
export async function readDevPassphrase(home: string): Promise<string | undefined> {
  const file = devPassphraseFile(home);
  const text = await readPrivateFile(file, 'development passphrase file');
  if (text === undefined) {
    return undefined;
  }
  const passphrase = text.replace(/\r?\n$/, '');
  if (passphrase === '') {
    throw KmsErrors.KMS_KEYRING_CORRUPT(`development passphrase file ${file} is empty`);
  }
  return passphrase;
}

/**
 * When the hub at `home` has no keyring yet: generates a random passphrase, stores it in
 * `<home>/keyring.passphrase` (0600) and creates the keyring with it. Does nothing when the keyring
 * exists. A passphrase file left by an interrupted earlier call is reused.
 * @example
 * const dev = await ensureDevKeyring(home);
 * if (dev.development) log.warn('development keyring: for trying hdh only');
 */
export async function ensureDevKeyring(
  home: string,
  options: { readonly file?: string; readonly kdf?: KdfName; readonly cost?: KdfCost } = {},
): Promise<DevKeyringResult> {
  const keyringFile = resolve(home, options.file ?? DEFAULT_KEYRING_FILE);
  const passphraseFile = devPassphraseFile(home);
  if ((await fileStamp(keyringFile)) !== undefined) {
    return {
      created: false,
      keyringFile,
      passphraseFile,
      development: (await fileStamp(passphraseFile)) !== undefined,
    };
  }
  let passphrase = await readDevPassphrase(home);
  if (passphrase === undefined) {
    passphrase = randomBytes(32).toString('base64url');
    await writePrivateFile(passphraseFile, `${passphrase}\n`);
  }
  await initLocalKeyring(keyringFile, passphrase, options.kdf ?? 'argon2id', {
    ...(options.cost === undefined ? {} : { cost: options.cost }),
  });
  return { created: true, keyringFile, passphraseFile, development: true };
}
