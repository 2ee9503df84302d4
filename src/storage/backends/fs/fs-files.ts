/**
 * Atomic file writes for the fs backend: bytes go to a temporary file in the store's own tmp folder
 * (same file system), are fsynced, then renamed over the target and the target's folder fsynced. A
 * failed or interrupted write leaves at worst a temporary file (swept later), never a partial object.
 * @module
 */
import type { BigIntStats } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageErrors } from '../../errors.js';
import { throwIfAborted } from '../../common/abort.js';
import { errnoOf } from './fs-errors.js';
import type { FsLayout } from './fs-layout.js';

/** Bytes gathered before a write. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/**
 * Bytes written after which a large file's writeback is started (an fdatasync not waited for):
 * the disk then writes while the copy goes on, and the fsync before the rename only waits for the
 * rest, not for the whole file (many large objects copied at once otherwise all wait at their end).
 */
const EARLY_WRITEBACK_BYTES = 32 * 1024 * 1024;
/** Temporary files older than this are leftovers of crashed writes. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

export interface TempFile {
  readonly path: string;
  readonly stat: BigIntStats;
}

/** Folders remembered as existing before the set is forgotten (a bound on memory, not on correctness). */
const MAX_KNOWN_DIRS = 10_000;

interface DirSync {
  /** The fsync running now. */
  current: Promise<void> | undefined;
  /** The next fsync, shared by every caller that asked while `current` ran; not started yet. */
  queued: Promise<void> | undefined;
}

export class FsFiles {
  private tmpReady: Promise<void> | undefined;
  /** Folders this process created or found: no mkdir before each rename into them. */
  private readonly knownDirs = new Set<string>();
  private readonly dirSyncs = new Map<string, DirSync>();

  constructor(private readonly layout: FsLayout) {}

  /** Writes `chunks` to a new temporary file, fsynced; removes it again if anything fails. */
  async writeTemp(
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<TempFile> {
    return this.writeTempWith(async (handle) => {
      let writeback: Promise<unknown> | undefined;
      try {
        // Small chunks are gathered and written together: one system call per MiB, without copying.
        let batch: Uint8Array[] = [];
        let batchBytes = 0;
        let sinceWriteback = 0;
        for await (const chunk of chunks) {
          throwIfAborted(signal, 'write');
          batch.push(chunk);
          batchBytes += chunk.length;
          if (batchBytes >= WRITE_BATCH_BYTES) {
            await writeAll(handle, batch, batchBytes);
            sinceWriteback += batchBytes;
            batch = [];
            batchBytes = 0;
            if (sinceWriteback >= EARLY_WRITEBACK_BYTES) {
              // One at a time; its outcome is awaited below (the fsync that counts comes after it).
              await writeback;
              writeback = handle.datasync();
              sinceWriteback = 0;
            }
          }
        }
        await writeAll(handle, batch, batchBytes);
        await writeback;
      } catch (err) {
        // The handle is closed on failure: not while an early writeback still runs on it.
        await writeback?.catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * A new temporary file, handed open to `write`, then fsynced; removed again if anything fails.
   * `write` writes from the file's start at the handle's own position.
   */
  async writeTempWith(write: (handle: FileHandle) => Promise<void>): Promise<TempFile> {
    await this.ensureTmp();
    const path = this.layout.tempPath();
    const handle = await open(path, 'wx', 0o644);
    try {
      await write(handle);
      await handle.sync();
      const stats = await handle.stat({ bigint: true });
      await handle.close();
      return { path, stat: stats };
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(path, { force: true });
      throw err;
    }
  }

  /**
   * Renames `temp` over `target` and fsyncs the target's folder. With `createParent`, creates the
   * folders on the way (retrying when a concurrent delete prunes them in between).
   */
  async commit(temp: string, target: string, what: string, createParent = true): Promise<void> {
    const parent = dirname(target);
    for (let attempt = 0; ; attempt++) {
      if (createParent) {
        await this.mkdirFor(parent, what);
      }
      try {
        await rename(temp, target);
        break;
      } catch (err) {
        const code = errnoOf(err);
        const stale = code === 'ENOTDIR' && this.knownDirs.has(parent);
        if ((code === 'ENOENT' || stale) && createParent && attempt < 5) {
          // The folder was pruned meanwhile (a delete of its last object): made again, or the
          // collision with an object reported as mkdir reports it.
          this.knownDirs.delete(parent);
          continue;
        }
        if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
          throw StorageErrors.STORAGE_KEY_INVALID(
            `${what}: the key is a folder of other objects on this fs store; a file system cannot hold both`,
            { cause: err },
          );
        }
        throw err;
      }
    }
    await this.syncDirShared(parent);
  }

  /**
   * fsyncs `dir` so that a rename done before this call is durable. Concurrent callers share
   * fsyncs (a group commit): one that asks while an fsync runs waits for the next one, which
   * starts after that and so covers its rename; all who ask meanwhile share that next one.
   */
  private syncDirShared(dir: string): Promise<void> {
    let entry = this.dirSyncs.get(dir);
    if (entry === undefined) {
      entry = { current: undefined, queued: undefined };
      this.dirSyncs.set(dir, entry);
    }
    if (entry.queued !== undefined) {
      return entry.queued;
    }
    const e = entry;
    const start = (): Promise<void> => {
      e.queued = undefined;
      const run = syncDir(dir);
      e.current = run;
      void run
        .catch(() => undefined)
        .finally(() => {
          if (e.current === run) {
            e.current = undefined;
            if (e.queued === undefined) {
              this.dirSyncs.delete(dir);
            }
          }
        });
      return run;
    };
    if (e.current === undefined) {
      return start();
    }
    e.queued = e.current.catch(() => undefined).then(start);
    return e.queued;
  }

  /** Writes `data` atomically at `target` (small files: sidecars, upload records). */
  async writeSmall(target: string, data: string | Uint8Array, what: string): Promise<void> {
    const temp = await this.writeTemp([typeof data === 'string' ? Buffer.from(data) : data]);
    try {
      await this.commit(temp.path, target, what);
    } catch (err) {
      await rm(temp.path, { force: true });
      throw err;
    }
  }

  private async mkdirFor(dir: string, what: string): Promise<void> {
    if (this.knownDirs.has(dir)) {
      return;
    }
    try {
      await mkdir(dir, { recursive: true });
      if (this.knownDirs.size >= MAX_KNOWN_DIRS) {
        this.knownDirs.clear();
      }
      this.knownDirs.add(dir);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw StorageErrors.STORAGE_KEY_INVALID(
          `${what}: a leading part of the key is an object on this fs store; a file system cannot hold both`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Makes the temporary folder, once, and sweeps stale files out of it. */
  ready(): Promise<void> {
    return this.ensureTmp();
  }

  private ensureTmp(): Promise<void> {
    this.tmpReady ??= (async () => {
      await mkdir(this.layout.tmpDir, { recursive: true });
      await this.sweepTemp().catch(() => undefined);
    })();
    // A failed attempt (e.g. the disk was full) is tried again on the next write.
    return this.tmpReady.catch((err: unknown) => {
      this.tmpReady = undefined;
      throw err;
    });
  }

  /** Removes temporary files that crashed writes left behind long ago. */
  private async sweepTemp(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.layout.tmpDir)) {
      const path = join(this.layout.tmpDir, name);
      const s = await stat(path).catch(() => undefined);
      if (s !== undefined && now - s.mtimeMs > STALE_TEMP_MS) {
        await rm(path, { force: true });
      }
    }
  }
}

/** Writes every byte of `buffers`, resuming after a short write. */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], total: number): Promise<void> {
  if (total === 0) {
    return;
  }
  const { bytesWritten } = await handle.writev(buffers);
  if (bytesWritten === total) {
    return;
  }
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  let written = 0;
  while (written < rest.length) {
    written += (await handle.write(rest, written, rest.length - written)).bytesWritten;
  }
}

/** fsyncs a folder so that a rename into it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync folders; the rename itself is still atomic there.
    if (errnoOf(err) !== 'EINVAL') {
      throw err;
    }
  } finally {
    await handle.close();
  }
}
