import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, otpauthUri, totp, verifyTotp } from './totp.js';

// RFC 6238 appendix B: seeds are the ASCII digits repeated to the hash's block-key length.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(VECTORS)('matches appendix B at T=%i', (seconds, sha1, sha256, sha512) => {
    const t = seconds * 1000;
    expect(totp(SEEDS.sha1, t, { digits: 8, algorithm: 'sha1' })).toBe(sha1);
    expect(totp(SEEDS.sha256, t, { digits: 8, algorithm: 'sha256' })).toBe(sha256);
    expect(totp(SEEDS.sha512, t, { digits: 8, algorithm: 'sha512' })).toBe(sha512);
  });

  it('matches RFC 4226 appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314'];
    expect([0, 1, 2, 3, 4].map((c) => hotp(SEEDS.sha1, c))).toEqual(expected);
  });

  it('accepts one step of drift either side and no more', () => {
    const now = 1_700_000_000_000;
    const code = (offsetSteps: number) => totp(SEEDS.sha1, now + offsetSteps * 30_000);
    expect(verifyTotp(SEEDS.sha1, code(0), now)).toBeDefined();
    expect(verifyTotp(SEEDS.sha1, code(-1), now)).toBeDefined();
    expect(verifyTotp(SEEDS.sha1, code(1), now)).toBeDefined();
    expect(verifyTotp(SEEDS.sha1, code(-2), now)).toBeUndefined();
    expect(verifyTotp(SEEDS.sha1, code(2), now)).toBeUndefined();
    expect(verifyTotp(SEEDS.sha1, 'abcdef', now)).toBeUndefined();
    expect(verifyTotp(SEEDS.sha1, '1234567', now)).toBeUndefined();
  });

  it('refuses a replayed code and any code of an earlier step', () => {
    const now = 1_700_000_000_000;
    const step = verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, now), now);
    expect(step).toBeDefined();
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, now), now, step)).toBeUndefined();
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, now - 30_000), now, step)).toBeUndefined();
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, now + 30_000), now, step)).toBe(step! + 1);
  });

  it('encodes secrets in base32 both ways (RFC 4648 §10)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode(base32Encode(SEEDS.sha512))).toEqual(SEEDS.sha512);
    expect(() => base32Decode('A1')).toThrow('"1" is not a base32 character');
  });

  it('builds an otpauth URI authenticator apps read', () => {
    const uri = new URL(otpauthUri(SEEDS.sha1, 'alice', 'hdh test'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/hdh test:alice');
    expect(uri.searchParams.get('secret')).toBe(base32Encode(SEEDS.sha1));
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
