/**
 * The `local` key provider: master keys and pseudonym keys in a keyring file sealed by a passphrase
 * (see keyring-format.ts). Keys are used in process memory, so the master key is extractable by
 * whoever holds the passphrase and the file: the compliance report says so, and an HSM (`pkcs11`) is
 * the production choice.
 *
 * Several hdh processes may share one keyring file: each change is a read-modify-write under a lock
 * file, and `wrap` re-reads the file when it changed, so no process wraps under a master key that
 * another process has rotated away.
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CoreErrors } from '../../../core/index.js';
import { KmsErrors } from '../../errors.js';
import {
  checkAborted,
  checkKeyName,
  checkWrappable,
  checkWrapped,
  kwpUnwrap,
  kwpWrap,
  newHmacKeyId,
  newMasterKeyId,
} from '../../key-material.js';
import {
  KWP_ALG,
  type KeyOpOptions,
  type KeyProvider,
  type KeyProviderInfo,
  type MasterKeyInfo,
  type WrappedKey,
} from '../../key-provider.js';
import {
  deriveKeyringKeys,
  newKdfParams,
  type KdfCost,
  type KdfName,
  type KdfParams,
  type KeyringKeys,
} from './kdf.js';
import {
  canonicalHeader,
  openKeyring,
  parseKeyringFile,
  sealKeyring,
  wipeKeyring,
  type HmacKeyRecord,
  type Keyring,
  type MasterKeyRecord,
} from './keyring-format.js';
import { fileStamp, readPrivateFile, withFileLock, writePrivateFile } from './keyring-file.js';

const MIN_PASSPHRASE = 8;

export interface LocalKeyProviderOptions {
  /** Absolute path of the keyring file. */
  readonly file: string;
  readonly passphrase: string;
  /** Where the passphrase came from, for describe() (e.g. `environment variable HDH_KEYRING_PASSPHRASE`). */
  readonly passphraseSource?: string;
  /** Set when the passphrase was read from the development passphrase file: describe() flags it. */
  readonly developmentPassphraseFile?: string;
}

export interface NewKeyringOptions {
  /** Cost overrides for the KDF; the defaults suit production (see DEFAULT_KDF_COST). */
  readonly cost?: KdfCost;
}

function checkNewPassphrase(passphrase: string): void {
  if (passphrase.length < MIN_PASSPHRASE) {
    throw CoreErrors.INPUT_INVALID(`a keyring passphrase needs at least ${MIN_PASSPHRASE} characters`);
  }
}

/**
 * Creates a keyring at `file` with one active master key; KMS_KEYRING_EXISTS when a file is there.
 * @example
 * await initLocalKeyring('/srv/hdh/keyring.json', process.env.HDH_KEYRING_PASSPHRASE!, 'argon2id');
 */
export async function initLocalKeyring(
  file: string,
  passphrase: string,
  kdf: KdfName = 'argon2id',
  options: NewKeyringOptions = {},
): Promise<{ readonly file: string; readonly masterKeyId: string }> {
  checkNewPassphrase(passphrase);
  if (
    !(await stat(dirname(file)).then(
      (st) => st.isDirectory(),
      () => false,
    ))
  ) {
    throw CoreErrors.INPUT_NOT_FOUND(`cannot create keyring ${file}: folder ${dirname(file)} does not exist`);
  }
  const params = newKdfParams(kdf, options.cost);
  const keys = await deriveKeyringKeys(params, passphrase);
  const masterKeyId = newMasterKeyId();
  const keyring: Keyring = {
    masterKeys: [{ id: masterKeyId, createdAt: new Date(), state: 'active', key: randomBytes(32) }],
    hmacKeys: new Map(),
  };
  try {
    await withFileLock(file, async () => {
      if ((await fileStamp(file)) !== undefined) {
        throw KmsErrors.KMS_KEYRING_EXISTS(`a keyring already exists at ${file}; it was left as it is`);
      }
      await writePrivateFile(file, sealKeyring(keyring, params, keys));
    });
  } finally {
    wipeKeyring(keyring);
    wipeKeys(keys);
  }
  return { file, masterKeyId };
}

/**
 * Re-seals the keyring at `file` under a new passphrase (and a new salt, optionally another KDF).
 * @example
 * await changeKeyringPassphrase(file, oldPassphrase, newPassphrase, { kdf: 'scrypt' });
 */
export async function changeKeyringPassphrase(
  file: string,
  oldPassphrase: string,
  newPassphrase: string,
  options: { readonly kdf?: KdfName; readonly cost?: KdfCost } = {},
): Promise<void> {
  const provider = await LocalKeyProvider.open({ file, passphrase: oldPassphrase });
  try {
    await provider.changePassphrase(newPassphrase, options);
  } finally {
    await provider.close();
  }
}

function wipeKeys(keys: KeyringKeys): void {
  keys.sealKey.fill(0);
  keys.checkKey.fill(0);
}

export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local' as const;
  readonly file: string;
  #passphrase: string;
  #passphraseSource: string;
  #devFile: string | undefined;
  #kdf!: KdfParams;
  #keys!: KeyringKeys;
  #keyring!: Keyring;
  #stamp: string | undefined;
  #closed = false;
  /** In-process queue of keyring changes (the lock file orders processes). */
  #changes: Promise<unknown> = Promise.resolve();

  private constructor(options: LocalKeyProviderOptions) {
    this.file = options.file;
    this.#passphrase = options.passphrase;
    this.#devFile = options.developmentPassphraseFile;
    this.#passphraseSource =
      options.passphraseSource ??
      (options.developmentPassphraseFile === undefined
        ? 'the keyring passphrase'
        : `the development passphrase file ${options.developmentPassphraseFile}`);
  }

  /**
   * Opens the keyring at `options.file`: KMS_KEYRING_NOT_FOUND, KMS_KEYRING_PERMISSIONS,
   * KMS_KEYRING_CORRUPT or KMS_PASSPHRASE_WRONG when it cannot.
   * @example
   * const keys = await LocalKeyProvider.open({ file, passphrase });
   */
  static async open(options: LocalKeyProviderOptions): Promise<LocalKeyProvider> {
    const provider = new LocalKeyProvider(options);
    await provider.#reload();
    return provider;
  }

  /** Reads the file again if another process (or this one) replaced it since the last read. */
  async #refresh(): Promise<void> {
    if ((await fileStamp(this.file)) !== this.#stamp) {
      await this.#reload();
    }
  }

  async #reload(): Promise<void> {
    const stampBefore = await fileStamp(this.file);
    const text = await readPrivateFile(this.file, 'keyring');
    if (text === undefined || stampBefore === undefined) {
      throw KmsErrors.KMS_KEYRING_NOT_FOUND(
        `no keyring at ${this.file}: create one with \`hdh init\` (or restore it from a backup)`,
      );
    }
    const parsed = parseKeyringFile(text, this.file);
    let keys = this.#keys as KeyringKeys | undefined;
    const sameKdf = this.#kdf !== undefined && canonicalHeader(this.#kdf).equals(canonicalHeader(parsed.kdf));
    if (keys === undefined || !sameKdf) {
      keys = await deriveKeyringKeys(parsed.kdf, this.#passphrase);
    }
    const keyring = openKeyring(parsed, keys, this.file);
    this.#assertOpen();
    if (this.#keys !== undefined && this.#keys !== keys) {
      wipeKeys(this.#keys);
    }
    if (this.#keyring !== undefined) {
      wipeKeyring(this.#keyring);
    }
    this.#kdf = parsed.kdf;
    this.#keys = keys;
    this.#keyring = keyring;
    this.#stamp = stampBefore;
  }

  /**
   * Read-modify-write of the keyring: in order within this process, under the lock file across
   * processes, always on the latest copy of the file.
   */
  #change<T>(fn: (keyring: Keyring) => T, reseal?: { kdf: KdfParams; keys: KeyringKeys }): Promise<T> {
    const run = async (): Promise<T> => {
      this.#assertOpen();
      return withFileLock(this.file, async () => {
        await this.#reload();
        const result = fn(this.#keyring);
        const kdf = reseal?.kdf ?? this.#kdf;
        const keys = reseal?.keys ?? this.#keys;
        await writePrivateFile(this.file, sealKeyring(this.#keyring, kdf, keys));
        if (reseal !== undefined) {
          wipeKeys(this.#keys);
          this.#kdf = reseal.kdf;
          this.#keys = reseal.keys;
        }
        this.#stamp = await fileStamp(this.file);
        return result;
      });
    };
    const next = this.#changes.then(run, run);
    this.#changes = next.catch(() => undefined);
    return next;
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw KmsErrors.KMS_PROVIDER_CLOSED(`keyring ${this.file} was closed`);
    }
  }

  #active(): MasterKeyRecord {
    const active = this.#keyring.masterKeys.find((k) => k.state === 'active');
    if (active?.key === undefined) {
      throw KmsErrors.KMS_KEYRING_CORRUPT(`keyring ${this.file} has no active master key`);
    }
    return active;
  }

  async wrap(keyMaterial: Uint8Array, options: KeyOpOptions = {}): Promise<WrappedKey> {
    checkAborted(options.signal);
    this.#assertOpen();
    checkWrappable(keyMaterial);
    await this.#refresh();
    this.#assertOpen();
    const active = this.#active();
    return { masterKeyId: active.id, alg: KWP_ALG, data: kwpWrap(active.key!, keyMaterial) };
  }

  async unwrap(wrapped: WrappedKey, options: KeyOpOptions = {}): Promise<Uint8Array> {
    checkAborted(options.signal);
    this.#assertOpen();
    checkWrapped(wrapped);
    // Another process may have rotated or retired master keys since we read the file: a retired key
    // must stop working in every process, not only in the one that retired it.
    await this.#refresh();
    this.#assertOpen();
    const master = this.#keyring.masterKeys.find((k) => k.id === wrapped.masterKeyId);
    if (master === undefined) {
      throw KmsErrors.KMS_KEY_NOT_FOUND(`no master key ${wrapped.masterKeyId} in keyring ${this.file}`);
    }
    if (master.key === undefined) {
      throw KmsErrors.KMS_MASTER_KEY_RETIRED(
        `master key ${master.id} was retired${master.retiredAt ? ` on ${master.retiredAt.toISOString()}` : ''}; what it wrapped cannot be unwrapped`,
      );
    }
    const plain = kwpUnwrap(master.key, wrapped.data);
    if (plain === undefined) {
      throw KmsErrors.KMS_UNWRAP_FAILED(
        `wrapped key does not authenticate under master key ${master.id}: it was altered or belongs to another keyring`,
      );
    }
    return plain;
  }

  async #hmacKey(keyName: string): Promise<HmacKeyRecord> {
    checkKeyName(keyName);
    this.#assertOpen();
    const known = this.#keyring.hmacKeys.get(keyName);
    if (known !== undefined) {
      return known;
    }
    await this.#change((keyring) => {
      if (!keyring.hmacKeys.has(keyName)) {
        keyring.hmacKeys.set(keyName, {
          name: keyName,
          id: newHmacKeyId(),
          createdAt: new Date(),
          key: randomBytes(32),
        });
      }
    });
    // Read after the change settled: a concurrent change may have replaced the keyring object.
    return this.#keyring.hmacKeys.get(keyName)!;
  }

  async hmac(keyName: string, data: Uint8Array, options: KeyOpOptions = {}): Promise<Uint8Array> {
    checkAborted(options.signal);
    const key = await this.#hmacKey(keyName);
    this.#assertOpen();
    return createHmac('sha256', this.#keyring.hmacKeys.get(key.name)!.key).update(data).digest();
  }

  async hmacKeyId(keyName: string, options: KeyOpOptions = {}): Promise<string> {
    checkAborted(options.signal);
    return (await this.#hmacKey(keyName)).id;
  }

  async createMasterKey(options: KeyOpOptions = {}): Promise<MasterKeyInfo> {
    checkAborted(options.signal);
    const created = await this.#change((keyring) => {
      for (const k of keyring.masterKeys) {
        if (k.state === 'active') {
          k.state = 'previous';
        }
      }
      const record: MasterKeyRecord = {
        id: newMasterKeyId(),
        createdAt: new Date(),
        state: 'active',
        key: randomBytes(32),
      };
      keyring.masterKeys.push(record);
      return { id: record.id, createdAt: record.createdAt, state: record.state };
    });
    return created;
  }

  async retireMasterKey(id: string, options: KeyOpOptions = {}): Promise<void> {
    checkAborted(options.signal);
    await this.#change((keyring) => {
      const key = keyring.masterKeys.find((k) => k.id === id);
      if (key === undefined) {
        throw KmsErrors.KMS_KEY_NOT_FOUND(`no master key ${id} in keyring ${this.file}`);
      }
      if (key.state === 'active') {
        throw KmsErrors.KMS_MASTER_KEY_ACTIVE(
          `master key ${id} is the active key of keyring ${this.file}; rotate before retiring it`,
        );
      }
      if (key.state === 'retired') {
        return;
      }
      key.key?.fill(0);
      delete key.key;
      key.state = 'retired';
      key.retiredAt = new Date();
    });
  }

  async describe(options: KeyOpOptions = {}): Promise<KeyProviderInfo> {
    checkAborted(options.signal);
    this.#assertOpen();
    await this.#refresh();
    const development = this.#devFile !== undefined;
    const kdf = this.#kdf;
    const cost =
      kdf.alg === 'argon2id'
        ? `argon2id m=${kdf.memoryKiB}KiB t=${kdf.iterations} p=${kdf.parallelism}`
        : `scrypt N=${kdf.N} r=${kdf.r} p=${kdf.p}`;
    return {
      kind: 'local',
      location: `keyring file ${this.file} (sealed by a passphrase through ${kdf.alg})`,
      // In process memory while hdh runs, and recoverable from the file by the passphrase holder.
      extractable: true,
      access: development
        ? `anyone who can read ${this.file} and the development passphrase file ${this.#devFile} beside it`
        : `holder of the keyring passphrase (${this.#passphraseSource}) with read access to ${this.file}`,
      activeMasterKeyId: this.#active().id,
      masterKeys: this.#keyring.masterKeys.map((k) => ({
        id: k.id,
        createdAt: k.createdAt,
        state: k.state,
        ...(k.retiredAt === undefined ? {} : { retiredAt: k.retiredAt }),
      })),
      hmacInside: false,
      development,
      details: { file: this.file, kdf: cost, sealedWith: 'AES-256-GCM' },
    };
  }

  /**
   * Re-seals the keyring under `newPassphrase` with a fresh salt (and `kdf` if given). When the
   * provider was opened from the development passphrase file, that file is removed: the keyring is
   * no longer a development one.
   */
  async changePassphrase(
    newPassphrase: string,
    options: { readonly kdf?: KdfName; readonly cost?: KdfCost } = {},
  ): Promise<void> {
    checkNewPassphrase(newPassphrase);
    this.#assertOpen();
    const kdf = newKdfParams(options.kdf ?? this.#kdf.alg, options.cost);
    const keys = await deriveKeyringKeys(kdf, newPassphrase);
    await this.#change(() => undefined, { kdf, keys });
    this.#passphrase = newPassphrase;
    this.#passphraseSource = 'the keyring passphrase';
    if (this.#devFile !== undefined) {
      await rm(this.#devFile, { force: true });
      this.#devFile = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    await this.#changes;
    this.#closed = true;
    wipeKeyring(this.#keyring);
    wipeKeys(this.#keys);
    this.#passphrase = '';
  }
}
