/**
 * The keyring file (format `hdh-keyring`, version 1). This comment is its specification:
 *
 * ```json
 * {
 *   "format": "hdh-keyring",
 *   "version": 1,
 *   "kdf": { "alg": "argon2id", "salt": "<base64>", "memoryKiB": 65536, "iterations": 3, "parallelism": 1 },
 *   "check": "<base64 HMAC-SHA256 proving the passphrase>",
 *   "sealed": { "alg": "AES-256-GCM", "nonce": "<base64, 12 bytes>", "data": "<base64 ciphertext ‖ 16-byte tag>" }
 * }
 * ```
 *
 * `kdf` may instead be `{ "alg": "scrypt", "salt", "N", "r", "p" }`. The KDF turns the passphrase
 * into 64 bytes: the first 32 seal the contents, the last 32 key `check`. The GCM associated data is
 * the canonical header (format, version, every kdf field in a fixed order), so the parameters cannot
 * be swapped. The sealed plaintext is the UTF-8 JSON {@link SealedContents}. Everything about the keys,
 * ids included, stays inside the seal: the file says nothing without the passphrase.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsErrors } from '../../errors.js';
import type { MasterKeyState } from '../../key-provider.js';
import { kdfParamsProblem, passphraseCheck, type KdfParams, type KeyringKeys } from './kdf.js';

export const KEYRING_FORMAT = 'hdh-keyring';
export const KEYRING_VERSION = 1;

export interface KeyringFile {
  readonly format: typeof KEYRING_FORMAT;
  readonly version: typeof KEYRING_VERSION;
  readonly kdf: KdfParams;
  readonly check: string;
  readonly sealed: { readonly alg: 'AES-256-GCM'; readonly nonce: string; readonly data: string };
}

/** The sealed plaintext. Times are ISO 8601 UTC; keys are base64. */
export interface SealedContents {
  readonly masterKeys: readonly {
    readonly id: string;
    readonly createdAt: string;
    readonly state: MasterKeyState;
    readonly retiredAt?: string;
    /** 32 bytes, absent once retired. */
    readonly key?: string;
  }[];
  readonly hmacKeys: readonly {
    readonly name: string;
    readonly id: string;
    readonly createdAt: string;
    /** 32 bytes. */
    readonly key: string;
  }[];
}

/** The keyring in memory: key bytes in Buffers so they can be wiped on close. */
export interface MasterKeyRecord {
  readonly id: string;
  readonly createdAt: Date;
  state: MasterKeyState;
  retiredAt?: Date;
  key?: Buffer;
}

export interface HmacKeyRecord {
  readonly name: string;
  readonly id: string;
  readonly createdAt: Date;
  readonly key: Buffer;
}

export interface Keyring {
  readonly masterKeys: MasterKeyRecord[];
  readonly hmacKeys: Map<string, HmacKeyRecord>;
}

/** Parses the outer JSON; KMS_KEYRING_CORRUPT naming the file and the field when it is not a keyring. */
export function parseKeyringFile(text: string, file: string): KeyringFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw KmsErrors.KMS_KEYRING_CORRUPT(`keyring ${file} is not JSON: ${(err as Error).message}`);
  }
  const problem = keyringFileProblem(value);
  if (problem !== undefined) {
    throw KmsErrors.KMS_KEYRING_CORRUPT(`keyring ${file}: ${problem}`);
  }
  return value as KeyringFile;
}

function keyringFileProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return 'not a JSON object';
  }
  const v = value as Record<string, unknown>;
  if (v['format'] !== KEYRING_FORMAT) {
    return `format is not "${KEYRING_FORMAT}"`;
  }
  if (v['version'] !== KEYRING_VERSION) {
    return `version ${JSON.stringify(v['version'])} is not supported (this hdh reads version ${KEYRING_VERSION})`;
  }
  const kdf = kdfParamsProblem(v['kdf']);
  if (kdf !== undefined) {
    return kdf;
  }
  if (typeof v['check'] !== 'string' || Buffer.from(v['check'], 'base64').length !== 32) {
    return 'check must be 32 bytes of base64';
  }
  const sealed = v['sealed'] as Record<string, unknown> | undefined;
  if (typeof sealed !== 'object' || sealed === null) {
    return 'sealed is missing';
  }
  if (sealed['alg'] !== 'AES-256-GCM') {
    return 'sealed.alg is not AES-256-GCM';
  }
  if (typeof sealed['nonce'] !== 'string' || Buffer.from(sealed['nonce'], 'base64').length !== 12) {
    return 'sealed.nonce must be 12 bytes of base64';
  }
  if (typeof sealed['data'] !== 'string' || Buffer.from(sealed['data'], 'base64').length < 17) {
    return 'sealed.data is missing or too short';
  }
  return undefined;
}

/** The GCM associated data: the header in a canonical form that no JSON formatting can change. */
export function canonicalHeader(kdf: KdfParams): Buffer {
  const fields =
    kdf.alg === 'argon2id'
      ? [kdf.alg, kdf.salt, kdf.memoryKiB, kdf.iterations, kdf.parallelism]
      : [kdf.alg, kdf.salt, kdf.N, kdf.r, kdf.p];
  return Buffer.from(JSON.stringify([KEYRING_FORMAT, KEYRING_VERSION, fields]), 'utf8');
}

/** Seals the keyring under `keys` (a fresh nonce each time) into the file's JSON text. */
export function sealKeyring(keyring: Keyring, kdf: KdfParams, keys: KeyringKeys): string {
  const plain = Buffer.from(JSON.stringify(toContents(keyring)), 'utf8');
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.sealKey, nonce);
  cipher.setAAD(canonicalHeader(kdf));
  const data = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  plain.fill(0);
  const file: KeyringFile = {
    format: KEYRING_FORMAT,
    version: KEYRING_VERSION,
    kdf,
    check: passphraseCheck(keys).toString('base64'),
    sealed: { alg: 'AES-256-GCM', nonce: nonce.toString('base64'), data: data.toString('base64') },
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Opens the seal. KMS_PASSPHRASE_WRONG when the passphrase check fails; KMS_KEYRING_CORRUPT when the
 * passphrase is right but the sealed data does not authenticate or does not parse.
 */
export function openKeyring(parsed: KeyringFile, keys: KeyringKeys, file: string): Keyring {
  const expected = Buffer.from(parsed.check, 'base64');
  if (!timingSafeEqual(passphraseCheck(keys), expected)) {
    throw KmsErrors.KMS_PASSPHRASE_WRONG(`wrong passphrase for keyring ${file}`);
  }
  const data = Buffer.from(parsed.sealed.data, 'base64');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keys.sealKey,
      Buffer.from(parsed.sealed.nonce, 'base64'),
    );
    decipher.setAAD(canonicalHeader(parsed.kdf));
    decipher.setAuthTag(data.subarray(data.length - 16));
    plain = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  } catch (err) {
    throw KmsErrors.KMS_KEYRING_CORRUPT(
      `keyring ${file} fails authentication although the passphrase is right: it was altered or damaged`,
      { cause: err },
    );
  }
  try {
    return fromContents(JSON.parse(plain.toString('utf8')) as unknown, file);
  } finally {
    plain.fill(0);
  }
}

function toContents(keyring: Keyring): SealedContents {
  return {
    masterKeys: keyring.masterKeys.map((k) => ({
      id: k.id,
      createdAt: k.createdAt.toISOString(),
      state: k.state,
      ...(k.retiredAt === undefined ? {} : { retiredAt: k.retiredAt.toISOString() }),
      ...(k.key === undefined ? {} : { key: k.key.toString('base64') }),
    })),
    hmacKeys: [...keyring.hmacKeys.values()].map((k) => ({
      name: k.name,
      id: k.id,
      createdAt: k.createdAt.toISOString(),
      key: k.key.toString('base64'),
    })),
  };
}

function fromContents(value: unknown, file: string): Keyring {
  const corrupt = (what: string): never => {
    throw KmsErrors.KMS_KEYRING_CORRUPT(`keyring ${file}: sealed contents ${what}`);
  };
  const c = value as Partial<Record<keyof SealedContents, unknown>>;
  if (typeof c !== 'object' || c === null || !Array.isArray(c.masterKeys) || !Array.isArray(c.hmacKeys)) {
    return corrupt('lack masterKeys or hmacKeys');
  }
  const masterKeys: MasterKeyRecord[] = [];
  for (const [i, raw] of (c.masterKeys as unknown[]).entries()) {
    const m = raw as Record<string, unknown>;
    if (typeof m['id'] !== 'string' || typeof m['createdAt'] !== 'string') {
      corrupt(`masterKeys[${i}] lacks id or createdAt`);
    }
    const state = m['state'];
    if (state !== 'active' && state !== 'previous' && state !== 'retired') {
      corrupt(`masterKeys[${i}].state is invalid`);
    }
    const key = typeof m['key'] === 'string' ? Buffer.from(m['key'], 'base64') : undefined;
    if (state !== 'retired' && key?.length !== 32) {
      corrupt(`masterKeys[${i}] lacks its 32-byte key`);
    }
    masterKeys.push({
      id: m['id'] as string,
      createdAt: new Date(m['createdAt'] as string),
      state: state as MasterKeyState,
      ...(typeof m['retiredAt'] === 'string' ? { retiredAt: new Date(m['retiredAt']) } : {}),
      ...(state === 'retired' || key === undefined ? {} : { key }),
    });
  }
  if (masterKeys.filter((k) => k.state === 'active').length !== 1) {
    corrupt('do not have exactly one active master key');
  }
  const hmacKeys = new Map<string, HmacKeyRecord>();
  for (const [i, raw] of (c.hmacKeys as unknown[]).entries()) {
    const h = raw as Record<string, unknown>;
    const key = typeof h['key'] === 'string' ? Buffer.from(h['key'], 'base64') : undefined;
    if (typeof h['name'] !== 'string' || typeof h['id'] !== 'string' || typeof h['createdAt'] !== 'string') {
      corrupt(`hmacKeys[${i}] lacks name, id or createdAt`);
    }
    if (key?.length !== 32) {
      corrupt(`hmacKeys[${i}] lacks its 32-byte key`);
    }
    hmacKeys.set(h['name'] as string, {
      name: h['name'] as string,
      id: h['id'] as string,
      createdAt: new Date(h['createdAt'] as string),
      key: key!,
    });
  }
  return { masterKeys, hmacKeys };
}

/** Overwrites every key buffer with zeros (on close, or when a newer copy replaces this one). */
export function wipeKeyring(keyring: Keyring): void {
  for (const k of keyring.masterKeys) {
    k.key?.fill(0);
  }
  for (const k of keyring.hmacKeys.values()) {
    k.key.fill(0);
  }
}
