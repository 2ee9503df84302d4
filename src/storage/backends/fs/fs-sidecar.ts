/**
 * Object metadata and MD5 for the fs backend, kept in a JSON sidecar (no extended attributes: they
 * do not survive every copy tool or file system). A sidecar entry names the exact file it describes
 * (inode, size, modification time in ns, which a rename preserves), and is written *before* the object
 * is renamed into place, next to the entry of the file still there. So at every instant a reader finds
 * the entry of the file it sees: a crash between the two renames leaves the old object with its old
 * metadata, and a stale sidecar (an object replaced by a put without metadata, or deleted by hand) is
 * simply never matched.
 * @module
 */
import type { BigIntStats } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
import type { FsFiles } from './fs-files.js';
import type { FsLayout } from './fs-layout.js';

export interface SidecarEntry {
  readonly ino: string;
  readonly size: number;
  readonly mtimeNs: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly md5?: string;
}

interface Sidecar {
  readonly key: string;
  readonly entries: readonly SidecarEntry[];
}

export function fileIdentity(stat: BigIntStats): Pick<SidecarEntry, 'ino' | 'size' | 'mtimeNs'> {
  return { ino: stat.ino.toString(), size: Number(stat.size), mtimeNs: stat.mtimeNs.toString() };
}

function matches(entry: SidecarEntry, stat: BigIntStats): boolean {
  const id = fileIdentity(stat);
  return entry.ino === id.ino && entry.size === id.size && entry.mtimeNs === id.mtimeNs;
}

async function readSidecar(layout: FsLayout, key: string): Promise<Sidecar | undefined> {
  let text: string;
  try {
    text = await readFile(layout.metaPath(key), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Sidecar;
    // Digest collisions are not a concern, but a sidecar is only trusted for the key it names.
    return parsed.key === key && Array.isArray(parsed.entries) ? parsed : undefined;
  } catch {
    // A damaged sidecar costs the metadata, never the object.
    return undefined;
  }
}

/** The entry describing the file `stat` describes, if any. */
export async function sidecarEntry(
  layout: FsLayout,
  key: string,
  stat: BigIntStats,
): Promise<SidecarEntry | undefined> {
  return (await readSidecar(layout, key))?.entries.find((e) => matches(e, stat));
}

/**
 * Records `entry` for the file about to be renamed over `key`, keeping the entry of the file there
 * now (`current`) until the rename has happened.
 */
export async function writeSidecar(
  layout: FsLayout,
  files: FsFiles,
  key: string,
  entry: SidecarEntry,
  current: BigIntStats | undefined,
  what: string,
): Promise<void> {
  const existing = current === undefined ? undefined : await sidecarEntry(layout, key, current);
  const sidecar: Sidecar = { key, entries: existing === undefined ? [entry] : [existing, entry] };
  await files.writeSmall(layout.metaPath(key), JSON.stringify(sidecar), what);
}

export async function removeSidecar(layout: FsLayout, key: string): Promise<void> {
  // One unlink (rm's force walks the path first): most objects never had a sidecar.
  await unlink(layout.metaPath(key)).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw err;
    }
  });
}

/** How long an absent meta folder is believed absent before it is looked for again. */
const ABSENT_FOR_MS = 1000;

/**
 * Whether a store may hold sidecars at all. Most fs stores never get one (no metadata, no MD5):
 * then a put or delete has no sidecar to remove, and the unlink that would fail is skipped. The
 * meta folder is looked for at most once a second. A sidecar another process writes meanwhile can
 * at worst be left behind when its object is replaced: it names a file that is gone (inode, size,
 * mtime in ns), so it is never matched, only not cleaned up.
 */
export class SidecarPresence {
  #seen = false;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<boolean> | undefined;

  constructor(private readonly layout: FsLayout) {}

  /** This store writes a sidecar: from now on removals are always tried. */
  written(): void {
    this.#seen = true;
  }

  async mayExist(): Promise<boolean> {
    if (this.#seen) {
      return true;
    }
    if (performance.now() - this.#checkedAt < ABSENT_FOR_MS) {
      return false;
    }
    this.#checking ??= stat(this.layout.metaDir).then(
      () => true,
      (err: unknown) => {
        const code = (err as { code?: string }).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          throw err;
        }
        return false;
      },
    );
    try {
      const exists = await this.#checking;
      this.#seen ||= exists;
      this.#checkedAt = performance.now();
      return exists;
    } finally {
      this.#checking = undefined;
    }
  }
}
