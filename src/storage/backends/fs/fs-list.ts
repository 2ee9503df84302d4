/**
 * Listing of an fs store in key order without holding the listing: a depth-first walk that reads one
 * folder's names at a time, sorts them as their keys sort (a folder `d` as `d/`, since every key under
 * it starts with `d/`) and descends in place. Memory is bounded by the widest folder on the current
 * path, not by the number of objects under the prefix. Subtrees that sort entirely before `startAfter`
 * are never read.
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../../common/abort.js';
import { compareKeys } from '../../common/keys.js';
import { errnoOf } from './fs-errors.js';
import { STORE_DIR } from './fs-layout.js';

export interface WalkedFile {
  readonly key: string;
  readonly path: string;
}

interface Entry {
  readonly name: string;
  readonly dir: boolean;
  /** How the entry sorts among its siblings: its name, plus `/` for a folder. */
  readonly sortKey: string;
}

/** Yields every regular file whose key starts with `prefix` and sorts after `startAfter`, in key order. */
export async function* walkFiles(
  root: string,
  prefix: string,
  startAfter: string | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<WalkedFile> {
  const slash = prefix.lastIndexOf('/');
  const dirKey = prefix.slice(0, slash + 1);
  const namePrefix = prefix.slice(slash + 1);
  const folders = dirKey.split('/').slice(0, -1);
  // No key has an empty segment, and none lives in the store's own folder.
  if (folders.some((s) => s === '' || s === '.' || s === '..') || folders[0] === STORE_DIR) {
    return;
  }
  // A prefix's folder part that does not exist, or is a file, simply holds nothing.
  yield* walkDir(root, dirKey, namePrefix, startAfter, signal);
}

async function* walkDir(
  root: string,
  dirKey: string,
  namePrefix: string,
  startAfter: string | undefined,
  signal: AbortSignal | undefined,
): AsyncGenerator<WalkedFile> {
  throwIfAborted(signal, 'listing');
  const entries = await readEntries(
    join(root, ...dirKey.split('/').filter((s) => s !== '')),
    dirKey,
    namePrefix,
  );
  for (const entry of entries) {
    throwIfAborted(signal, 'listing');
    if (entry.dir) {
      const subKey = `${dirKey}${entry.name}/`;
      // Every key below starts with subKey: skip the folder when all of them sort before startAfter.
      if (startAfter !== undefined && compareKeys(subKey, startAfter) < 0 && !startAfter.startsWith(subKey)) {
        continue;
      }
      yield* walkDir(root, subKey, '', startAfter, signal);
    } else {
      const key = `${dirKey}${entry.name}`;
      if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) {
        continue;
      }
      yield { key, path: join(root, ...key.split('/')) };
    }
  }
}

async function readEntries(path: string, dirKey: string, namePrefix: string): Promise<Entry[]> {
  let dirents;
  try {
    dirents = await readdir(path, { withFileTypes: true });
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw err;
  }
  const entries: Entry[] = [];
  for (const d of dirents) {
    if (!d.name.startsWith(namePrefix)) {
      continue;
    }
    if (dirKey === '' && d.name === STORE_DIR) {
      continue;
    }
    // Symbolic links and special files are not objects: following links could leave the root.
    if (d.isDirectory()) {
      entries.push({ name: d.name, dir: true, sortKey: `${d.name}/` });
    } else if (d.isFile()) {
      entries.push({ name: d.name, dir: false, sortKey: d.name });
    }
  }
  return entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
}
