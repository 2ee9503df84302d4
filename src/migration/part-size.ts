/**
 * Part sizes fitted to the destination: at least its minimum part, few enough parts for its
 * maximum (Scaleway 1,000; most others 10,000), rounded up to whole MiB.
 * @module
 */

const MIB = 1024 ** 2;

/** The part size hdh prefers when the provider's limits leave room: large enough to keep request counts low, small enough to resend little after a crash. */
export const PREFERRED_PART_BYTES = 16 * MIB;

export interface PartLimits {
  readonly maxParts: number;
  readonly minPartBytes: number;
}

/** Part size for an upload of `size` bytes. */
export function partSizeFor(size: number, limits: PartLimits, preferred = PREFERRED_PART_BYTES): number {
  const needed = Math.ceil(size / Math.max(1, limits.maxParts));
  const raw = Math.max(limits.minPartBytes, preferred, needed);
  return Math.ceil(raw / MIB) * MIB;
}

/** Number of parts of an upload of `size` bytes in parts of `partSize`. */
export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}
