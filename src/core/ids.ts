/**
 * Identifiers. Time-ordered ids (a millisecond timestamp then randomness, Crockford base 32) sort in
 * creation order, which keeps journal and audit indexes compact.
 * @module
 */
import { randomFillSync, randomUUID } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

/**
 * Randomness drawn from the CSPRNG a few kilobytes at a time: one `randomBytes` call per id cost more
 * than the rest of a small API request (every request gets an id). The same idea as `randomUUID`'s
 * cache; each byte is used once.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomChunk(): Buffer {
  if (poolOffset + RANDOM_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const chunk = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return chunk;
}

export function newId(prefix?: string): string {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const rand = randomChunk();
  let tail = '';
  for (let i = 0; i < RANDOM_BYTES; i++) {
    tail += CROCKFORD[rand[i]! % 32]!;
  }
  const id = head + tail.slice(0, 16);
  return prefix === undefined ? id : `${prefix}_${id}`;
}

export function uuid(): string {
  return randomUUID();
}
