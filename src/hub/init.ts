/**
 * Creates a hub: its home folder, hdh.yaml with commented defaults, the keyring (or the HSM master
 * key), the database schema, and the first audit entry. Nothing is overwritten: a home that already
 * holds a hub is refused.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, CoreErrors, parseConfig, writeFileAtomic } from '../core/index.js';
import { ensureDevKeyring, initLocalKeyring, type KdfName } from '../kms/index.js';
import { openHub, type Hub } from './hub.js';

export interface InitOptions {
  readonly home: string;
  readonly env?: Record<string, string | undefined>;
  readonly actor: string;
  /** `sqlite:FILE` (default `sqlite:hdh.db`) or `postgres://…`. */
  readonly database?: string;
  readonly keys?:
    | {
        readonly provider: 'local';
        readonly kdf?: KdfName;
        readonly passphrase?: string;
        readonly development?: boolean;
      }
    | {
        readonly provider: 'pkcs11';
        readonly library: string;
        readonly tokenLabel: string;
        readonly pinEnv?: string;
      };
  readonly port?: number;
}

export interface InitResult {
  readonly home: string;
  readonly configFile: string;
  readonly keyring?: { readonly file: string; readonly development: boolean };
  readonly masterKeyId: string;
}

export function renderInitialConfig(options: InitOptions): string {
  const keys = options.keys ?? { provider: 'local' as const };
  const keyLines =
    keys.provider === 'local'
      ? [
          'keys:',
          '  provider: local',
          '  local:',
          '    file: keyring.json',
          `    kdf: ${keys.kdf ?? 'argon2id'}`,
        ]
      : [
          'keys:',
          '  provider: pkcs11',
          '  pkcs11:',
          `    library: ${keys.library}`,
          `    tokenLabel: ${keys.tokenLabel}`,
          `    pinEnv: ${keys.pinEnv ?? 'HDH_PKCS11_PIN'}`,
        ];
  return [
    '# hdh hub configuration. Every setting can also be set by an environment variable derived from its',
    '# path: server.port -> HDH_SERVER__PORT, database -> HDH_DATABASE (see docs/configuration.md).',
    'version: 1',
    '',
    '# sqlite:FILE (relative to this folder) or postgres://user@host/db',
    `database: ${options.database ?? 'sqlite:hdh.db'}`,
    '',
    'server:',
    '  host: 127.0.0.1',
    `  port: ${options.port ?? 8080}`,
    '',
    '# Where the master keys live: a local keyring sealed by a passphrase, or an HSM over PKCS#11.',
    ...keyLines,
    '',
    '# Object stores. Every object written through the hub is sealed under the hub keys first.',
    'stores:',
    '  local:',
    '    type: fs',
    '    root: objects',
    '    provider: on-premises',
    'defaultStore: local',
    '',
  ].join('\n');
}

export async function initHub(options: InitOptions): Promise<InitResult> {
  const env = options.env ?? process.env;
  const configFile = join(options.home, CONFIG_FILE);
  if (existsSync(configFile)) {
    throw CoreErrors.HUB_EXISTS(
      `a hub already exists in ${options.home} (${configFile}); nothing was changed`,
    );
  }
  const text = renderInitialConfig(options);
  // Validate first: bad options must not leave a half-made hub behind.
  const { config } = parseConfig(text, configFile, env);
  const keys = options.keys ?? { provider: 'local' as const };
  const keyringFile = join(options.home, config.keys.local.file);
  const passphrase =
    keys.provider === 'local' ? (keys.passphrase ?? env[config.keys.local.passphraseEnv]) : undefined;
  if (
    keys.provider === 'local' &&
    keys.development !== true &&
    (passphrase === undefined || passphrase === '')
  ) {
    throw CoreErrors.INPUT_INVALID(
      `no keyring passphrase: set ${config.keys.local.passphraseEnv}, or pass --dev-keyring to create a development keyring (for trying hdh only)`,
    );
  }
  if (keys.provider === 'local' && existsSync(keyringFile)) {
    throw CoreErrors.HUB_EXISTS(`a keyring already exists at ${keyringFile}; nothing was changed`);
  }

  const created: string[] = [];
  try {
    await mkdir(join(options.home, 'objects'), { recursive: true, mode: 0o700 });
    let keyring: InitResult['keyring'];
    if (keys.provider === 'local') {
      if (keys.development === true) {
        const dev = await ensureDevKeyring(options.home, {
          file: config.keys.local.file,
          kdf: config.keys.local.kdf,
        });
        created.push(dev.keyringFile, dev.passphraseFile);
        keyring = { file: dev.keyringFile, development: true };
      } else {
        created.push(keyringFile);
        await initLocalKeyring(keyringFile, passphrase!, config.keys.local.kdf);
        keyring = { file: keyringFile, development: false };
      }
    }
    created.push(configFile);
    await writeFileAtomic(configFile, text, { mode: 0o600 });

    const hub = await openHub({ home: options.home, env, prompt: false });
    try {
      const info = await (await hub.keys()).describe();
      await hub.signer();
      await hub.db.db
        .insertInto('hub_meta')
        .values({ key: 'created_at', value: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      await hub.audit.record({
        actor: options.actor,
        action: 'hub.init',
        target: `hub:${options.home}`,
        details: {
          keys: info.kind,
          location: info.location,
          development: info.development,
          database: hub.db.displayUrl,
        },
      });
      return {
        home: options.home,
        configFile,
        ...(keyring ? { keyring } : {}),
        masterKeyId: info.activeMasterKeyId,
      };
    } finally {
      await hub.close();
    }
  } catch (err) {
    // Undo what this call created so that a corrected `hdh init` can run again.
    for (const file of created.reverse()) {
      await rm(file, { force: true });
    }
    throw err;
  }
}

export type { Hub };
