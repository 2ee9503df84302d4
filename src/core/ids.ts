/**
 * Identifiers. Time-ordered ids (a millisecond timestamp then randomness, Crockford base 32) sort in
 * creation order, which keeps journal and audit indexes compact.
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(prefix?: string): string {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const rand = randomBytes(10);
  let tail = '';
  for (const b of rand) {
    tail += CROCKFORD[b % 32]!;
  }
  const id = head + tail.slice(0, 16);
  return prefix === undefined ? id : `${prefix}_${id}`;
}

export function uuid(): string {
  return randomUUID();
}
