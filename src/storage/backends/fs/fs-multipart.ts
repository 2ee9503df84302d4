/**
 * Multipart uploads on an fs store, resumable across crashes and processes: an upload is a folder
 * under `.hdh-store/uploads/` holding `upload.json` (key, metadata) and one file per part, each part
 * renamed into place only once fully written and fsynced. `listParts` reads the folder back;
 * `complete` concatenates the parts into a temporary file and renames it over the key like any put.
 * @module
 */
import type { Hash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompletedPart, MultipartStore, ObjectInfo, OpOptions, PutOptions } from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { throwIfAborted } from '../../common/abort.js';
import { md5Hash } from '../../common/bodies.js';
import { checkMd5, integrityError } from '../../common/digests.js';
import { checkMetadata } from '../../common/metadata.js';
import { checkCompletion, checkPartNumber } from '../../common/multipart-checks.js';
import { errnoOf, translateFsError } from './fs-errors.js';
import type { FsStore } from './fs-store.js';

interface UploadRecord {
  readonly key: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly md5?: string;
  readonly createdAt: string;
}

const PART_FILE = /^part-(\d{5})$/;
const COPY_BUFFER = 1024 * 1024;

export class FsMultipart implements MultipartStore {
  constructor(private readonly store: FsStore) {}

  async create(key: string, options: PutOptions = {}): Promise<{ readonly uploadId: string }> {
    const what = `${this.store.what(key)}: create upload`;
    try {
      throwIfAborted(options.signal, what);
      this.store.layout.checkKey(key);
      checkMetadata(options.metadata, this.store.name, key);
      const md5 = checkMd5(options.md5, this.store.name, key);
      const uploadId = this.store.layout.newUploadId();
      const record: UploadRecord = {
        key,
        metadata: { ...options.metadata },
        ...(md5 === undefined ? {} : { md5 }),
        createdAt: new Date().toISOString(),
      };
      const dir = this.store.layout.uploadDir(key, uploadId);
      await this.store.files.writeSmall(join(dir, 'upload.json'), JSON.stringify(record), what);
      return { uploadId };
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
    options: OpOptions = {},
  ): Promise<CompletedPart> {
    const what = `${this.store.what(key)}: upload ${uploadId} part ${partNumber}`;
    try {
      checkPartNumber(partNumber, this.store.capabilities.maxParts, what);
      const dir = await this.uploadDir(key, uploadId);
      const temp = await this.store.files.writeTemp([body], options.signal);
      try {
        // No folder creation here: an upload aborted meanwhile must stay gone.
        await this.store.files.commit(temp.path, this.store.layout.partPath(dir, partNumber), what, false);
      } catch (err) {
        await rm(temp.path, { force: true });
        if (errnoOf(err) === 'ENOENT') {
          throw this.notFound(key, uploadId);
        }
        throw err;
      }
      return { partNumber, etag: partEtag(temp.stat), size: body.byteLength };
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async listParts(key: string, uploadId: string, options: OpOptions = {}): Promise<CompletedPart[]> {
    const what = `${this.store.what(key)}: upload ${uploadId}`;
    try {
      throwIfAborted(options.signal, what);
      const dir = await this.uploadDir(key, uploadId);
      return await this.readParts(dir);
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async complete(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
    options: OpOptions = {},
  ): Promise<ObjectInfo> {
    const what = `${this.store.what(key)}: complete upload ${uploadId}`;
    try {
      throwIfAborted(options.signal, what);
      const dir = await this.uploadDir(key, uploadId);
      const record = await this.record(key, uploadId, dir);
      const held = new Map((await this.readParts(dir)).map((p) => [p.partNumber, p]));
      checkCompletion(parts, held, this.store.capabilities.minPartBytes, what);
      const hash = record.md5 === undefined ? undefined : md5Hash();
      const paths = parts.map((p) => this.store.layout.partPath(dir, p.partNumber));
      const temp = await this.store.files.writeTemp(concatenate(paths, options.signal, hash), options.signal);
      if (hash !== undefined) {
        // Only when the creator announced an MD5: hashing is the price of checking it.
        const actual = hash.digest('hex');
        if (actual !== record.md5) {
          await rm(temp.path, { force: true });
          throw integrityError(this.store.name, key, record.md5!, actual);
        }
      }
      const info = await this.store.commitObject(
        key,
        temp,
        { metadata: record.metadata, md5: record.md5 },
        options.signal,
      );
      await rm(dir, { recursive: true, force: true });
      return info;
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async abort(key: string, uploadId: string, options: OpOptions = {}): Promise<void> {
    const what = `${this.store.what(key)}: abort upload ${uploadId}`;
    try {
      throwIfAborted(options.signal, what);
      this.store.layout.checkKey(key);
      const dir = this.store.layout.uploadDir(key, uploadId);
      const record = await this.record(key, uploadId, dir).catch(() => undefined);
      if (record !== undefined) {
        await rm(dir, { recursive: true, force: true });
      }
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  private async uploadDir(key: string, uploadId: string): Promise<string> {
    this.store.layout.checkKey(key);
    const dir = this.store.layout.uploadDir(key, uploadId);
    await this.record(key, uploadId, dir);
    return dir;
  }

  private async record(key: string, uploadId: string, dir: string): Promise<UploadRecord> {
    let record: UploadRecord;
    try {
      record = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as UploadRecord;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || err instanceof SyntaxError) {
        throw this.notFound(key, uploadId);
      }
      throw err;
    }
    if (record.key !== key) {
      throw this.notFound(key, uploadId);
    }
    return record;
  }

  private async readParts(dir: string): Promise<CompletedPart[]> {
    const parts: CompletedPart[] = [];
    for (const name of (await readdir(dir)).sort()) {
      const m = PART_FILE.exec(name);
      if (m === null) {
        continue;
      }
      const s = await stat(join(dir, name), { bigint: true }).catch(() => undefined);
      if (s !== undefined) {
        parts.push({ partNumber: Number(m[1]), etag: partEtag(s), size: Number(s.size) });
      }
    }
    return parts;
  }

  private notFound(key: string, uploadId: string) {
    return StorageErrors.STORAGE_UPLOAD_NOT_FOUND(
      `${this.store.what(key)}: no multipart upload ${uploadId} in progress`,
    );
  }
}

/** A part's etag: its file's identity, which changes whenever the part is written again. */
function partEtag(s: BigIntStats): string {
  return `${s.ino.toString(16)}-${s.mtimeNs.toString(16)}`;
}

async function* concatenate(
  paths: readonly string[],
  signal: AbortSignal | undefined,
  hash: Hash | undefined,
): AsyncGenerator<Buffer> {
  for (const path of paths) {
    const handle = await open(path, 'r');
    try {
      for (;;) {
        throwIfAborted(signal, 'complete');
        const buffer = Buffer.allocUnsafe(COPY_BUFFER);
        const { bytesRead } = await handle.read(buffer, 0, COPY_BUFFER, null);
        if (bytesRead === 0) {
          break;
        }
        const chunk = buffer.subarray(0, bytesRead);
        hash?.update(chunk);
        yield chunk;
      }
    } finally {
      await handle.close();
    }
  }
}
