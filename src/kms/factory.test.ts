import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError, type KeysConfig } from '../core/index.js';
import { createKeyProvider, ensureDevKeyring, initLocalKeyring, isLocalKeyProvider } from './index.js';
import { destroyTestObjects, softHsmAvailable, softHsmTestConfig } from './testing/softhsm.js';

const FAST = { memoryKiB: 1024, iterations: 1 };
const hsm = softHsmTestConfig();
const hsmAvailable = await softHsmAvailable(hsm);

function keysConfig(overrides: Partial<KeysConfig> = {}): KeysConfig {
  return {
    provider: 'local',
    local: { file: 'keyring.json', kdf: 'argon2id', passphraseEnv: 'HDH_KEYRING_PASSPHRASE' },
    pkcs11: {
      library: hsm.library,
      tokenLabel: hsm.tokenLabel,
      pinEnv: 'HDH_PKCS11_PIN',
      keyLabelPrefix: `fac${randomBytes(4).toString('hex')}`,
    },
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isHdhError(err)) {
      return err.code;
    }
    throw err;
  }
  return 'no error';
}

describe('createKeyProvider', () => {
  let home: string;
  let devHome: string;
  const passphrase = 'factory test passphrase';

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hdh-factory-'));
    devHome = await mkdtemp(join(tmpdir(), 'hdh-factory-dev-'));
    await initLocalKeyring(join(home, 'keyring.json'), passphrase, 'argon2id', { cost: FAST });
    await ensureDevKeyring(devHome, { cost: FAST });
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(devHome, { recursive: true, force: true });
  });

  it('opens the local keyring with the passphrase from the configured variable', async () => {
    const config = keysConfig({ local: { file: 'keyring.json', kdf: 'argon2id', passphraseEnv: 'MY_PASS' } });
    const provider = await createKeyProvider(config, { home, env: { MY_PASS: passphrase }, prompt: false });
    const info = await provider.describe();
    expect(info.kind).toBe('local');
    expect(info.development).toBe(false);
    expect(info.access).toContain('MY_PASS');
    expect(isLocalKeyProvider(provider)).toBe(true);
    await provider.close();
    expect(
      await codeOf(createKeyProvider(config, { home, env: { MY_PASS: 'wrong passphrase' }, prompt: false })),
    ).toBe('KMS_PASSPHRASE_WRONG');
  });

  it('falls back to the development passphrase file and says so', async () => {
    const provider = await createKeyProvider(keysConfig(), { home: devHome, env: {}, prompt: false });
    expect((await provider.describe()).development).toBe(true);
    await provider.close();
  });

  it('prompts when it has nothing else, and refuses without a way to ask', async () => {
    const questions: string[] = [];
    const provider = await createKeyProvider(keysConfig(), {
      home,
      env: {},
      prompt: (q) => {
        questions.push(q);
        return Promise.resolve(passphrase);
      },
    });
    expect(questions).toEqual([`Passphrase for keyring ${join(home, 'keyring.json')}: `]);
    await provider.close();
    const err = await createKeyProvider(keysConfig(), { home, env: {}, prompt: false }).catch(
      (e: unknown) => e,
    );
    expect(isHdhError(err, 'KMS_PASSPHRASE_MISSING')).toBe(true);
    expect((err as Error).message).toContain('HDH_KEYRING_PASSPHRASE');
    expect(
      await codeOf(createKeyProvider(keysConfig(), { home, env: {}, prompt: () => Promise.resolve('') })),
    ).toBe('KMS_PASSPHRASE_MISSING');
  });

  it('says KMS_KEYRING_NOT_FOUND before asking for anything', async () => {
    let asked = false;
    const empty = await mkdtemp(join(tmpdir(), 'hdh-factory-empty-'));
    const err = await createKeyProvider(keysConfig(), {
      home: empty,
      env: {},
      prompt: () => {
        asked = true;
        return Promise.resolve(passphrase);
      },
    }).catch((e: unknown) => e);
    await rm(empty, { recursive: true, force: true });
    expect(isHdhError(err, 'KMS_KEYRING_NOT_FOUND')).toBe(true);
    expect(asked).toBe(false);
  });

  it('needs the HSM PIN variable for pkcs11', async () => {
    const err = await createKeyProvider(keysConfig({ provider: 'pkcs11' }), { home, env: {} }).catch(
      (e: unknown) => e,
    );
    expect(isHdhError(err, 'KMS_HSM_PIN_MISSING')).toBe(true);
    expect((err as Error).message).toContain('HDH_PKCS11_PIN');
  });

  it.runIf(hsmAvailable)('opens the pkcs11 provider on the configured token', async () => {
    const config = keysConfig({ provider: 'pkcs11' });
    const provider = await createKeyProvider(config, { home, env: { HDH_PKCS11_PIN: hsm.pin } });
    try {
      const info = await provider.describe();
      expect(info.kind).toBe('pkcs11');
      expect(info.extractable).toBe(false);
      expect(info.access).toContain('HDH_PKCS11_PIN');
      expect(isLocalKeyProvider(provider)).toBe(false);
    } finally {
      await provider.close();
      destroyTestObjects(hsm, `${config.pkcs11.keyLabelPrefix}-`);
    }
  });
});
