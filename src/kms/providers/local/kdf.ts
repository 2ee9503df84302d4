/**
 * Passphrase → keyring keys. argon2id (RFC 9106, the default) or scrypt (RFC 7914); the parameters
 * and salt are recorded in the keyring file so that a later hdh, or one with other defaults, derives
 * the same keys. Parameters read from a file are bounded, so a crafted keyring cannot make hdh
 * allocate without limit.
 * @module
 */
import { createHmac, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { hashRaw, type Algorithm } from '@node-rs/argon2';

export type KdfName = 'argon2id' | 'scrypt';

export interface Argon2idParams {
  readonly alg: 'argon2id';
  /** base64 */
  readonly salt: string;
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export interface ScryptParams {
  readonly alg: 'scrypt';
  /** base64 */
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export type KdfParams = Argon2idParams | ScryptParams;

/** Cost overrides for a new keyring (tests use small ones; production keeps the defaults). */
export type KdfCost =
  | Partial<Pick<Argon2idParams, 'memoryKiB' | 'iterations' | 'parallelism'>>
  | Partial<Pick<ScryptParams, 'N' | 'r' | 'p'>>;

/**
 * Defaults: argon2id with 64 MiB, 3 passes (RFC 9106 §4, second recommended option) and one lane
 * (hub machines may have two cores); scrypt with N = 2^17, r = 8 (128 MiB), p = 1.
 */
export const DEFAULT_KDF_COST = {
  argon2id: { memoryKiB: 65_536, iterations: 3, parallelism: 1 },
  scrypt: { N: 131_072, r: 8, p: 1 },
} as const;

const SALT_BYTES = 16;

/** Fresh parameters (random salt) for a new keyring or a new passphrase. */
export function newKdfParams(alg: KdfName, cost: KdfCost = {}): KdfParams {
  const salt = randomBytes(SALT_BYTES).toString('base64');
  if (alg === 'argon2id') {
    const c = cost as Partial<Argon2idParams>;
    return {
      alg,
      salt,
      ...DEFAULT_KDF_COST.argon2id,
      ...pickDefined(c, ['memoryKiB', 'iterations', 'parallelism']),
    };
  }
  const c = cost as Partial<ScryptParams>;
  return { alg, salt, ...DEFAULT_KDF_COST.scrypt, ...pickDefined(c, ['N', 'r', 'p']) };
}

function pickDefined<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) {
    if (obj[k] !== undefined) {
      out[k] = obj[k];
    }
  }
  return out;
}

/** Returns the reason `params` is unacceptable, or undefined when it is fine. */
export function kdfParamsProblem(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) {
    return 'kdf is not an object';
  }
  const p = params as Record<string, unknown>;
  if (typeof p['salt'] !== 'string') {
    return 'kdf.salt is missing';
  }
  const salt = Buffer.from(p['salt'], 'base64');
  if (salt.length < 16 || salt.length > 64) {
    return 'kdf.salt must be 16–64 bytes';
  }
  const int = (k: string, min: number, max: number): string | undefined => {
    const v = p[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `kdf.${k} must be an integer in [${min}, ${max}]`;
  };
  if (p['alg'] === 'argon2id') {
    return int('memoryKiB', 8, 4 * 1024 * 1024) ?? int('iterations', 1, 100) ?? int('parallelism', 1, 16);
  }
  if (p['alg'] === 'scrypt') {
    const n = int('N', 1024, 1 << 22) ?? int('r', 1, 32) ?? int('p', 1, 16);
    if (n !== undefined) {
      return n;
    }
    const N = p['N'] as number;
    if ((N & (N - 1)) !== 0) {
      return 'kdf.N must be a power of two';
    }
    if (128 * N * (p['r'] as number) > 2 ** 31) {
      return 'kdf.N × kdf.r needs more than 2 GiB';
    }
    return undefined;
  }
  return `kdf.alg ${JSON.stringify(p['alg'])} is not argon2id or scrypt`;
}

/** The keys a passphrase opens: one seals the keyring (AES-256-GCM), one proves the passphrase. */
export interface KeyringKeys {
  readonly sealKey: Buffer;
  readonly checkKey: Buffer;
}

const CHECK_LABEL = 'hdh-keyring passphrase check v1';

/** Derives the keyring keys from a passphrase (NFC-normalised, so the same text types the same key). */
export async function deriveKeyringKeys(params: KdfParams, passphrase: string): Promise<KeyringKeys> {
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  const salt = Buffer.from(params.salt, 'base64');
  let out: Buffer;
  if (params.alg === 'argon2id') {
    out = await hashRaw(secret, {
      // A const enum in the package's typings: isolatedModules forbids reading it, so its value.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      algorithm: 2 as Algorithm, // Argon2id

      salt,
      memoryCost: params.memoryKiB,
      timeCost: params.iterations,
      parallelism: params.parallelism,
      outputLen: 64,
    });
  } else {
    out = await scryptAsync(secret, salt, 64, {
      N: params.N,
      r: params.r,
      p: params.p,
      maxmem: 128 * params.N * params.r * 2,
    });
  }
  secret.fill(0);
  const keys = { sealKey: Buffer.from(out.subarray(0, 32)), checkKey: Buffer.from(out.subarray(32)) };
  out.fill(0);
  return keys;
}

/** The passphrase check value stored in the file (HMAC-SHA256 under the check key). */
export function passphraseCheck(keys: KeyringKeys): Buffer {
  return createHmac('sha256', keys.checkKey).update(CHECK_LABEL).digest();
}

function scryptAsync(secret: Buffer, salt: Buffer, len: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, len, options, (err, key) => {
      if (err) {
        reject(err);
      } else {
        resolve(key);
      }
    });
  });
}
