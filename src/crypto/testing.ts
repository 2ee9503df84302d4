/**
 * Helpers for the crypto tests: seal and open whole buffers through the real streams, feeding them
 * in pieces of varying sizes so record boundaries fall anywhere inside the pieces.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { HdhError } from '../core/index.js';
import { pipeline } from 'node:stream/promises';
import { parseSealedHeader, type SealedHeader } from './header.js';
import type { KeyResolver } from './keys.js';
import { createOpenStream, type OpenParams, type OpenResult } from './open-stream.js';
import { createResealStream } from './reseal.js';
import { createSealStream, type SealParams, type SealResult } from './seal-stream.js';

export const TEST_IDENTITY = {
  keyId: 'dsk_test',
  objectId: 'obj/cohort-2024/part-0001.parquet',
  dataset: 'cohort-2024',
  dataClass: 'pseudonymised-health',
} as const;

/** Splits `bytes` into pieces of 1..maxPiece bytes (deterministic for a given seed). */
export function pieces(bytes: Uint8Array, maxPiece: number, seed = 1): Buffer[] {
  const out: Buffer[] = [];
  let state = seed;
  for (let at = 0; at < bytes.length;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const take = 1 + (state % maxPiece);
    out.push(Buffer.from(bytes.subarray(at, at + take)));
    at += take;
  }
  return out;
}

class Collector extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.parts.push(chunk);
    callback();
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface SealedBytes {
  readonly sealed: Buffer;
  readonly result: SealResult;
}

export async function sealBytes(
  plain: Uint8Array,
  params: Partial<SealParams> & { datasetKey: Uint8Array },
  maxPiece = 4096,
): Promise<SealedBytes> {
  const seal = createSealStream({ ...TEST_IDENTITY, ...params });
  const sink = new Collector();
  await pipeline(Readable.from(pieces(plain, maxPiece)), seal.stream, sink);
  return { sealed: sink.bytes(), result: await seal.result };
}

export interface OpenedBytes {
  readonly plain: Buffer;
  readonly result: OpenResult;
  readonly header: SealedHeader;
}

export async function openBytes(
  sealed: Uint8Array,
  params: OpenParams,
  maxPiece = 4096,
): Promise<OpenedBytes> {
  const open = createOpenStream(params);
  const sink = new Collector();
  await pipeline(Readable.from(pieces(sealed, maxPiece, 7)), open.stream, sink);
  return { plain: sink.bytes(), result: await open.result, header: await open.header };
}

export interface FailedOpen {
  readonly error: unknown;
  /** Plaintext the stream emitted before it failed. */
  readonly emitted: Buffer;
  /** What the `result` promise rejected with. */
  readonly resultError: unknown;
}

/** Opens `sealed` expecting a failure; resolves with the error and what was emitted before it. */
export async function openFailure(
  sealed: Uint8Array,
  params: OpenParams,
  maxPiece = 4096,
): Promise<FailedOpen> {
  const open = createOpenStream(params);
  const sink = new Collector();
  try {
    await pipeline(Readable.from(pieces(sealed, maxPiece, 7)), open.stream, sink);
  } catch (error) {
    const resultError = await open.result.then(
      () => undefined,
      (err: unknown) => err,
    );
    return { error, emitted: sink.bytes(), resultError };
  }
  throw new Error('the sealed object opened although a failure was expected');
}

/** A resolver over fixed keys; an unknown id fails as a key service would (KMS_KEY_NOT_FOUND). */
export function keyResolver(
  keys: Readonly<Record<string, Uint8Array>>,
): (keyId: string) => Promise<Uint8Array> {
  return (keyId) => {
    const key = keys[keyId];
    return key === undefined
      ? Promise.reject(new HdhError('KMS_KEY_NOT_FOUND', `no dataset key ${keyId}`))
      : Promise.resolve(key);
  };
}

export function newDatasetKey(): Buffer {
  return randomBytes(32);
}

/** Runs `work` with sealing forced onto one path; the path is chosen when a sealer is created. */
export async function onSealPath<T>(native: boolean, work: () => Promise<T>): Promise<T> {
  const before = process.env['HDH_SEAL_NATIVE'];
  process.env['HDH_SEAL_NATIVE'] = native ? '1' : '0';
  try {
    return await work();
  } finally {
    if (before === undefined) {
      delete process.env['HDH_SEAL_NATIVE'];
    } else {
      process.env['HDH_SEAL_NATIVE'] = before;
    }
  }
}

/**
 * Seals `plain` again under the header (the data key) of `sealed`, on the path `native` names: a
 * sealer that writes the format's bytes must give `sealed` back exactly.
 */
export async function resealOn(
  native: boolean,
  sealed: Buffer,
  plain: Uint8Array,
  resolveKey: KeyResolver,
  maxPiece: number,
): Promise<SealedBytes> {
  return onSealPath(native, async () => {
    const header = sealed.subarray(0, parseSealedHeader(sealed).headerBytes);
    const s = await createResealStream({ header, resolveKey, ...TEST_IDENTITY });
    const sink = new Collector();
    await pipeline(Readable.from(pieces(plain, maxPiece, 3)), s.stream, sink);
    return { sealed: sink.bytes(), result: await s.result };
  });
}
