import type { Readable } from 'node:stream';
import { CryptoErrors } from './errors.js';
import { parseSealedHeader, sealedHeaderLength, type SealedHeader } from './header.js';

/**
 * Reads just enough of a stream to parse the sealed header (no key needed, not authenticated),
 * then destroys the stream. For reports that scan a store: dataset, data class, key id, version.
 * @example
 * const header = await readSealedHeader(await store.get(key, { range: { start: 0, end: MAX_HEADER_BYTES } }));
 */
export async function readSealedHeader(source: Readable): Promise<SealedHeader> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of source) {
    const buffer = Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array);
    parts.push(buffer);
    length += buffer.length;
    const bytes = Buffer.concat(parts, length);
    const headerLength = sealedHeaderLength(bytes);
    if (headerLength !== undefined && length >= headerLength) {
      source.destroy();
      return parseSealedHeader(bytes);
    }
  }
  if (length === 0) {
    throw CryptoErrors.CRYPTO_NOT_SEALED('the object is empty: it is not a sealed object');
  }
  return parseSealedHeader(Buffer.concat(parts, length));
}
