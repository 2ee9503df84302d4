import type { Command } from 'commander';
import { CoreErrors } from '../../core/index.js';
import { initHub, type InitOptions } from '../../hub/index.js';
import { readSecretLine } from '../../kms/index.js';
import type { RegisterCommand } from './types.js';

interface InitFlags {
  database?: string;
  keys?: string;
  kdf?: string;
  devKeyring?: boolean;
  pkcs11Library?: string;
  pkcs11Token?: string;
  pkcs11PinEnv?: string;
  port?: string;
  json?: boolean;
}

export const registerInit: RegisterCommand = (program: Command, ctx) => {
  program
    .command('init')
    .description(
      'create a hub in --home (default ./.hdh): hdh.yaml, keyring or HSM master key, database, audit log',
    )
    .option('--database <url>', 'sqlite:FILE (default sqlite:hdh.db in the home) or postgres://…')
    .option('--keys <provider>', 'local (keyring file) or pkcs11 (HSM)', 'local')
    .option('--kdf <kdf>', 'passphrase KDF of the local keyring: argon2id or scrypt', 'argon2id')
    .option(
      '--dev-keyring',
      'create a development keyring whose passphrase is kept in the home (for trying hdh only)',
    )
    .option('--pkcs11-library <path>', 'PKCS#11 library of the HSM', '/usr/lib/softhsm/libsofthsm2.so')
    .option('--pkcs11-token <label>', 'label of the HSM token', 'hdh')
    .option('--pkcs11-pin-env <var>', 'environment variable holding the token PIN', 'HDH_PKCS11_PIN')
    .option('--port <port>', 'port the server listens on', '8080')
    .option('--json', 'machine-readable answer')
    .addHelpText(
      'after',
      '\nThe keyring passphrase comes from HDH_KEYRING_PASSPHRASE, else it is asked for on the terminal.\n' +
        'Example: HDH_KEYRING_PASSPHRASE=… hdh init --home /srv/hdh',
    )
    .action(async (flags: InitFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw CoreErrors.INPUT_INVALID(`--port "${flags.port}" is not a port number`);
      }
      let keys: InitOptions['keys'];
      if (flags.keys === 'pkcs11') {
        keys = {
          provider: 'pkcs11',
          library: flags.pkcs11Library!,
          tokenLabel: flags.pkcs11Token!,
          pinEnv: flags.pkcs11PinEnv!,
        };
      } else if (flags.keys === 'local') {
        if (flags.kdf !== 'argon2id' && flags.kdf !== 'scrypt') {
          throw CoreErrors.INPUT_INVALID(`--kdf "${flags.kdf}" must be argon2id or scrypt`);
        }
        const development = flags.devKeyring === true;
        let passphrase = ctx.env['HDH_KEYRING_PASSPHRASE'];
        if (!development && (passphrase === undefined || passphrase === '') && process.stdin.isTTY) {
          passphrase = await askNewPassphrase();
        }
        keys = { provider: 'local', kdf: flags.kdf, development, ...(passphrase ? { passphrase } : {}) };
      } else {
        throw CoreErrors.INPUT_INVALID(`--keys "${flags.keys}" must be local or pkcs11`);
      }
      const result = await initHub({
        home: ctx.home(),
        env: ctx.env,
        actor: ctx.actor,
        keys,
        port,
        ...(flags.database ? { database: flags.database } : {}),
      });
      if (flags.json) {
        ctx.out.json(result);
        return;
      }
      ctx.out.line(`hub created in ${result.home}`);
      ctx.out.line(`  configuration: ${result.configFile}`);
      if (result.keyring) {
        ctx.out.line(`  keyring:       ${result.keyring.file}`);
      }
      ctx.out.line(`  master key:    ${result.masterKeyId}`);
      if (result.keyring?.development) {
        ctx.out.warn(
          'this is a DEVELOPMENT keyring: its passphrase is stored next to it. For trying hdh only.',
        );
      }
    });
};

async function askNewPassphrase(): Promise<string> {
  const io = { input: process.stdin, output: process.stderr };
  const first = await readSecretLine('New keyring passphrase: ', io);
  const second = await readSecretLine('Repeat it: ', io);
  if (first !== second) {
    throw CoreErrors.INPUT_INVALID('the two passphrases differ; nothing was created');
  }
  if (first.length < 12) {
    throw CoreErrors.INPUT_INVALID('the passphrase must have at least 12 characters');
  }
  return first;
}
