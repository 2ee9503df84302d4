/**
 * Where things live under an fs store's root. Objects are plain files at their key's path, so the
 * root is readable with ordinary tools and a folder written by another system can be opened as a
 * (legacy) store. Everything the store needs besides objects sits in one reserved folder, on the same
 * file system so that renames out of it are atomic:
 *
 * ```
 * ROOT/<key>                              the object's bytes
 * ROOT/.hdh-store/tmp/<random>.tmp        files being written (renamed into place when complete)
 * ROOT/.hdh-store/meta/<h2>/<h>.json      metadata and MD5 of an object, h = SHA-256 of its key
 * ROOT/.hdh-store/uploads/<id>/           a multipart upload: upload.json and part-NNNNN files
 * ```
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { StorageErrors } from '../../errors.js';
import { checkKey, describeKey } from '../../common/keys.js';
import { FS_MAX_SEGMENT_BYTES } from './fs-config.js';

/** The reserved folder at the root: never an object, never listed. */
export const STORE_DIR = '.hdh-store';
const UPLOAD_ID = /^[0-9a-f]{32}$/;

export class FsLayout {
  readonly tmpDir: string;
  readonly metaDir: string;
  readonly uploadsDir: string;

  constructor(
    readonly root: string,
    readonly storeName: string,
    readonly maxKeyBytes: number,
  ) {
    this.tmpDir = join(root, STORE_DIR, 'tmp');
    this.metaDir = join(root, STORE_DIR, 'meta');
    this.uploadsDir = join(root, STORE_DIR, 'uploads');
  }

  /**
   * Checks `key` against the shared rules and the file system's: no empty segment (so no leading,
   * trailing or double slash), no segment over 255 bytes, not inside the reserved folder.
   */
  checkKey(key: string): void {
    checkKey(key, this.maxKeyBytes, this.storeName);
    const segments = key.split('/');
    for (const segment of segments) {
      if (segment === '') {
        throw StorageErrors.STORAGE_KEY_INVALID(
          `store ${this.storeName}: key ${describeKey(key)} has an empty segment (a leading, trailing or double slash), which a file system cannot hold`,
        );
      }
      if (Buffer.byteLength(segment) > FS_MAX_SEGMENT_BYTES) {
        throw StorageErrors.STORAGE_KEY_INVALID(
          `store ${this.storeName}: key ${describeKey(key)} has a segment longer than ${FS_MAX_SEGMENT_BYTES} bytes`,
        );
      }
    }
    if (segments[0] === STORE_DIR) {
      throw StorageErrors.STORAGE_KEY_INVALID(
        `store ${this.storeName}: keys under ${STORE_DIR}/ are reserved for the store itself`,
      );
    }
  }

  /** The object's path; `key` must have passed {@link checkKey}. */
  objectPath(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  /** The metadata sidecar of `key`: named by a digest, so any key fits and no two collide. */
  metaPath(key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return join(this.metaDir, h.slice(0, 2), `${h}.json`);
  }

  tempPath(): string {
    return join(this.tmpDir, `${randomBytes(12).toString('hex')}.tmp`);
  }

  newUploadId(): string {
    return randomBytes(16).toString('hex');
  }

  /** The upload's folder, or STORAGE_UPLOAD_NOT_FOUND for an id this store never issued. */
  uploadDir(key: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) {
      throw StorageErrors.STORAGE_UPLOAD_NOT_FOUND(
        `store ${this.storeName}, key ${describeKey(key)}: ${JSON.stringify(uploadId)} is not an upload id of an fs store`,
      );
    }
    return join(this.uploadsDir, uploadId);
  }

  partPath(uploadDir: string, partNumber: number): string {
    return join(uploadDir, `part-${String(partNumber).padStart(5, '0')}`);
  }
}
