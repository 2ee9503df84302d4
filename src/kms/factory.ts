/**
 * Builds the configured key provider (`keys.provider` in hdh.yaml) with its secret: the keyring
 * passphrase or the HSM PIN, taken from the environment given (never read from `process.env` here).
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeysConfig } from '../core/index.js';
import { KmsErrors } from './errors.js';
import type { KeyProvider } from './key-provider.js';
import { terminalPrompt, type PassphrasePrompt } from './passphrase-prompt.js';
import { devPassphraseFile, LocalKeyProvider, readDevPassphrase } from './providers/local/index.js';

export interface CreateKeyProviderOptions {
  /** The hub home: relative keyring paths and the development passphrase file are found there. */
  readonly home: string;
  /** Environment to read the passphrase / PIN variables from (the names come from the config). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Asks for the keyring passphrase when neither the environment nor a development passphrase file
   * gives one. Default: a no-echo prompt when stdin is a terminal; `false` never prompts.
   */
  readonly prompt?: PassphrasePrompt | false;
}

/**
 * Opens the key provider named by `config.provider`.
 *
 * local: passphrase from `env[config.local.passphraseEnv]`, else the development passphrase file
 * `<home>/keyring.passphrase` (describe() then says `development: true`), else the prompt, else
 * KMS_PASSPHRASE_MISSING. pkcs11: PIN from `env[config.pkcs11.pinEnv]`, else KMS_HSM_PIN_MISSING.
 * @example
 * const keys = await createKeyProvider(config.keys, { home, env: process.env });
 */
export async function createKeyProvider(
  config: KeysConfig,
  options: CreateKeyProviderOptions,
): Promise<KeyProvider> {
  const { home, env } = options;
  if (config.provider === 'pkcs11') {
    const { pkcs11 } = config;
    const pin = env[pkcs11.pinEnv];
    if (pin === undefined || pin === '') {
      throw KmsErrors.KMS_HSM_PIN_MISSING(
        `no PIN for HSM token "${pkcs11.tokenLabel}": set the environment variable ${pkcs11.pinEnv}`,
      );
    }
    // Loaded on demand: a hub on the local keyring never loads the native PKCS#11 addon.
    const { Pkcs11KeyProvider } = await import('./providers/pkcs11/index.js');
    return Pkcs11KeyProvider.open({
      library: pkcs11.library,
      tokenLabel: pkcs11.tokenLabel,
      pin,
      keyLabelPrefix: pkcs11.keyLabelPrefix,
      pinSource: `environment variable ${pkcs11.pinEnv}`,
    });
  }

  const { local } = config;
  const file = resolve(home, local.file);
  if (!existsSync(file)) {
    throw KmsErrors.KMS_KEYRING_NOT_FOUND(
      `no keyring at ${file}: create the hub with \`hdh init --home ${home}\`, or restore the keyring from a backup`,
    );
  }
  const fromEnv = env[local.passphraseEnv];
  if (fromEnv !== undefined && fromEnv !== '') {
    return LocalKeyProvider.open({
      file,
      passphrase: fromEnv,
      passphraseSource: `environment variable ${local.passphraseEnv}`,
    });
  }
  const development = await readDevPassphrase(home);
  if (development !== undefined) {
    return LocalKeyProvider.open({
      file,
      passphrase: development,
      developmentPassphraseFile: devPassphraseFile(home),
    });
  }
  const prompt = options.prompt === undefined ? terminalPrompt() : options.prompt || undefined;
  if (prompt === undefined) {
    throw KmsErrors.KMS_PASSPHRASE_MISSING(
      `no passphrase for keyring ${file}: set the environment variable ${local.passphraseEnv}, or run hdh from a terminal to be asked`,
    );
  }
  const typed = await prompt(`Passphrase for keyring ${file}: `);
  if (typed === '') {
    throw KmsErrors.KMS_PASSPHRASE_MISSING(`no passphrase typed for keyring ${file}`);
  }
  return LocalKeyProvider.open({
    file,
    passphrase: typed,
    passphraseSource: 'a passphrase typed at the prompt',
  });
}

/** Narrows a provider to the local keyring (for `changePassphrase`). */
export function isLocalKeyProvider(provider: KeyProvider): provider is LocalKeyProvider {
  return provider.kind === 'local' && provider instanceof LocalKeyProvider;
}
