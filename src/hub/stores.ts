/**
 * The hub's stores: every configured store behind the placement guard and the sealing wrapper, with
 * a record of each object (dataset, class, sizes, digests) in the database and an audit entry for
 * each change. This is the path every write through the hub takes — CLI, API, ingestion and
 * migration alike — so a placement the policy forbids is refused before a byte leaves.
 * @module
 */
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { BodySource, HubConfig, StoreConfig } from '../core/index.js';
import type { Database } from '../db/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Catalog } from '../catalog/index.js';
import type { DatasetKeys } from '../kms/index.js';
import {
  assertPlacementAllowed,
  parseDataClass,
  type DataClass,
  type Sovereignty,
} from '../sovereignty/index.js';
import {
  createStore,
  SealedStore,
  StorageErrors,
  type ByteRange,
  type ObjectInfo,
  type ObjectStore,
} from '../storage/index.js';
import { isSealed } from '../crypto/index.js';
import { HubErrors } from './errors.js';
import { decidePlacement } from './placement.js';

export interface ObjectRecord {
  readonly store: string;
  readonly key: string;
  readonly objectId: string;
  readonly dataset: string;
  readonly dataClass: string;
  readonly sealed: boolean;
  readonly keyId: string | null;
  readonly plainSize: number;
  readonly plainSha256: string;
  readonly sealedSize: number;
  readonly sealedSha256: string;
  readonly createdAt: string;
}

export interface PutRequest {
  readonly store: string;
  readonly key: string;
  readonly body: BodySource;
  /** Plaintext size when known. */
  readonly size?: number;
  readonly dataset: string;
  /** Class of the data; defaults to the dataset's class, or `identifying-health` for a new dataset. */
  readonly dataClass?: string;
  readonly actor: string;
  readonly signal?: AbortSignal;
  /**
   * The original of a quarantined record: stored as identifying-health whatever the dataset's class,
   * because it may still hold identifiers.
   */
  readonly quarantined?: boolean;
  /** Audit details beyond the object's own (e.g. the ingest id). */
  readonly details?: Record<string, unknown>;
}

export interface ListedObject {
  readonly key: string;
  /** Size in the backend (sealed size for sealed objects). */
  readonly storedSize: number;
  readonly lastModified: Date;
  readonly record?: ObjectRecord;
}

export interface VerifyOutcome {
  readonly key: string;
  readonly ok: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly plainSize?: number;
  readonly dataset?: string;
  readonly dataClass?: string;
}

interface StoresDeps {
  readonly home: string;
  readonly env: Record<string, string | undefined>;
  readonly config: HubConfig;
  readonly sovereignty: Sovereignty;
  readonly db: Kysely<Database>;
  readonly audit: AuditLog;
  readonly catalog: Catalog;
  readonly datasetKeys: () => Promise<DatasetKeys>;
}

const DEFAULT_NEW_DATASET_CLASS: DataClass = 'identifying-health';

export class HubStores {
  readonly #deps: StoresDeps;
  readonly #backends = new Map<string, Promise<ObjectStore>>();

  constructor(deps: StoresDeps) {
    this.#deps = deps;
  }

  names(): string[] {
    return Object.keys(this.#deps.config.stores);
  }

  config(name: string): StoreConfig {
    const config = this.#deps.config.stores[name];
    if (config === undefined) {
      throw HubErrors.HUB_STORE_UNKNOWN(
        `no store "${name}" in hdh.yaml (stores: ${this.names().join(', ') || 'none'})`,
      );
    }
    return config;
  }

  /** The plain backend (no sealing): for listings, legacy sources and migration. */
  backend(name: string): Promise<ObjectStore> {
    const config = this.config(name);
    let store = this.#backends.get(name);
    if (store === undefined) {
      store = createStore(name, config, {
        home: this.#deps.home,
        env: this.#deps.env,
        ensureContainer: !config.legacy,
      });
      store.catch(() => this.#backends.delete(name));
      this.#backends.set(name, store);
    }
    return store;
  }

  async sealed(name: string): Promise<SealedStore> {
    return new SealedStore(await this.backend(name), await this.#deps.datasetKeys());
  }

  /** Throws SOVEREIGNTY_PLACEMENT_REFUSED, with every reason, when the store may not hold the class. */
  assertPlacement(store: string, dataClass: string, key?: string): void {
    const decision = decidePlacement(this.#deps.sovereignty, store, this.config(store), dataClass);
    assertPlacementAllowed(decision, { store, ...(key !== undefined ? { key } : {}) });
  }

  /** Writes an object through the guard and the seal, records it and audits it. */
  async put(request: PutRequest): Promise<ObjectRecord> {
    const config = this.config(request.store);
    if (config.legacy) {
      throw StorageErrors.STORAGE_READ_ONLY(
        `store "${request.store}" is a legacy store: hdh only reads from it`,
      );
    }
    const dataClass = await this.#datasetClass(request);
    const audit = {
      actor: request.actor,
      action: 'store.put',
      target: `${request.store}:${request.key}`,
      details: { dataset: request.dataset, class: dataClass, ...request.details },
    };
    return this.#deps.audit.track(
      audit,
      async () => {
        this.assertPlacement(request.store, dataClass, request.key);
        if (!(await this.#deps.catalog.exists(request.dataset))) {
          await this.#deps.catalog
            .createDataset({
              name: request.dataset,
              dataClass,
              store: request.store,
              createdBy: request.actor,
            })
            .catch(async (err: unknown) => {
              // Another writer may have created it meanwhile: fine if it did.
              if (!(await this.#deps.catalog.exists(request.dataset))) {
                throw err;
              }
            });
        }
        const sealed = await this.sealed(request.store);
        const { stored, seal } = await sealed.put(request.key, request.body, {
          dataset: request.dataset,
          dataClass,
          ...(request.size !== undefined ? { size: request.size } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
        const record: ObjectRecord = {
          store: request.store,
          key: request.key,
          objectId: seal.objectId,
          dataset: request.dataset,
          dataClass,
          sealed: true,
          keyId: seal.keyId,
          plainSize: seal.plainSize,
          plainSha256: seal.plainSha256,
          sealedSize: stored.size,
          sealedSha256: seal.sealedSha256 ?? '',
          createdAt: new Date().toISOString(),
        };
        await this.#record(record);
        return record;
      },
      (r) => ({ size: r.plainSize, sha256: r.plainSha256, keyId: r.keyId }),
    );
  }

  /** Plaintext of an object, authenticated; legacy (unsealed) stores return their bytes as they are. */
  async get(
    store: string,
    key: string,
    options: { range?: ByteRange; signal?: AbortSignal } = {},
  ): Promise<Readable> {
    const config = this.config(store);
    if (config.legacy) {
      return (await this.backend(store)).get(key, options);
    }
    const record = await this.record(store, key);
    return (await this.sealed(store)).get(key, { ...options, expectedObjectId: record?.objectId ?? key });
  }

  async remove(store: string, key: string, actor: string): Promise<void> {
    const config = this.config(store);
    if (config.legacy) {
      throw StorageErrors.STORAGE_READ_ONLY(`store "${store}" is a legacy store: hdh only reads from it`);
    }
    await this.#deps.audit.track({ actor, action: 'store.rm', target: `${store}:${key}` }, async () => {
      const backend = await this.backend(store);
      if ((await backend.head(key)) === undefined && (await this.record(store, key)) === undefined) {
        throw StorageErrors.STORAGE_NOT_FOUND(`no object "${key}" in store "${store}"`);
      }
      await backend.delete(key);
      await this.#deps.db.deleteFrom('objects').where('store', '=', store).where('key', '=', key).execute();
    });
  }

  async record(store: string, key: string): Promise<ObjectRecord | undefined> {
    const row = await this.#deps.db
      .selectFrom('objects')
      .selectAll()
      .where('store', '=', store)
      .where('key', '=', key)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** The backend's listing joined with the hub's records, streamed (after `startAfter`, for pages). */
  async *list(
    store: string,
    prefix: string,
    options: { readonly startAfter?: string } = {},
  ): AsyncIterable<ListedObject> {
    const backend = await this.backend(store);
    let batch: ObjectInfo[] = [];
    const flush = async function* (this: HubStores): AsyncIterable<ListedObject> {
      if (batch.length === 0) {
        return;
      }
      const rows = await this.#deps.db
        .selectFrom('objects')
        .selectAll()
        .where('store', '=', store)
        .where(
          'key',
          'in',
          batch.map((b) => b.key),
        )
        .execute();
      const byKey = new Map(rows.map((r) => [r.key, toRecord(r)]));
      for (const info of batch) {
        const record = byKey.get(info.key);
        yield {
          key: info.key,
          storedSize: info.size,
          lastModified: info.lastModified,
          ...(record ? { record } : {}),
        };
      }
      batch = [];
    };
    for await (const info of backend.list(prefix, options)) {
      batch.push(info);
      if (batch.length >= 500) {
        yield* flush.call(this);
      }
    }
    yield* flush.call(this);
  }

  /** Opens every object under the prefix through every check; one outcome per object. */
  async *verify(
    store: string,
    prefix: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<VerifyOutcome> {
    const config = this.config(store);
    const sealed = config.legacy ? undefined : await this.sealed(store);
    const backend = await this.backend(store);
    for await (const listed of this.list(store, prefix)) {
      options.signal?.throwIfAborted();
      if (sealed === undefined) {
        const first = await readFirstBytes(backend, listed.key, listed.storedSize);
        yield isSealed(first)
          ? { key: listed.key, ok: true, message: 'sealed (legacy store: key not checked)' }
          : {
              key: listed.key,
              ok: false,
              code: 'HUB_OBJECT_NOT_SEALED',
              message: 'not an hdh sealed object (legacy store)',
            };
        continue;
      }
      try {
        const v = await sealed.verify(listed.key, {
          expectedObjectId: listed.record?.objectId ?? listed.key,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const rec = listed.record;
        if (rec !== undefined && (rec.plainSha256 !== v.plainSha256 || rec.plainSize !== v.plainSize)) {
          yield {
            key: listed.key,
            ok: false,
            code: 'STORAGE_INTEGRITY',
            message: `content authenticates but differs from the hub's record (sha256 ${v.plainSha256.slice(0, 12)}… vs ${rec.plainSha256.slice(0, 12)}…)`,
          };
          continue;
        }
        yield {
          key: listed.key,
          ok: true,
          plainSize: v.plainSize,
          dataset: v.header.dataset,
          dataClass: v.header.dataClass,
        };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        yield {
          key: listed.key,
          ok: false,
          code: e.code ?? 'INTERNAL_ERROR',
          message: e.message ?? String(err),
        };
      }
    }
  }

  async close(): Promise<void> {
    const opened = [...this.#backends.values()];
    this.#backends.clear();
    for (const store of opened) {
      await (await store.catch(() => undefined))?.close();
    }
  }

  async #datasetClass(request: PutRequest): Promise<DataClass> {
    if (request.quarantined === true) {
      return 'identifying-health';
    }
    const requested = request.dataClass !== undefined ? parseDataClass(request.dataClass) : undefined;
    if (!(await this.#deps.catalog.exists(request.dataset))) {
      return requested ?? DEFAULT_NEW_DATASET_CLASS;
    }
    const meta = await this.#deps.catalog.metadata(request.dataset);
    const held = parseDataClass(meta.dataClass);
    if (requested !== undefined && requested !== held) {
      throw HubErrors.HUB_CLASS_MISMATCH(
        `dataset "${request.dataset}" holds ${held} data; an object of class ${requested} cannot go into it`,
      );
    }
    return requested ?? held;
  }

  async #record(record: ObjectRecord): Promise<void> {
    const row = {
      store: record.store,
      key: record.key,
      object_id: record.objectId,
      dataset: record.dataset,
      class: record.dataClass,
      sealed: record.sealed ? 1 : 0,
      key_id: record.keyId,
      plain_size: record.plainSize,
      plain_sha256: record.plainSha256,
      sealed_size: record.sealedSize,
      sealed_sha256: record.sealedSha256,
      created_at: record.createdAt,
    };
    await this.#deps.db
      .insertInto('objects')
      .values(row)
      .onConflict((oc) => oc.columns(['store', 'key']).doUpdateSet(row))
      .execute();
  }
}

function toRecord(row: Database['objects']): ObjectRecord {
  return {
    store: row.store,
    key: row.key,
    objectId: row.object_id,
    dataset: row.dataset,
    dataClass: row.class,
    sealed: row.sealed === 1,
    keyId: row.key_id,
    plainSize: row.plain_size,
    plainSha256: row.plain_sha256,
    sealedSize: row.sealed_size,
    sealedSha256: row.sealed_sha256,
    createdAt: row.created_at,
  };
}

async function readFirstBytes(store: ObjectStore, key: string, size: number): Promise<Uint8Array> {
  if (size === 0) {
    return new Uint8Array();
  }
  const stream = await store.get(key, { range: { start: 0, end: Math.min(size, 16) } });
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    chunks.push(Buffer.from(c as Uint8Array));
  }
  return Buffer.concat(chunks);
}
