/**
 * The small-object copy of copier.ts (`copySmall`) from one fs store to another, for a batch of
 * objects, with synchronous calls: what a worker thread of fs-pool.ts runs. Per object: read the
 * source whole, check its size (and MD5 where the journal has one), seal it (or keep an object hdh
 * sealed already), re-check that the source is still the journal's version, write it through a
 * fsynced temporary file renamed into place; then, once per batch, fsync the folders renamed into,
 * so that every object reported written is durable before the journal records it.
 *
 * Anything out of the ordinary — an error, a source that changed, a key the batch did not bring —
 * is reported as `again`: the main thread copies that object on its own path, which retries,
 * re-checks and names the error with its code exactly as for any other object.
 * @module
 */
import { createHash } from 'node:crypto';
import { createBufferSealer, isSealed, type BufferSealer } from '../crypto/index.js';
// The fs backend's own face, not storage's: that one loads the cloud SDKs, which a thread never uses.
import {
  BatchObjectWriter,
  fileEtag,
  layoutOf,
  readFileSyncNoFollow,
  statFileSync,
  type FsStoreAddress,
  type StagedObject,
} from '../storage/backends/fs/index.js';
import { sealedHeaderInfo } from './crypto-sealer.js';
import type { SealedCopy } from './journal.js';
import { normaliseEtag, sameVersion } from './source-entry.js';

/** One object of a batch: its journal row's columns that the copy needs. */
export interface FsBatchItem {
  readonly seq: number;
  readonly sourceKey: string;
  readonly destKey: string;
  readonly size: number;
  readonly etag: string | null;
  readonly lastModified: string;
  readonly md5: string | null;
  readonly objectId: string;
  readonly dataset: string;
  readonly dataClass: string;
}

/** The dataset key an object of `dataset` is sealed under (as `MigrationSealer.sealingKey` gives it). */
export interface FsBatchKey {
  readonly dataset: string;
  readonly keyId: string;
  readonly key: Uint8Array;
}

export interface FsBatch {
  readonly source: FsStoreAddress;
  readonly dest: FsStoreAddress;
  readonly keys: readonly FsBatchKey[];
  readonly items: readonly FsBatchItem[];
}

export type FsItemResult =
  | (SealedCopy & {
      readonly seq: number;
      readonly kind: 'written';
      readonly destEtag: string | null;
      /** Plaintext bytes read from the source. */
      readonly read: number;
    })
  | {
      readonly seq: number;
      readonly kind: 'again';
      /** Why, for a log: the main thread's own copy reports the real outcome. */
      readonly reason: string;
    };

type Written = Extract<FsItemResult, { kind: 'written' }>;
type Sealed = SealedCopy;

/** Dataset keys whose derived sealing keys a copier keeps at once (as the crypto sealer does). */
const MAX_SEALERS = 64;

/** Copies batches; keeps per store its writer (folders known) and per key its derived sealing keys. */
export class FsBatchCopier {
  readonly #writers = new Map<string, BatchObjectWriter>();
  readonly #sealers = new Map<string, { key: Buffer; sealer: BufferSealer }>();

  async copy(batch: FsBatch): Promise<FsItemResult[]> {
    const source = layoutOf(batch.source);
    const writer = this.#writer(batch.dest);
    const keys = new Map(batch.keys.map((k) => [k.dataset, k]));
    const results: FsItemResult[] = [];
    const ready: { at: number; key: string; data: Buffer; done: Omit<Written, 'destEtag'> }[] = [];
    for (const item of batch.items) {
      try {
        writer.layout.checkKey(item.destKey);
        const done = this.#prepare(item, source, keys);
        if (done.kind === 'again') {
          results.push(done);
          continue;
        }
        ready.push({ at: results.length, key: item.destKey, data: done.body, done: done.written });
        // A placeholder, replaced once the object is committed.
        results.push(again(item, 'not committed'));
      } catch (err) {
        results.push(again(item, describe(err)));
      }
    }
    const written = await writer.stage(ready);
    const staged: { at: number; object: StagedObject; done: Omit<Written, 'destEtag'> }[] = [];
    for (const [n, r] of ready.entries()) {
      const w = written[n]!;
      if (w instanceof Error) {
        results[r.at] = { seq: r.done.seq, kind: 'again', reason: describe(w) };
      } else {
        staged.push({ at: r.at, object: w, done: r.done });
      }
    }
    const committed = await writer.commit(staged.map((s) => s.object));
    for (const [n, s] of staged.entries()) {
      const c = committed[n]!;
      results[s.at] =
        c instanceof Error
          ? { seq: s.done.seq, kind: 'again', reason: describe(c) }
          : { ...s.done, destEtag: normaliseEtag(fileEtag(c)) };
    }
    return results;
  }

  /** Wipes the derived sealing keys. */
  dispose(): void {
    for (const s of this.#sealers.values()) {
      s.sealer.dispose();
    }
    this.#sealers.clear();
  }

  /** Reads, checks and seals `item`, and re-checks its source: what to write, or why not. */
  #prepare(
    item: FsBatchItem,
    source: ReturnType<typeof layoutOf>,
    keys: ReadonlyMap<string, FsBatchKey>,
  ):
    | { kind: 'again'; seq: number; reason: string }
    | { kind: 'write'; body: Buffer; written: Omit<Written, 'destEtag'> } {
    source.checkKey(item.sourceKey);
    const sourcePath = source.objectPath(item.sourceKey);
    const plain = readFileSyncNoFollow(sourcePath);
    if (plain.length !== item.size) {
      return again(item, `read ${plain.length} bytes where the journal expects ${item.size}`);
    }
    if (item.md5 !== null && createHash('md5').update(plain).digest('hex') !== item.md5) {
      return again(item, 'MD5 of the bytes read differs from the source service’s');
    }
    let body: Buffer;
    let sealed: Sealed;
    if (isSealed(plain)) {
      // Sealed by hdh already: copied unchanged; its plaintext digest stays inside it.
      const header = sealedHeaderInfo(plain);
      body = plain;
      sealed = {
        sourceSealed: true,
        ...(header !== undefined ? { objectId: header.objectId } : {}),
        keyId: header?.keyId ?? null,
        plainSize: null,
        plainSha256: null,
        sealedSize: plain.length,
        sealedSha256: createHash('sha256').update(plain).digest('hex'),
      };
    } else {
      const key = keys.get(item.dataset);
      if (key === undefined) {
        return again(item, `no key for dataset ${item.dataset} in the batch`);
      }
      const out = this.#sealer(key).seal(
        { objectId: item.objectId, dataset: item.dataset, dataClass: item.dataClass },
        plain,
      );
      body = out.sealed;
      sealed = { sourceSealed: false, ...out.result };
    }
    // The source must still be the version read, or the copy would record a version it is not.
    const now = statFileSync(sourcePath);
    const current =
      now === undefined
        ? undefined
        : { size: Number(now.size), etag: fileEtag(now), lastModified: new Date(Number(now.mtimeMs)) };
    if (current === undefined || !sameVersion({ ...item, last_modified: item.lastModified }, current)) {
      return again(item, 'the source changed during the copy');
    }
    return {
      kind: 'write',
      body,
      written: { seq: item.seq, kind: 'written', ...sealed, read: plain.length },
    };
  }

  #writer(address: FsStoreAddress): BatchObjectWriter {
    const id = `${address.name}\0${address.root}`;
    let w = this.#writers.get(id);
    if (w === undefined) {
      w = new BatchObjectWriter(address);
      this.#writers.set(id, w);
    }
    return w;
  }

  #sealer(k: FsBatchKey): BufferSealer {
    const known = this.#sealers.get(k.keyId);
    if (known !== undefined && known.key.equals(k.key)) {
      return known.sealer;
    }
    known?.sealer.dispose();
    if (this.#sealers.size >= MAX_SEALERS) {
      this.dispose();
    }
    const sealer = createBufferSealer(k.keyId, k.key);
    this.#sealers.set(k.keyId, { key: Buffer.from(k.key), sealer });
    return sealer;
  }
}

function again(item: FsBatchItem, reason: string): { kind: 'again'; seq: number; reason: string } {
  return { seq: item.seq, kind: 'again', reason };
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  return `${code}${typeof e.message === 'string' ? e.message : String(err)}`;
}
