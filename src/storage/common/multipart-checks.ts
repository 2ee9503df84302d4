/**
 * Checks that stores without a service to enforce them (memory, fs) apply to multipart uploads, with
 * the rules S3 applies, so that callers find their mistakes before they meet a real service.
 * @module
 */
import type { CompletedPart } from '../object-store.js';
import { StorageErrors } from '../errors.js';

export function checkPartNumber(partNumber: number, maxParts: number, what: string): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > maxParts) {
    throw StorageErrors.STORAGE_MULTIPART_INVALID(
      `${what}: part number ${partNumber} is outside 1…${maxParts}`,
    );
  }
}

/**
 * The given parts must be non-empty, in ascending order, each held by the store with the same etag,
 * and all but the last at least `minPartBytes` long.
 */
export function checkCompletion(
  given: readonly CompletedPart[],
  held: ReadonlyMap<number, { readonly etag: string; readonly size: number }>,
  minPartBytes: number,
  what: string,
): void {
  if (given.length === 0) {
    throw StorageErrors.STORAGE_MULTIPART_INVALID(`${what}: no parts to complete the upload with`);
  }
  let previous = 0;
  given.forEach((part, i) => {
    if (part.partNumber <= previous) {
      throw StorageErrors.STORAGE_MULTIPART_INVALID(
        `${what}: part ${part.partNumber} comes after part ${previous}; parts must be in ascending order`,
      );
    }
    previous = part.partNumber;
    const stored = held.get(part.partNumber);
    if (stored === undefined || stored.etag !== part.etag) {
      throw StorageErrors.STORAGE_MULTIPART_INVALID(
        `${what}: part ${part.partNumber} ${stored === undefined ? 'was never uploaded' : 'was uploaded again since (its etag changed)'}`,
      );
    }
    if (i < given.length - 1 && stored.size < minPartBytes) {
      throw StorageErrors.STORAGE_MULTIPART_INVALID(
        `${what}: part ${part.partNumber} has ${stored.size} bytes; every part but the last needs at least ${minPartBytes}`,
      );
    }
  });
}
