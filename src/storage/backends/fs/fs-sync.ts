/**
 * Object I/O over an fs store's layout for worker threads that copy many small objects (a
 * migration): synchronous calls where they cost CPU (each async fs call costs the calling thread a
 * hand-off through libuv's pool), concurrent asynchronous fsyncs where they wait on the disk. The
 * writes keep {@link FsStore.put}'s guarantees: a temporary file, fsynced, renamed over the object,
 * its folder fsynced before the caller reports the object written; a stale sidecar removed.
 *
 * Errors are the system's (with `code`): the caller falls back to {@link FsStore} for the object,
 * whose errors are the store's coded ones.
 * @module
 */
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import { promisify } from 'node:util';
import {
  closeSync,
  fstatSync,
  fsync,
  lstatSync,
  open as openCallback,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { FS_CAPABILITIES } from './fs-config.js';
import { errnoOf } from './fs-errors.js';
import { syncDir } from './fs-files.js';
import { FsLayout } from './fs-layout.js';

/** Folders remembered as existing before the set is forgotten (a bound on memory, not on correctness). */
const MAX_KNOWN_DIRS = 10_000;

/** The version marker an fs store reports: every put writes a new file (new inode, new mtime in ns). */
export function fileEtag(stat: { readonly ino: bigint; readonly mtimeNs: bigint }): string {
  return `${stat.ino.toString(16)}-${stat.mtimeNs.toString(16)}`;
}

/** What a worker needs to address an fs store's objects (plain data: it crosses threads). */
export interface FsStoreAddress {
  readonly name: string;
  readonly root: string;
}

/** The layout of the store at `address`, as {@link FsStore} builds it. */
export function layoutOf(address: FsStoreAddress): FsLayout {
  return new FsLayout(address.root, address.name, FS_CAPABILITIES.maxKeyBytes);
}

/** Stats a regular file without following a link; undefined when there is none. */
export function statFileSync(path: string): BigIntStats | undefined {
  try {
    const s = lstatSync(path, { bigint: true });
    return s.isFile() ? s : undefined;
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return undefined;
    }
    throw err;
  }
}

/** Reads a whole regular file (not through a link, as {@link FsStore.get}); ENOENT when it is not one. */
export function readFileSyncNoFollow(path: string): Buffer {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) {
      throw Object.assign(new Error(`${path} is not a file`), { code: 'ENOENT' });
    }
    const buffer = Buffer.allocUnsafe(s.size);
    let at = 0;
    while (at < buffer.length) {
      const n = readSync(fd, buffer, at, buffer.length - at, at);
      if (n === 0) {
        // Cut short meanwhile: the bytes there are, as a stream would give them.
        return buffer.subarray(0, at);
      }
      at += n;
    }
    return buffer;
  } finally {
    closeSync(fd);
  }
}

/** An object written to its temporary file, not yet fsynced nor renamed into place. */
export interface StagedObject {
  readonly key: string;
  readonly temp: string;
  readonly fd: number;
}

/**
 * Writes objects of one fs store the way {@link FsStore.put} does, a batch at a time: temporary
 * files created at once and written with synchronous calls, then the batch's fsyncs made at once
 * (creates and fsyncs wait on the disk, not on the CPU: one after the other they would add up), the
 * files renamed into place, and the folders renamed into fsynced at once.
 */
export class BatchObjectWriter {
  readonly layout: FsLayout;
  #tmpReady = false;
  /** Folders made or found: no mkdir before each rename into them. */
  readonly #knownDirs = new Set<string>();
  #sidecars = false;

  constructor(address: FsStoreAddress) {
    this.layout = layoutOf(address);
  }

  /**
   * Writes each object (its key checked by the caller) to a new temporary file: the files are
   * created at once (a create waits on the file system's journal, about a millisecond on a busy
   * disk: one after the other they would add up), then written with synchronous calls.
   */
  async stage(objects: readonly { key: string; data: Uint8Array }[]): Promise<(StagedObject | Error)[]> {
    if (!this.#tmpReady) {
      mkdirSync(this.layout.tmpDir, { recursive: true });
      this.#tmpReady = true;
    }
    const opened = await Promise.all(
      objects.map(async () => {
        const temp = this.layout.tempPath();
        try {
          return { temp, fd: await openAsync(temp, 'wx', 0o644) };
        } catch (err) {
          return asError(err);
        }
      }),
    );
    return objects.map((o, i) => {
      const file = opened[i]!;
      if (file instanceof Error) {
        return file;
      }
      try {
        let at = 0;
        while (at < o.data.length) {
          at += writeSync(file.fd, o.data, at, o.data.length - at);
        }
        return { key: o.key, ...file };
      } catch (err) {
        closeSync(file.fd);
        unlinkQuietly(file.temp);
        return asError(err);
      }
    });
  }

  /**
   * Makes the staged objects durable and visible: fsyncs, renames over their keys (a stale
   * sidecar removed, as {@link FsStore.put} does), fsyncs the folders. Per object, the stat of the
   * file now at its key, or the error that kept it out (its temporary file removed). When a
   * folder's fsync fails, every object renamed into it has that error: it may not be durable.
   */
  async commit(staged: readonly StagedObject[]): Promise<(BigIntStats | Error)[]> {
    this.#lookForSidecars();
    const synced = await Promise.all(staged.map((s) => settle(fsyncAsync(s.fd))));
    const results: (BigIntStats | Error)[] = [];
    const folders = new Map<string, number[]>();
    for (const [i, s] of staged.entries()) {
      let stat: BigIntStats | undefined;
      try {
        const failed = synced[i];
        if (failed !== undefined) {
          throw failed;
        }
        stat = fstatSync(s.fd, { bigint: true });
      } catch (err) {
        results.push(asError(err));
      } finally {
        closeSync(s.fd);
      }
      if (stat === undefined) {
        unlinkQuietly(s.temp);
        continue;
      }
      try {
        const parent = this.#rename(s);
        folders.set(parent, [...(folders.get(parent) ?? []), i]);
        results.push(stat);
      } catch (err) {
        results.push(asError(err));
      }
    }
    const dirs = [...folders.keys()];
    const dirSynced = await Promise.all(dirs.map((d) => settle(syncDir(d))));
    for (const [n, dir] of dirs.entries()) {
      const failed = dirSynced[n];
      if (failed !== undefined) {
        for (const i of folders.get(dir)!) {
          results[i] = failed;
        }
      }
    }
    return results;
  }

  #rename(s: StagedObject): string {
    const target = this.layout.objectPath(s.key);
    const parent = dirname(target);
    try {
      if (!this.#knownDirs.has(parent)) {
        mkdirSync(parent, { recursive: true });
        if (this.#knownDirs.size >= MAX_KNOWN_DIRS) {
          this.#knownDirs.clear();
        }
        this.#knownDirs.add(parent);
      }
      renameSync(s.temp, target);
    } catch (err) {
      this.#knownDirs.delete(parent);
      unlinkQuietly(s.temp);
      throw err;
    }
    if (this.#sidecars) {
      unlinkQuietly(this.layout.metaPath(s.key));
    }
    return parent;
  }

  /** Whether the store keeps sidecars (its meta folder exists), looked for once per batch until found. */
  #lookForSidecars(): void {
    if (this.#sidecars) {
      return;
    }
    try {
      statSync(this.layout.metaDir);
      this.#sidecars = true;
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw err;
      }
    }
  }
}

const fsyncAsync = promisify(fsync);
const openAsync = promisify(openCallback);

/** The error `p` failed with, or undefined when it succeeded. */
function settle(p: Promise<void>): Promise<Error | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => asError(err),
  );
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    const code = errnoOf(err);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw err;
    }
  }
}
