/**
 * Part sizes fitted to a provider's limits, for puts and for migration's resumable uploads: at most
 * `maxParts` parts (Scaleway 1,000; S3 and most others 10,000; Azure 50,000 blocks), none but the last
 * under `minPartBytes` (S3 5 MiB), none over the largest part a service takes.
 * @module
 */
import type { StoreCapabilities } from '../object-store.js';
import { StorageErrors } from '../errors.js';

const MiB = 1024 * 1024;
/** Part size used when the object is small enough for it: large enough to amortise requests, small enough to buffer. */
export const DEFAULT_PART_BYTES = 8 * MiB;
/** Largest part S3 accepts (Azure's block limit, 4000 MiB, is given by its capabilities). */
export const DEFAULT_MAX_PART_BYTES = 5 * 1024 * MiB;

export type PartLimits = Pick<StoreCapabilities, 'maxParts' | 'minPartBytes'> & {
  readonly maxPartBytes?: number;
};

/**
 * The part size for an object of `size` bytes: `preferred` unless the object needs larger parts to
 * stay within `maxParts`, rounded up to whole MiB. STORAGE_TOO_LARGE when no part size fits.
 */
export function fitPartSize(size: number, limits: PartLimits, preferred = DEFAULT_PART_BYTES): number {
  const maxPart = limits.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const needed = Math.max(preferred, limits.minPartBytes, Math.ceil(size / limits.maxParts));
  const fitted = Math.min(Math.ceil(needed / MiB) * MiB, Math.max(maxPart, limits.minPartBytes));
  if (fitted * limits.maxParts < size) {
    throw StorageErrors.STORAGE_TOO_LARGE(
      `an object of ${size} bytes needs more than ${limits.maxParts} parts of ${maxPart} bytes`,
    );
  }
  return fitted;
}

/**
 * Sizes of successive parts of a body whose size is unknown: `preferred` at first, doubling every
 * sixteenth of `maxParts`, so small streams stay in small buffers and a huge one still fits the part
 * limit (8 MiB start and 10,000 parts reach about 5 TiB).
 */
export function growingPartSizes(
  limits: PartLimits,
  preferred = DEFAULT_PART_BYTES,
): (index: number) => number {
  const maxPart = limits.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const start = Math.max(preferred, limits.minPartBytes);
  const perStage = Math.max(1, Math.floor(limits.maxParts / 16));
  return (index) => Math.min(maxPart, start * 2 ** Math.floor(index / perStage));
}
