/**
 * Bodies for store tests: large pseudo-random streams that are never held in memory whole, bodies
 * that fail or fire an abort part-way, and digest helpers.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { readAll } from '../../core/index.js';

export const MiB = 1024 * 1024;

/** A random body of `size` bytes in `chunk`-sized pieces, and the SHA-256 of what it yielded. */
export function randomBody(
  size: number,
  chunk = MiB,
): { body: AsyncIterable<Uint8Array>; sha256: () => string } {
  const hash = createHash('sha256');
  async function* generate(): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < size; sent += chunk) {
      const piece = randomBytes(Math.min(chunk, size - sent));
      hash.update(piece);
      yield piece;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { body: generate(), sha256: () => hash.digest('hex') };
}

/** Yields `beforeFailure` bytes, then throws `Error('source failed on purpose')`. */
export async function* failingBody(beforeFailure: number, chunk = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < beforeFailure; sent += chunk) {
    yield randomBytes(Math.min(chunk, beforeFailure - sent));
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('source failed on purpose');
}

/** Yields `beforeAbort` bytes, fires `controller`, then keeps yielding (as a source deaf to aborts would). */
export async function* abortingBody(
  controller: AbortController,
  beforeAbort: number,
  after: number,
  chunk = 256 * 1024,
): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < beforeAbort + after; sent += chunk) {
    if (sent >= beforeAbort && !controller.signal.aborted) {
      controller.abort();
    }
    yield randomBytes(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}

export function md5Hex(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

export async function bytesOf(stream: Readable): Promise<Buffer> {
  return readAll(stream);
}
