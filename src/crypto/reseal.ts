/**
 * Sealing again under a header emitted before: the same data key, and since record nonces are
 * counters, the same sealed bytes for the same plaintext. This is what lets a multipart upload
 * interrupted by a crash continue after its last stored part: the caller re-seals the object from
 * its start, compares the parts already stored (by digest) instead of sending them again, and sends
 * only the rest.
 *
 * The same data key and nonces over a *different* plaintext would expose both ciphertexts' XOR and
 * GCM's authentication key to whoever sees both: the caller must never send a resealed record whose
 * earlier version may have been sent with other content (see docs/formats/sealed-object.md,
 * "Sealing again under a header").
 * @module
 */
import { createHash } from 'node:crypto';
import { CryptoErrors } from './errors.js';
import { parseHeaderRecord } from './header.js';
import { unlockHeader, type KeyResolver } from './keys.js';
import { sealStreamUnder, type SealStream } from './seal-stream.js';

export interface ResealParams {
  /** The header exactly as an earlier seal stream emitted it (its first bytes). */
  readonly header: Uint8Array;
  /** Returns the dataset key named in the header, as for opening. */
  readonly resolveKey: KeyResolver;
  /** The object the header must be for: a header of another object is refused. */
  readonly objectId: string;
  readonly dataset: string;
  readonly dataClass: string;
  /** Whether to compute the SHA-256 of the sealed bytes (default true). */
  readonly hashSealed?: boolean;
  /** As the seal stream's `offThread` (seal-stream.ts). */
  readonly offThread?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A seal stream that emits `header` and seals the plaintext under the data key wrapped in it. The
 * header is authenticated first (key check, wrap tag): CRYPTO_WRONG_KEY or CRYPTO_TAMPERED when it
 * does not unlock, CRYPTO_OBJECT_MISMATCH when it names another object, dataset or class.
 * @example
 * const { stream, result } = await createResealStream({ header, resolveKey, objectId, dataset, dataClass });
 */
export async function createResealStream(params: ResealParams): Promise<SealStream> {
  const record = parseHeaderRecord(params.header);
  if (
    record.objectId !== params.objectId ||
    record.dataset !== params.dataset ||
    record.dataClass !== params.dataClass
  ) {
    throw CryptoErrors.CRYPTO_OBJECT_MISMATCH(
      `the header to seal again under is for object ${record.objectId} (dataset ${record.dataset}, class ${record.dataClass}), not ${params.objectId} (dataset ${params.dataset}, class ${params.dataClass})`,
    );
  }
  const datasetKey = await params.resolveKey(record.keyId);
  const dataKey = await unlockHeader(record, () => Promise.resolve(datasetKey));
  return sealStreamUnder(
    {
      keyId: record.keyId,
      objectId: record.objectId,
      dataset: record.dataset,
      dataClass: record.dataClass,
      datasetKey,
      chunkSize: record.chunkSize,
      ...(params.hashSealed !== undefined ? { hashSealed: params.hashSealed } : {}),
      ...(params.offThread !== undefined ? { offThread: params.offThread } : {}),
      ...(params.signal !== undefined ? { signal: params.signal } : {}),
    },
    { header: record.bytes, headerHash: createHash('sha256').update(record.bytes).digest(), dataKey },
  );
}
