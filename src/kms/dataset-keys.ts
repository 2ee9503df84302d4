/**
 * Dataset keys: one random AES-256 key per dataset, wrapped by the provider's master key and kept in
 * the hub db (`dataset_keys`). The crypto layer wraps each object's data key under its dataset key,
 * so destroying a dataset key (shred) makes every object of the dataset unreadable at once, and
 * rotating the master key re-wraps dataset keys only: objects are never touched.
 *
 * Rows: `state` is `active` (usable) or `destroyed` (wrapped set to NULL, destroyed_at/by recorded).
 * @module
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { CoreErrors, isHdhError, newId } from '../core/index.js';
import { serializedTransaction, type HubDb } from '../db/index.js';
import { KmsErrors } from './errors.js';
import { checkAborted } from './key-material.js';
import type { KeyOpOptions, KeyProvider, KeyProviderInfo, WrappedKey } from './key-provider.js';
import { rewrapSigningKey, signingKeyInfo } from './signing.js';
import { KMS_WRAP_LOCK } from './wrap-lock.js';

/** What callers need of the hub database. */
export type DatasetKeysDb = Pick<HubDb, 'db' | 'dialect'>;

export interface DatasetKey {
  readonly keyId: string;
  /** 32 bytes; a copy the caller may wipe. */
  readonly key: Uint8Array;
}

export interface DatasetKeysOptions {
  /** Unwrapped keys kept in memory (least recently used evicted first); default 1,000. */
  readonly cacheSize?: number;
  /**
   * How long a cached key is used before its row is checked again (default 30 s). Bounds how long
   * another process keeps reading a dataset after it was shredded elsewhere.
   */
  readonly cacheTtlMs?: number;
}

export interface MasterRotationResult {
  /** Master keys retired by this rotation (normally one). */
  readonly previous: readonly string[];
  /** The active master key every dataset key is now wrapped by. */
  readonly current: string;
  /** Dataset keys re-wrapped by this run. */
  readonly rewrapped: number;
  readonly signingKeyRewrapped: boolean;
  /** True when this run finished a rotation that an earlier, interrupted run had started. */
  readonly resumed: boolean;
}

export interface ShredResult {
  readonly dataset: string;
  /** Keys destroyed by this call. */
  readonly keyIds: readonly string[];
  /** Keys of the dataset that an earlier shred had destroyed. */
  readonly alreadyDestroyed: readonly string[];
}

export interface DatasetKeyStatus {
  readonly keyId: string;
  readonly state: 'active' | 'destroyed';
  readonly masterKeyId: string;
  readonly wrapAlg: string;
  readonly createdAt: string;
  readonly destroyedAt?: string;
  readonly destroyedBy?: string;
}

export interface KeysStatus {
  readonly provider: KeyProviderInfo;
  readonly datasets: readonly {
    readonly dataset: string;
    /** `destroyed` when every key of the dataset was shredded. */
    readonly state: 'active' | 'destroyed';
    readonly keys: readonly DatasetKeyStatus[];
  }[];
  readonly signingKey?: { readonly kid: string; readonly masterKeyId: string; readonly createdAt: string };
}

interface CacheEntry {
  readonly key: Buffer;
  readonly dataset: string;
  checkedAt: number;
}

interface KeyRow {
  key_id: string;
  dataset: string;
  wrapped: Buffer | null;
  wrap_alg: string;
  master_key_id: string;
  state: string;
  destroyed_at: string | null;
  destroyed_by: string | null;
}

const BATCH = 100;

function checkDataset(dataset: string): void {
  if (typeof dataset !== 'string' || dataset.length === 0 || dataset.length > 200) {
    throw CoreErrors.INPUT_INVALID(`dataset name ${JSON.stringify(dataset)} must be 1–200 characters`);
  }
}

function destroyedError(row: Pick<KeyRow, 'key_id' | 'dataset' | 'destroyed_at' | 'destroyed_by'>): Error {
  return KmsErrors.KMS_KEY_DESTROYED(
    `dataset key ${row.key_id} of dataset ${row.dataset} was destroyed by ${row.destroyed_by ?? 'unknown'} at ${row.destroyed_at ?? 'an unknown time'}; the data it protected cannot be read`,
    {
      details: {
        dataset: row.dataset,
        keyId: row.key_id,
        destroyedBy: row.destroyed_by,
        destroyedAt: row.destroyed_at,
      },
    },
  );
}

function wrappedOf(row: Pick<KeyRow, 'wrapped' | 'wrap_alg' | 'master_key_id'>): WrappedKey {
  return { masterKeyId: row.master_key_id, alg: row.wrap_alg, data: Buffer.from(row.wrapped!) };
}

/**
 * @example
 * const keys = new DatasetKeys(hub, provider);
 * const { keyId, key } = await keys.current('snds-2024');   // seal with key, record keyId
 * const same = await keys.resolve(keyId);                   // open later
 */
export class DatasetKeys {
  readonly #hub: DatasetKeysDb;
  readonly #provider: KeyProvider;
  readonly #cacheSize: number;
  readonly #ttl: number;
  /** key id → unwrapped key, in least-recently-used order. */
  readonly #cache = new Map<string, CacheEntry>();
  /** dataset → id of its active key. */
  readonly #currentIds = new Map<string, string>();
  readonly #unwrapping = new Map<string, Promise<Buffer>>();
  readonly #creating = new Map<string, Promise<string>>();

  constructor(hub: DatasetKeysDb, provider: KeyProvider, options: DatasetKeysOptions = {}) {
    this.#hub = hub;
    this.#provider = provider;
    this.#cacheSize = Math.max(1, options.cacheSize ?? 1000);
    this.#ttl = Math.max(0, options.cacheTtlMs ?? 30_000);
  }

  /** The dataset's active key, created (random, wrapped, stored) on first use. KMS_KEY_DESTROYED once shredded. */
  async current(dataset: string, options: KeyOpOptions = {}): Promise<DatasetKey> {
    checkAborted(options.signal);
    checkDataset(dataset);
    const known = this.#currentIds.get(dataset);
    if (known !== undefined) {
      try {
        return { keyId: known, key: await this.resolve(known, options) };
      } catch (err) {
        this.#currentIds.delete(dataset);
        throw err;
      }
    }
    let pending = this.#creating.get(dataset);
    if (pending === undefined) {
      pending = this.#findOrCreate(dataset, options);
      this.#creating.set(dataset, pending);
      void pending.finally(() => this.#creating.delete(dataset)).catch(() => undefined);
    }
    const keyId = await pending;
    this.#currentIds.set(dataset, keyId);
    return { keyId, key: await this.resolve(keyId, options) };
  }

  async #findOrCreate(dataset: string, options: KeyOpOptions): Promise<string> {
    const existing = await this.#hub.db
      .selectFrom('dataset_keys')
      .select('key_id')
      .where('dataset', '=', dataset)
      .where('state', '=', 'active')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (existing !== undefined) {
      return existing.key_id;
    }
    const created = await serializedTransaction(this.#hub, KMS_WRAP_LOCK, async (trx) => {
      const rows = await trx
        .selectFrom('dataset_keys')
        .select(['key_id', 'dataset', 'state', 'destroyed_at', 'destroyed_by'])
        .where('dataset', '=', dataset)
        .orderBy('created_at', 'desc')
        .execute();
      const active = rows.find((r) => r.state === 'active');
      if (active !== undefined) {
        return { keyId: active.key_id, key: undefined };
      }
      const destroyed = rows[0];
      if (destroyed !== undefined) {
        // Fail closed: a shredded dataset takes no new data under a fresh key by accident.
        throw KmsErrors.KMS_KEY_DESTROYED(
          `dataset ${dataset} was shredded by ${destroyed.destroyed_by ?? 'unknown'} at ${destroyed.destroyed_at ?? 'an unknown time'}; it cannot take new data`,
          { details: { dataset, destroyedBy: destroyed.destroyed_by, destroyedAt: destroyed.destroyed_at } },
        );
      }
      const key = randomBytes(32);
      const wrapped = await this.#provider.wrap(key, options);
      const keyId = newId('dk');
      await trx
        .insertInto('dataset_keys')
        .values({
          key_id: keyId,
          dataset,
          wrapped: Buffer.from(wrapped.data),
          wrap_alg: wrapped.alg,
          master_key_id: wrapped.masterKeyId,
          state: 'active',
          created_at: new Date().toISOString(),
          destroyed_at: null,
          destroyed_by: null,
        })
        .execute();
      return { keyId, key };
    });
    // Cached only once committed: a rolled-back insert must not leave a key nobody can resolve.
    if (created.key !== undefined) {
      this.#remember(created.keyId, dataset, created.key);
    }
    return created.keyId;
  }

  #remember(keyId: string, dataset: string, key: Buffer): void {
    this.#cache.delete(keyId);
    this.#cache.set(keyId, { key, dataset, checkedAt: Date.now() });
    while (this.#cache.size > this.#cacheSize) {
      const oldest = this.#cache.keys().next().value!;
      this.#cache.delete(oldest);
    }
  }

  /** The key with id `keyId`: KMS_KEY_NOT_FOUND when unknown, KMS_KEY_DESTROYED (who, when) once shredded. */
  async resolve(keyId: string, options: KeyOpOptions = {}): Promise<Uint8Array> {
    checkAborted(options.signal);
    const entry = this.#cache.get(keyId);
    if (entry !== undefined && Date.now() - entry.checkedAt < this.#ttl) {
      this.#cache.delete(keyId);
      this.#cache.set(keyId, entry);
      return Buffer.from(entry.key);
    }
    let pending = this.#unwrapping.get(keyId);
    if (pending === undefined) {
      pending = this.#load(keyId, options);
      this.#unwrapping.set(keyId, pending);
      void pending.finally(() => this.#unwrapping.delete(keyId)).catch(() => undefined);
    }
    return Buffer.from(await pending);
  }

  async #readRow(keyId: string): Promise<KeyRow | undefined> {
    return this.#hub.db
      .selectFrom('dataset_keys')
      .select([
        'key_id',
        'dataset',
        'wrapped',
        'wrap_alg',
        'master_key_id',
        'state',
        'destroyed_at',
        'destroyed_by',
      ])
      .where('key_id', '=', keyId)
      .executeTakeFirst();
  }

  async #load(keyId: string, options: KeyOpOptions): Promise<Buffer> {
    let row = await this.#readRow(keyId);
    const check = (r: KeyRow | undefined): KeyRow => {
      if (r === undefined) {
        this.#cache.delete(keyId);
        throw KmsErrors.KMS_KEY_NOT_FOUND(`no dataset key ${keyId}`);
      }
      if (r.state === 'destroyed' || r.wrapped === null) {
        this.#cache.delete(keyId);
        throw destroyedError(r);
      }
      return r;
    };
    row = check(row);
    const cached = this.#cache.get(keyId);
    if (cached !== undefined) {
      cached.checkedAt = Date.now();
      return cached.key;
    }
    let key: Buffer;
    try {
      key = Buffer.from(await this.#provider.unwrap(wrappedOf(row), options));
    } catch (err) {
      // A rotation may have re-wrapped the row and retired the master key since we read it.
      if (!isHdhError(err, 'KMS_MASTER_KEY_RETIRED', 'KMS_KEY_NOT_FOUND')) {
        throw err;
      }
      const again = check(await this.#readRow(keyId));
      if (again.master_key_id === row.master_key_id) {
        throw err;
      }
      key = Buffer.from(await this.#provider.unwrap(wrappedOf(again), options));
      row = again;
    }
    this.#remember(keyId, row.dataset, key);
    return key;
  }

  /**
   * Creates a new master key, re-wraps every dataset key (in batches, each in a db transaction) and
   * the hub signing key under it, then retires the previous master key(s). Objects are untouched.
   * Safe to re-run after a crash: a run that finds several live master keys finishes that rotation
   * instead of starting another.
   */
  async rotateMaster(options: KeyOpOptions = {}): Promise<MasterRotationResult> {
    checkAborted(options.signal);
    const provider = this.#provider;
    const before = await provider.describe(options);
    const live = before.masterKeys.filter((k) => k.state !== 'retired').map((k) => k.id);
    const resumed = live.length > 1;
    const current = resumed ? before.activeMasterKeyId : (await provider.createMasterKey(options)).id;
    let rewrapped = 0;
    let signingKeyRewrapped = false;
    let retired: string[] | undefined;
    while (retired === undefined) {
      checkAborted(options.signal);
      const batch = await this.#hub.db
        .selectFrom('dataset_keys')
        .select(['key_id', 'wrapped', 'wrap_alg', 'master_key_id'])
        .where('state', '=', 'active')
        .where('wrapped', 'is not', null)
        .where('master_key_id', '!=', current)
        .orderBy('key_id')
        .limit(BATCH)
        .execute();
      if (batch.length > 0) {
        rewrapped += await this.#rewrapBatch(batch, current, options);
        continue;
      }
      if (await rewrapSigningKey(this.#hub, provider, current, options)) {
        signingKeyRewrapped = true;
      }
      retired = await this.#retireIfClear(current, options);
    }
    return { previous: retired, current, rewrapped, signingKeyRewrapped, resumed };
  }

  async #rewrapBatch(
    batch: readonly Pick<KeyRow, 'key_id' | 'wrapped' | 'wrap_alg' | 'master_key_id'>[],
    current: string,
    options: KeyOpOptions,
  ): Promise<number> {
    const updates: { keyId: string; from: string; wrapped: WrappedKey }[] = [];
    for (const row of batch) {
      const key = Buffer.from(await this.#provider.unwrap(wrappedOf(row), options));
      let wrapped: WrappedKey;
      try {
        wrapped = await this.#provider.wrap(key, options);
      } finally {
        key.fill(0);
      }
      if (wrapped.masterKeyId !== current) {
        throw KmsErrors.KMS_ROTATION_CONFLICT(
          `master key ${wrapped.masterKeyId} became active while rotating to ${current}`,
        );
      }
      updates.push({ keyId: row.key_id, from: row.master_key_id, wrapped });
    }
    return this.#hub.db.transaction().execute(async (trx) => {
      let n = 0;
      for (const u of updates) {
        // Conditional: never resurrect a key shredded meanwhile, never undo a concurrent re-wrap.
        const result = await trx
          .updateTable('dataset_keys')
          .set({
            wrapped: Buffer.from(u.wrapped.data),
            wrap_alg: u.wrapped.alg,
            master_key_id: u.wrapped.masterKeyId,
          })
          .where('key_id', '=', u.keyId)
          .where('master_key_id', '=', u.from)
          .where('state', '=', 'active')
          .where('wrapped', 'is not', null)
          .executeTakeFirst();
        n += Number(result.numUpdatedRows);
      }
      return n;
    });
  }

  /**
   * Under the wrap lock (so no record can be wrapped meanwhile): when nothing depends on another
   * master key any more, retires every live master key but `current` and returns their ids;
   * otherwise returns undefined and the caller re-wraps again.
   */
  async #retireIfClear(current: string, options: KeyOpOptions): Promise<string[] | undefined> {
    return serializedTransaction(this.#hub, KMS_WRAP_LOCK, async (trx) => {
      const left = await trx
        .selectFrom('dataset_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'active')
        .where('wrapped', 'is not', null)
        .where('master_key_id', '!=', current)
        .executeTakeFirstOrThrow();
      if (left.n > 0) {
        return undefined;
      }
      const signing = await signingKeyInfo({ db: trx, dialect: this.#hub.dialect });
      if (signing !== undefined && signing.masterKeyId !== current) {
        return undefined;
      }
      const info = await this.#provider.describe(options);
      if (info.activeMasterKeyId !== current) {
        throw KmsErrors.KMS_ROTATION_CONFLICT(
          `master key ${info.activeMasterKeyId} became active while rotating to ${current}`,
        );
      }
      const retire = info.masterKeys.filter((k) => k.state === 'previous').map((k) => k.id);
      for (const id of retire) {
        await this.#provider.retireMasterKey(id, options);
      }
      return retire;
    });
  }

  /**
   * Destroys every key of `dataset` (crypto-shredding): the wrapped bytes are overwritten, then set
   * to NULL, with destroyed_at / destroyed_by recorded; cached copies are dropped. The objects of the
   * dataset become unreadable (KMS_KEY_DESTROYED). Copies of the wrapped key in database backups or
   * PostgreSQL's old row versions stay sealed by the master key: rotate the master key afterwards to
   * make them useless too.
   */
  async shred(dataset: string, actor: string, options: KeyOpOptions = {}): Promise<ShredResult> {
    checkAborted(options.signal);
    checkDataset(dataset);
    if (actor.trim() === '') {
      throw CoreErrors.INPUT_INVALID('shred needs the actor who destroys the key');
    }
    const sqlite = this.#hub.dialect === 'sqlite';
    const result = await serializedTransaction(this.#hub, KMS_WRAP_LOCK, async (trx) => {
      const rows = await trx
        .selectFrom('dataset_keys')
        .select(['key_id', 'wrapped'])
        .where('dataset', '=', dataset)
        .orderBy('key_id')
        .execute();
      if (rows.length === 0) {
        throw KmsErrors.KMS_KEY_NOT_FOUND(`dataset ${dataset} has no key to shred`);
      }
      const live = rows.filter((r) => r.wrapped !== null);
      // SQLite would otherwise leave the old bytes in freed page space.
      if (sqlite) {
        await sql`pragma secure_delete = on`.execute(trx);
      }
      const at = new Date().toISOString();
      for (const row of live) {
        await trx
          .updateTable('dataset_keys')
          .set({ wrapped: randomBytes(row.wrapped!.length) })
          .where('key_id', '=', row.key_id)
          .execute();
        await trx
          .updateTable('dataset_keys')
          .set({ wrapped: null, state: 'destroyed', destroyed_at: at, destroyed_by: actor })
          .where('key_id', '=', row.key_id)
          .execute();
      }
      return {
        dataset,
        keyIds: live.map((r) => r.key_id),
        alreadyDestroyed: rows.filter((r) => r.wrapped === null).map((r) => r.key_id),
      };
    });
    for (const id of [...result.keyIds, ...result.alreadyDestroyed]) {
      this.#cache.get(id)?.key.fill(0);
      this.#cache.delete(id);
    }
    this.#currentIds.delete(dataset);
    if (sqlite) {
      // Moves the overwritten pages into the main file and empties the WAL; best effort, as readers
      // in other processes may hold it (the next automatic checkpoint then does the same).
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(this.#hub.db).catch(() => undefined);
    }
    return result;
  }

  /** Every dataset's keys with their state and master key, the provider's description, the signing key. */
  async status(options: KeyOpOptions = {}): Promise<KeysStatus> {
    checkAborted(options.signal);
    const provider = await this.#provider.describe(options);
    const rows = await this.#hub.db
      .selectFrom('dataset_keys')
      .select([
        'key_id',
        'dataset',
        'state',
        'master_key_id',
        'wrap_alg',
        'created_at',
        'destroyed_at',
        'destroyed_by',
      ])
      .orderBy('dataset')
      .orderBy('created_at')
      .orderBy('key_id')
      .execute();
    const byDataset = new Map<string, DatasetKeyStatus[]>();
    for (const r of rows) {
      const list = byDataset.get(r.dataset) ?? [];
      byDataset.set(r.dataset, list);
      list.push({
        keyId: r.key_id,
        state: r.state === 'destroyed' ? 'destroyed' : 'active',
        masterKeyId: r.master_key_id,
        wrapAlg: r.wrap_alg,
        createdAt: r.created_at,
        ...(r.destroyed_at === null ? {} : { destroyedAt: r.destroyed_at }),
        ...(r.destroyed_by === null ? {} : { destroyedBy: r.destroyed_by }),
      });
    }
    const signingKey = await signingKeyInfo(this.#hub);
    return {
      provider,
      datasets: [...byDataset].map(([dataset, keys]) => ({
        dataset,
        state: keys.some((k) => k.state === 'active') ? ('active' as const) : ('destroyed' as const),
        keys,
      })),
      ...(signingKey === undefined ? {} : { signingKey }),
    };
  }
}
