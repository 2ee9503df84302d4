/**
 * Object metadata rules shared by every backend: the intersection of what S3 (ASCII header values,
 * 2 KiB in all) and Azure (names that are C# identifiers) accept, so metadata written to one store
 * can be carried to any other.
 * @module
 */
import { StorageErrors } from '../errors.js';

const NAME = /^[a-z_][a-z0-9_]{0,127}$/;
const VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
/** Total bytes of names and values, S3's limit for user metadata. */
export const MAX_METADATA_BYTES = 2048;

/** Throws STORAGE_METADATA_INVALID naming the first offending entry. */
export function checkMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
  storeName: string,
  key: string,
): void {
  if (metadata === undefined) {
    return;
  }
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!NAME.test(name)) {
      throw StorageErrors.STORAGE_METADATA_INVALID(
        `store ${storeName}, key ${JSON.stringify(key)}: metadata name ${JSON.stringify(name)} must be lower-case letters, digits and underscores, not starting with a digit`,
      );
    }
    if (typeof value !== 'string' || !VALUE.test(value)) {
      throw StorageErrors.STORAGE_METADATA_INVALID(
        `store ${storeName}, key ${JSON.stringify(key)}: metadata ${name} must be printable ASCII without leading or trailing spaces`,
      );
    }
    total += name.length + value.length;
  }
  if (total > MAX_METADATA_BYTES) {
    throw StorageErrors.STORAGE_METADATA_INVALID(
      `store ${storeName}, key ${JSON.stringify(key)}: metadata holds ${total} bytes; at most ${MAX_METADATA_BYTES} are portable`,
    );
  }
}

/** Lower-cases metadata names as services return them in various cases. */
export function normaliseMetadata(
  metadata: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined) {
    return out;
  }
  for (const [name, value] of Object.entries(metadata)) {
    if (value !== undefined) {
      out[name.toLowerCase()] = value;
    }
  }
  return out;
}
