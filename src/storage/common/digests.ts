/**
 * MD5 handling. MD5 is the one digest Azure and S3 keep; hdh only trusts it when the service really
 * computed or checked it (never a multipart ETag).
 * @module
 */
import { StorageErrors } from '../errors.js';

const HEX_MD5 = /^[0-9a-f]{32}$/;

/** Validates a caller-given hex MD5 and returns it lower-cased. */
export function checkMd5(md5: string | undefined, storeName: string, key: string): string | undefined {
  if (md5 === undefined) {
    return undefined;
  }
  const lower = md5.toLowerCase();
  if (!HEX_MD5.test(lower)) {
    throw StorageErrors.STORAGE_INTEGRITY(
      `store ${storeName}, key ${JSON.stringify(key)}: md5 ${JSON.stringify(md5)} is not 32 hex digits`,
    );
  }
  return lower;
}

/** The MD5 an S3 ETag stands for, only for a plain single-part ETag (`"…-N"` is a multipart digest). */
export function md5FromEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) {
    return undefined;
  }
  const bare = etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  return HEX_MD5.test(bare) ? bare : undefined;
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Azure returns Content-MD5 as bytes; an empty or malformed value is treated as absent. */
export function md5FromBytes(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.byteLength !== 16) {
    return undefined;
  }
  return Buffer.from(bytes).toString('hex');
}

export function integrityError(storeName: string, key: string, expected: string, actual: string) {
  return StorageErrors.STORAGE_INTEGRITY(
    `store ${storeName}, key ${JSON.stringify(key)}: content MD5 is ${actual}, the caller announced ${expected}; nothing was stored`,
  );
}
