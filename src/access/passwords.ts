/**
 * Password hashing with argon2id (@node-rs/argon2 defaults: m = 19 MiB, t = 2, p = 1, the OWASP
 * baseline) and the password policy. Passwords are never logged or audited.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { AccessErrors } from './errors.js';

/** NIST SP 800-63B §5.1.1.2 asks verifiers to accept at least 64 characters; we accept 256. */
const MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let decoy: Promise<string> | undefined;

/**
 * Verifies against a throw-away hash, so that a login for an unknown or password-less account takes as
 * long as one with a wrong password and response times do not reveal which accounts exist.
 */
export async function spendVerifyTime(password: string): Promise<void> {
  decoy ??= hash(randomBytes(16).toString('hex'));
  await verifyPassword(await decoy, password);
}

/** 144 random bits in base64url: 24 characters, typeable, far beyond any length policy. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function checkPasswordPolicy(password: string, minLength: number): void {
  if (password.length < minLength) {
    throw AccessErrors.AUTH_PASSWORD_WEAK(
      `the password has ${password.length} characters; at least ${minLength} are required`,
    );
  }
  if (password.length > MAX_LENGTH) {
    throw AccessErrors.AUTH_PASSWORD_WEAK(`the password is longer than ${MAX_LENGTH} characters`);
  }
}
