/**
 * The fs backend: one file per object under the store's root (see fs-layout.ts), written atomically;
 * metadata in sidecars (fs-sidecar.ts); listing streamed in key order (fs-list.ts); multipart uploads
 * staged as part files that survive a crash (fs-multipart.ts).
 * @module
 */
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import { copyFile, lstat, mkdir, open, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { BodySource } from '../../../core/index.js';
import type {
  FileWritingStore,
  GetOptions,
  HeadOptions,
  ListOptions,
  ObjectInfo,
  OpOptions,
  PutOptions,
  StoreCapabilities,
} from '../../object-store.js';
import { StorageErrors } from '../../errors.js';
import { throwIfAborted } from '../../common/abort.js';
import { emptyStream, guardStream, md5Hash, meteredBody } from '../../common/bodies.js';
import { checkMd5, integrityError } from '../../common/digests.js';
import { checkPrefix, describeKey } from '../../common/keys.js';
import { checkMetadata } from '../../common/metadata.js';
import { checkRange, resolveRange } from '../../common/ranges.js';
import { FS_CAPABILITIES, type FsStoreOptions } from './fs-config.js';
import { errnoOf, translateFsError } from './fs-errors.js';
import { FsFiles, type TempFile } from './fs-files.js';
import { FsLayout } from './fs-layout.js';
import { walkFiles } from './fs-list.js';
import { FsMultipart } from './fs-multipart.js';
import { fileEtag, type FsStoreAddress } from './fs-sync.js';
import { SidecarPresence, fileIdentity, removeSidecar, sidecarEntry, writeSidecar } from './fs-sidecar.js';

/** Objects up to this size are read in one call rather than streamed. */
const WHOLE_READ_BYTES = 1024 * 1024;

/** Files whose sizes are read at once while listing (keeps the walk from waiting on each stat). */
const LIST_STAT_BATCH = 64;

export class FsStore implements FileWritingStore {
  readonly kind = 'fs';
  readonly name: string;
  readonly root: string;
  readonly capabilities: StoreCapabilities = FS_CAPABILITIES;
  readonly multipart: FsMultipart;
  /** @internal */
  readonly layout: FsLayout;
  /** @internal */
  readonly files: FsFiles;
  private readonly sidecars: SidecarPresence;

  private constructor(options: FsStoreOptions) {
    this.name = options.name;
    this.root = resolve(options.root);
    this.layout = new FsLayout(options.root, options.name, this.capabilities.maxKeyBytes);
    this.files = new FsFiles(this.layout);
    this.sidecars = new SidecarPresence(this.layout);
    this.multipart = new FsMultipart(this);
  }

  /** Opens the store at `options.root`: STORAGE_BUCKET_NOT_FOUND when the folder does not exist. */
  static async open(options: FsStoreOptions): Promise<FsStore> {
    const root = resolve(options.root);
    const what = `store ${options.name}: root ${root}`;
    try {
      if (options.createRoot === true) {
        await mkdir(root, { recursive: true });
      }
      const s = await stat(root);
      if (!s.isDirectory()) {
        throw StorageErrors.STORAGE_BUCKET_NOT_FOUND(`${what} is not a folder`);
      }
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw StorageErrors.STORAGE_BUCKET_NOT_FOUND(`${what} does not exist`, { cause: err });
      }
      throw translateFsError(err, what);
    }
    return new FsStore({ ...options, root });
  }

  async head(key: string, options: HeadOptions = {}): Promise<ObjectInfo | undefined> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.layout.checkKey(key);
      const s = await statFile(this.layout.objectPath(key));
      return s === undefined ? undefined : await this.info(key, s, options.metadata !== false);
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<Readable> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.layout.checkKey(key);
      checkRange(options.range, what);
      // O_NOFOLLOW: a symbolic link is not an object (it could point outside the root).
      const handle = await open(this.layout.objectPath(key), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      let range: { start: number; end: number };
      try {
        const s = await handle.stat();
        if (!s.isFile()) {
          throw StorageErrors.STORAGE_NOT_FOUND(`${what}: no such object`);
        }
        range = resolveRange(options.range, s.size, what);
      } catch (err) {
        await handle.close();
        throw err;
      }
      const { start, end } = range;
      if (end <= start) {
        await handle.close();
        return emptyStream();
      }
      if (end - start <= WHOLE_READ_BYTES) {
        // Small: one read and a close, without a file stream's setup and its extra read at the end.
        try {
          return Readable.from([await readWhole(handle, start, end - start)], { objectMode: false });
        } finally {
          await handle.close();
        }
      }
      const stream = handle.createReadStream({ start, end: end - 1, highWaterMark: 256 * 1024 });
      return guardStream(stream, {
        translate: (err) => translateFsError(err, what),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (err) {
      if (errnoOf(err) === 'ELOOP') {
        throw StorageErrors.STORAGE_NOT_FOUND(`${what}: no such object`);
      }
      throw translateFsError(err, what, options.signal);
    }
  }

  async put(key: string, body: BodySource, options: PutOptions = {}): Promise<ObjectInfo> {
    const what = this.what(key);
    try {
      this.layout.checkKey(key);
      checkMetadata(options.metadata, this.name, key);
      const md5 = checkMd5(options.md5, this.name, key);
      if (options.size !== undefined && options.size > this.capabilities.maxObjectBytes) {
        throw StorageErrors.STORAGE_TOO_LARGE(`${what}: ${options.size} bytes is over this store's limit`);
      }
      const hash = md5 === undefined ? undefined : md5Hash();
      const chunks = meteredBody(body, {
        maxBytes: this.capabilities.maxObjectBytes,
        what,
        ...(options.size === undefined ? {} : { expectedSize: options.size }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(hash === undefined ? {} : { hash }),
      });
      const temp = await this.files.writeTemp(chunks, options.signal);
      const actual = hash?.digest('hex');
      if (md5 !== undefined && actual !== md5) {
        await rm(temp.path, { force: true });
        throw integrityError(this.name, key, md5, actual ?? '');
      }
      return await this.commitObject(key, temp, { metadata: options.metadata ?? {}, md5 }, options.signal);
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  /** See {@link FileWritingStore.putWritten}: the store's atomic write around the caller's own. */
  async putWritten(
    key: string,
    write: (file: FileHandle) => Promise<void>,
    options: Omit<PutOptions, 'md5'> = {},
  ): Promise<ObjectInfo> {
    const what = this.what(key);
    try {
      this.layout.checkKey(key);
      checkMetadata(options.metadata, this.name, key);
      const { size, signal } = options;
      if (size !== undefined && size > this.capabilities.maxObjectBytes) {
        throw StorageErrors.STORAGE_TOO_LARGE(`${what}: ${size} bytes is over this store's limit`);
      }
      throwIfAborted(signal, what);
      const temp = await this.files.writeTempWith(async (file) => {
        await write(file);
        throwIfAborted(signal, what);
      });
      const written = Number(temp.stat.size);
      if (written > this.capabilities.maxObjectBytes || (size !== undefined && written !== size)) {
        await rm(temp.path, { force: true });
        throw size !== undefined && written !== size
          ? StorageErrors.STORAGE_SIZE_MISMATCH(
              `${what}: ${written} bytes were written; ${size} were announced`,
            )
          : StorageErrors.STORAGE_TOO_LARGE(`${what}: the body exceeds this store's limit`);
      }
      return await this.commitObject(key, temp, { metadata: options.metadata ?? {}, md5: undefined }, signal);
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async delete(key: string, options: OpOptions = {}): Promise<void> {
    const what = this.what(key);
    try {
      throwIfAborted(options.signal, what);
      this.layout.checkKey(key);
      const path = this.layout.objectPath(key);
      try {
        await unlink(path);
      } catch (err) {
        const code = errnoOf(err);
        // Nothing there (or a folder of other objects, which is not this key): deleting is done.
        if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR' && code !== 'EPERM') {
          throw err;
        }
        if (code === 'EPERM' && (await statFile(path)) !== undefined) {
          throw err;
        }
      }
      if (await this.sidecars.mayExist()) {
        await removeSidecar(this.layout, key);
      }
      await this.pruneFolders(dirname(path));
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const what = `store ${this.name}: listing ${describeKey(prefix)}`;
    try {
      checkPrefix(prefix, this.capabilities.maxKeyBytes, this.name);
      let batch: { key: string; path: string }[] = [];
      const flush = async function* (this: FsStore): AsyncGenerator<ObjectInfo> {
        const stats = await Promise.all(batch.map((f) => statFile(f.path)));
        for (const [i, f] of batch.entries()) {
          const s = stats[i];
          // A file removed between the folder read and the stat is simply no longer listed.
          if (s !== undefined) {
            yield await this.info(f.key, s, false);
          }
        }
        batch = [];
      };
      for await (const file of walkFiles(this.root, prefix, options.startAfter, options.signal)) {
        batch.push(file);
        if (batch.length >= LIST_STAT_BATCH) {
          yield* flush.call(this);
        }
      }
      yield* flush.call(this);
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  async copy(sourceKey: string, targetKey: string, options: OpOptions = {}): Promise<ObjectInfo> {
    const what = `${this.what(targetKey)}: copy from ${describeKey(sourceKey)}`;
    try {
      throwIfAborted(options.signal, what);
      this.layout.checkKey(sourceKey);
      this.layout.checkKey(targetKey);
      const source = this.layout.objectPath(sourceKey);
      const sourceStat = await statFile(source);
      if (sourceStat === undefined) {
        throw StorageErrors.STORAGE_NOT_FOUND(`${this.what(sourceKey)}: no such object`);
      }
      const entry = await sidecarEntry(this.layout, sourceKey, sourceStat);
      const temp = await this.files.writeTemp([], options.signal);
      try {
        // A reflink where the file system offers one, a plain copy elsewhere.
        await copyFile(source, temp.path, fsConstants.COPYFILE_FICLONE);
        const handle = await open(temp.path, 'r+');
        let copied: BigIntStats;
        try {
          await handle.sync();
          copied = await handle.stat({ bigint: true });
        } finally {
          await handle.close();
        }
        return await this.commitObject(
          targetKey,
          { path: temp.path, stat: copied },
          { metadata: entry?.metadata ?? {}, md5: entry?.md5 },
          options.signal,
        );
      } catch (err) {
        await rm(temp.path, { force: true });
        throw err;
      }
    } catch (err) {
      throw translateFsError(err, what, options.signal);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Where a worker thread finds this store's objects (see fs-sync.ts). */
  get address(): FsStoreAddress {
    return { name: this.name, root: this.root };
  }

  /**
   * Readies the temporary folder (and sweeps what crashed writes left there) before puts made by
   * another thread (fs-sync.ts), which does neither.
   */
  prepareWrites(): Promise<void> {
    return this.files.ready();
  }

  /**
   * Renames a finished temporary file over `key`, its sidecar written first when it has metadata
   * or an MD5. The temporary file is removed when anything fails.
   * @internal
   */
  async commitObject(
    key: string,
    temp: TempFile,
    extra: { metadata: Readonly<Record<string, string>>; md5: string | undefined },
    signal: AbortSignal | undefined,
  ): Promise<ObjectInfo> {
    const what = this.what(key);
    const target = this.layout.objectPath(key);
    try {
      throwIfAborted(signal, what);
      const withSidecar = Object.keys(extra.metadata).length > 0 || extra.md5 !== undefined;
      if (withSidecar) {
        const entry = {
          ...fileIdentity(temp.stat),
          metadata: extra.metadata,
          ...(extra.md5 === undefined ? {} : { md5: extra.md5 }),
        };
        this.sidecars.written();
        await writeSidecar(this.layout, this.files, key, entry, await statFile(target), what);
      }
      // Past this point the put has happened: an abort can no longer undo it.
      await this.files.commit(temp.path, target, what);
      if (!withSidecar && (await this.sidecars.mayExist())) {
        await removeSidecar(this.layout, key);
      }
    } catch (err) {
      await rm(temp.path, { force: true });
      throw err;
    }
    return {
      ...this.baseInfo(key, temp.stat),
      metadata: { ...extra.metadata },
      ...(extra.md5 === undefined ? {} : { md5: extra.md5 }),
    };
  }

  /** @internal */
  what(key: string): string {
    return `store ${this.name}, key ${describeKey(key)}`;
  }

  private async info(key: string, s: BigIntStats, withMetadata: boolean): Promise<ObjectInfo> {
    const entry = withMetadata ? await sidecarEntry(this.layout, key, s) : undefined;
    return {
      ...this.baseInfo(key, s),
      ...(withMetadata ? { metadata: { ...entry?.metadata } } : {}),
      ...(entry?.md5 === undefined ? {} : { md5: entry.md5 }),
    };
  }

  private baseInfo(key: string, s: BigIntStats): ObjectInfo {
    return {
      key,
      size: Number(s.size),
      lastModified: new Date(Number(s.mtimeMs)),
      // Every put writes a new file: its inode and nanosecond mtime change with the content.
      etag: fileEtag(s),
    };
  }

  /** Removes folders left empty by a delete, up to the root (a concurrent put may refill them: fine). */
  private async pruneFolders(dir: string): Promise<void> {
    let current = dir;
    while (current.length > this.root.length && current.startsWith(this.root)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }
}

/** Reads up to `length` bytes at `position`: fewer when the file was cut short meanwhile, as a stream would. */
async function readWhole(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let at = 0;
  while (at < length) {
    const { bytesRead } = await handle.read(buffer, at, length - at, position + at);
    if (bytesRead === 0) {
      return buffer.subarray(0, at);
    }
    at += bytesRead;
  }
  return buffer;
}

/** Stats a regular file; undefined when there is none (missing, a folder, a link). */
async function statFile(path: string): Promise<BigIntStats | undefined> {
  try {
    const s = await lstat(path, { bigint: true });
    return s.isFile() ? s : undefined;
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
}
