/**
 * Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226), written on node:crypto. Authenticator
 * apps use HMAC-SHA1, 30 s steps and 6 digits; the other algorithms exist for the RFC's test vectors.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  readonly algorithm?: TotpAlgorithm;
  readonly digits?: number;
  readonly stepSeconds?: number;
}

const DEFAULTS = { algorithm: 'sha1', digits: 6, stepSeconds: 30 } as const;

/** The 30 s step a time falls in (RFC 6238 §4.2: T = floor((now − T0) / X), T0 = 0). */
export function totpStep(timeMs: number, stepSeconds: number = DEFAULTS.stepSeconds): number {
  return Math.floor(timeMs / 1000 / stepSeconds);
}

/** HOTP value for one counter (RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits). */
export function hotp(secret: Uint8Array, counter: number, options: TotpOptions = {}): string {
  const digits = options.digits ?? DEFAULTS.digits;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(options.algorithm ?? DEFAULTS.algorithm, secret)
    .update(message)
    .digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

/** The code valid at `timeMs`. */
export function totp(secret: Uint8Array, timeMs: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(timeMs, options.stepSeconds), options);
}

/**
 * Checks a code against the current step and one step either side (RFC 6238 §5.2 allows one step of
 * clock drift). Returns the matching step, or undefined. A step at or before `lastStep` is refused so
 * that an observed code cannot be replayed (RFC 6238 §5.2, "MUST NOT accept the second attempt").
 */
export function verifyTotp(
  secret: Uint8Array,
  code: string,
  timeMs: number,
  lastStep: number | null = null,
  options: TotpOptions = {},
): number | undefined {
  const digits = options.digits ?? DEFAULTS.digits;
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) {
    return undefined;
  }
  const now = totpStep(timeMs, options.stepSeconds);
  let matched: number | undefined;
  // Every candidate is computed and compared in constant time, so timing does not tell which matched.
  for (const step of [now - 1, now, now + 1]) {
    const expected = Buffer.from(hotp(secret, step, options));
    if (timingSafeEqual(expected, Buffer.from(code)) && (lastStep === null || step > lastStep)) {
      matched = step;
    }
  }
  return matched;
}

/** A new 160-bit secret, the size RFC 4226 §4 recommends for HMAC-SHA1. */
export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: the form authenticator apps expect for secrets. */
export function base32Encode(data: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) {
    out += BASE32[(value << (5 - bits)) & 31]!;
  }
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) {
      throw new Error(`"${ch}" is not a base32 character`);
    }
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The `otpauth://` URI authenticator apps scan (Key Uri Format, as set by Google Authenticator). */
export function otpauthUri(secret: Uint8Array, account: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: base32Encode(secret),
    issuer,
    algorithm: 'SHA1',
    digits: String(DEFAULTS.digits),
    period: String(DEFAULTS.stepSeconds),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}
