import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../../../core/index.js';
import { kwpUnwrap } from '../../key-material.js';
import { runKeyProviderConformance } from '../../testing/conformance.js';
import {
  changeKeyringPassphrase,
  DEFAULT_KDF_COST,
  ensureDevKeyring,
  initLocalKeyring,
  LocalKeyProvider,
  readDevPassphrase,
  type KeyringFile,
} from './index.js';

/** Small KDF costs keep the suite fast; the defaults are checked once below. */
const FAST = { memoryKiB: 1024, iterations: 1, parallelism: 1 };
const PASSPHRASE = 'correct horse battery staple';

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

const conformanceDir = await mkdtemp(join(tmpdir(), 'hdh-keyring-conf-'));

runKeyProviderConformance({
  name: 'local',
  create: async (store) => {
    const file = join(conformanceDir, `${store}.json`);
    if (!existsSync(file)) {
      await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    }
    return LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
  },
  cleanup: () => rm(conformanceDir, { recursive: true, force: true }),
  expected: { extractable: true, hmacInside: false },
});

describe('local keyring file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hdh-keyring-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is private, documented JSON with the KDF parameters and nothing readable about the keys', async () => {
    const file = join(dir, 'doc.json');
    const { masterKeyId } = await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    const parsed = JSON.parse(text) as KeyringFile;
    expect(parsed.format).toBe('hdh-keyring');
    expect(parsed.version).toBe(1);
    expect(parsed.kdf).toMatchObject({ alg: 'argon2id', ...FAST });
    expect(Buffer.from(parsed.kdf.salt, 'base64').length).toBe(16);
    expect(parsed.sealed.alg).toBe('AES-256-GCM');
    expect(text).not.toContain(masterKeyId);
  });

  it('records the default argon2id cost when none is given', async () => {
    const file = join(dir, 'default-cost.json');
    await initLocalKeyring(file, PASSPHRASE);
    const parsed = JSON.parse(await readFile(file, 'utf8')) as KeyringFile;
    expect(parsed.kdf).toMatchObject({ alg: 'argon2id', ...DEFAULT_KDF_COST.argon2id });
    const p = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
    expect((await p.describe()).details['kdf']).toBe('argon2id m=65536KiB t=3 p=1');
    await p.close();
  });

  it('works with scrypt and records its parameters', async () => {
    const file = join(dir, 'scrypt.json');
    await initLocalKeyring(file, PASSPHRASE, 'scrypt', { cost: { N: 1024, r: 8, p: 1 } });
    const parsed = JSON.parse(await readFile(file, 'utf8')) as KeyringFile;
    expect(parsed.kdf).toMatchObject({ alg: 'scrypt', N: 1024, r: 8, p: 1 });
    const p = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
    const material = randomBytes(32);
    expect(Buffer.from(await p.unwrap(await p.wrap(material)))).toEqual(material);
    expect(await codeOf(LocalKeyProvider.open({ file, passphrase: 'not the passphrase' }))).toBe(
      'KMS_PASSPHRASE_WRONG',
    );
    await p.close();
  });

  it('refuses to overwrite an existing keyring', async () => {
    const file = join(dir, 'once.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const before = await readFile(file, 'utf8');
    expect(await codeOf(initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST }))).toBe(
      'KMS_KEYRING_EXISTS',
    );
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('says which folder is missing when the keyring cannot be created', async () => {
    const err = await initLocalKeyring(join(dir, 'nope', 'k.json'), PASSPHRASE).catch((e: unknown) => e);
    expect(isHdhError(err, 'INPUT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain(join(dir, 'nope'));
  });

  it('refuses a short passphrase', async () => {
    expect(await codeOf(initLocalKeyring(join(dir, 'short.json'), 'short', 'argon2id', { cost: FAST }))).toBe(
      'INPUT_INVALID',
    );
  });

  it('says KMS_PASSPHRASE_WRONG for a wrong passphrase, authenticated rather than a garbage key', async () => {
    const file = join(dir, 'wrong.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const err = await LocalKeyProvider.open({ file, passphrase: 'correct horse battery stapler' }).catch(
      (e: unknown) => e,
    );
    expect(isHdhError(err, 'KMS_PASSPHRASE_WRONG')).toBe(true);
    expect((err as Error).message).toContain(file);
  });

  it('says KMS_KEYRING_NOT_FOUND for a missing file, naming it', async () => {
    const file = join(dir, 'missing.json');
    const err = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE }).catch((e: unknown) => e);
    expect(isHdhError(err, 'KMS_KEYRING_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain(file);
  });

  it('refuses a keyring readable by others and says how to fix it', async () => {
    const file = join(dir, 'perm.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    await chmod(file, 0o644);
    const err = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE }).catch((e: unknown) => e);
    expect(isHdhError(err, 'KMS_KEYRING_PERMISSIONS')).toBe(true);
    expect((err as Error).message).toContain(`chmod 600 ${file}`);
    await chmod(file, 0o600);
    await (await LocalKeyProvider.open({ file, passphrase: PASSPHRASE })).close();
  });

  it('says KMS_KEYRING_CORRUPT for damaged JSON, a bad field or altered sealed data', async () => {
    const file = join(dir, 'corrupt.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const good = JSON.parse(await readFile(file, 'utf8')) as KeyringFile;
    const variants: [string, string][] = [
      ['not json', '{"format": "hdh-keyring", '],
      ['wrong format', JSON.stringify({ ...good, format: 'other' })],
      ['future version', JSON.stringify({ ...good, version: 2 })],
      ['absurd kdf cost', JSON.stringify({ ...good, kdf: { ...good.kdf, memoryKiB: 1 << 30 } })],
      [
        'altered sealed data',
        JSON.stringify({
          ...good,
          sealed: {
            ...good.sealed,
            data: Buffer.from(
              Buffer.from(good.sealed.data, 'base64').map((b, i) => (i === 3 ? b ^ 1 : b)),
            ).toString('base64'),
          },
        }),
      ],
    ];
    for (const [what, text] of variants) {
      await writeFile(file, text, { mode: 0o600 });
      const err = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE }).catch((e: unknown) => e);
      expect(isHdhError(err, 'KMS_KEYRING_CORRUPT'), what).toBe(true);
      expect((err as Error).message, what).toContain(file);
    }
  });

  it('makes a swapped KDF parameter a wrong passphrase (the header is authenticated)', async () => {
    const file = join(dir, 'swap.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const good = JSON.parse(await readFile(file, 'utf8')) as KeyringFile;
    await writeFile(file, JSON.stringify({ ...good, kdf: { ...good.kdf, iterations: 2 } }), { mode: 0o600 });
    expect(await codeOf(LocalKeyProvider.open({ file, passphrase: PASSPHRASE }))).toBe(
      'KMS_PASSPHRASE_WRONG',
    );
  });

  it('wraps in the portable RFC 5649 format (OpenSSL id-aes256-wrap-pad)', async () => {
    // The master key is not reachable through the contract; unwrapping with a wrong key must fail
    // the RFC 5649 integrity check rather than return bytes.
    const file = join(dir, 'portable.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const p = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
    const wrapped = await p.wrap(randomBytes(32));
    expect(kwpUnwrap(randomBytes(32), wrapped.data)).toBeUndefined();
    await p.close();
  });

  it('changes the passphrase: the old one stops working, keys stay the same', async () => {
    const file = join(dir, 'change.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const p = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
    const material = randomBytes(32);
    const wrapped = await p.wrap(material);
    const mac = Buffer.from(await p.hmac('pseudo', Buffer.from('x')));
    await p.close();

    await changeKeyringPassphrase(file, PASSPHRASE, 'a brand new passphrase', {
      kdf: 'scrypt',
      cost: { N: 1024 },
    });
    expect(await codeOf(LocalKeyProvider.open({ file, passphrase: PASSPHRASE }))).toBe(
      'KMS_PASSPHRASE_WRONG',
    );
    const q = await LocalKeyProvider.open({ file, passphrase: 'a brand new passphrase' });
    expect(Buffer.from(await q.unwrap(wrapped))).toEqual(material);
    expect(Buffer.from(await q.hmac('pseudo', Buffer.from('x')))).toEqual(mac);
    expect((await q.describe()).details['kdf']).toMatch(/^scrypt N=1024 /);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await q.close();
  });

  it('leaves no lock file and no temporary file behind', async () => {
    const sub = await mkdtemp(join(dir, 'clean-'));
    const file = join(sub, 'keyring.json');
    await initLocalKeyring(file, PASSPHRASE, 'argon2id', { cost: FAST });
    const p = await LocalKeyProvider.open({ file, passphrase: PASSPHRASE });
    await Promise.all([p.createMasterKey(), p.hmacKeyId('a'), p.hmacKeyId('b')]);
    await p.close();
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(sub)).toEqual(['keyring.json']);
  });
});

describe('development keyring', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hdh-devkeys-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('creates a keyring and a private passphrase file once, then leaves them alone', async () => {
    const first = await ensureDevKeyring(home, { cost: FAST });
    expect(first).toMatchObject({ created: true, development: true });
    expect((await stat(first.keyringFile)).mode & 0o777).toBe(0o600);
    expect((await stat(first.passphraseFile)).mode & 0o777).toBe(0o600);
    const passphrase = await readDevPassphrase(home);
    expect(passphrase?.length).toBeGreaterThanOrEqual(40);
    const keyring = await readFile(first.keyringFile, 'utf8');

    const second = await ensureDevKeyring(home, { cost: FAST });
    expect(second).toMatchObject({ created: false, development: true });
    expect(await readFile(first.keyringFile, 'utf8')).toBe(keyring);
    expect(await readDevPassphrase(home)).toBe(passphrase);

    const p = await LocalKeyProvider.open({
      file: first.keyringFile,
      passphrase: passphrase!,
      developmentPassphraseFile: first.passphraseFile,
    });
    const info = await p.describe();
    expect(info.development).toBe(true);
    expect(info.access).toContain(first.passphraseFile);

    // Graduating: a real passphrase removes the development file.
    await p.changePassphrase('the operator chose this one');
    expect((await p.describe()).development).toBe(false);
    expect(existsSync(first.passphraseFile)).toBe(false);
    await p.close();
    const again = await ensureDevKeyring(home, { cost: FAST });
    expect(again).toMatchObject({ created: false, development: false });
  });

  it('refuses a development passphrase file readable by others', async () => {
    const other = await mkdtemp(join(tmpdir(), 'hdh-devkeys-perm-'));
    const dev = await ensureDevKeyring(other, { cost: FAST });
    await chmod(dev.passphraseFile, 0o640);
    expect(await codeOf(readDevPassphrase(other))).toBe('KMS_KEYRING_PERMISSIONS');
    await rm(other, { recursive: true, force: true });
  });
});
