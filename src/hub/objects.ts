/**
 * What the CLI (`hdh store …`) and the API (`/api/stores`) both do with the hub's stores beyond
 * HubStores itself: describe the configured stores, show a listed object without its content, open
 * an object with an audit entry, and verify a prefix with one audit entry for the run.
 * @module
 */
import type { Readable } from 'node:stream';
import { decodeCursor, encodeCursor, pageLimit, type Page, type PageQuery } from '../access/index.js';
import type { StoreConfig } from '../core/index.js';
import { qualificationStatuses, type DataClass } from '../sovereignty/index.js';
import type { Hub } from './hub.js';
import { classesAllowed } from './placement.js';
import type { ListedObject, VerifyOutcome } from './stores.js';

export interface StoreSummary {
  readonly name: string;
  readonly type: StoreConfig['type'];
  readonly legacy: boolean;
  readonly default: boolean;
  readonly provider: {
    readonly id: string;
    readonly name: string;
    readonly origin: string;
    readonly headquartersCountry: unknown;
    readonly dataCentreCountries: unknown;
    readonly extraterritorialLaws: unknown;
    readonly qualifications: { readonly label: string; readonly state: string }[];
  };
  /** Classes of data the placement policy lets this store hold, today. */
  readonly allowedClasses: DataClass[];
}

/** Every configured store with its provider's facts and the classes it may hold; no credentials. */
export function storeSummaries(hub: Hub, now = new Date()): StoreSummary[] {
  return hub.stores.names().map((name) => {
    const config = hub.stores.config(name);
    const entry = hub.sovereignty.registry.get(config.provider, `stores.${name}.provider`);
    return {
      name,
      type: config.type,
      legacy: config.legacy,
      default: hub.config.defaultStore === name,
      provider: {
        id: entry.id,
        name: entry.name,
        origin: hub.sovereignty.registry.origin(entry.id),
        headquartersCountry: entry.headquartersCountry,
        dataCentreCountries: entry.dataCentreCountries,
        extraterritorialLaws: entry.extraterritorialLaws,
        qualifications: qualificationStatuses(entry, now).map((q) => ({ label: q.label, state: q.state })),
      },
      allowedClasses: classesAllowed(hub.sovereignty, name, config, now),
    };
  });
}

export interface ObjectView {
  readonly key: string;
  /** Plaintext size from the hub's record; null for an object the hub did not record. */
  readonly size: number | null;
  readonly storedSize: number;
  readonly dataset: string | null;
  readonly class: string | null;
  readonly sealed: boolean | null;
  readonly lastModified: string;
}

/** A listed object as `hdh store ls --json` and `GET /api/stores/{store}/objects` show it. */
export function objectView(o: ListedObject): ObjectView {
  return {
    key: o.key,
    size: o.record?.plainSize ?? null,
    storedSize: o.storedSize,
    dataset: o.record?.dataset ?? null,
    class: o.record?.dataClass ?? null,
    sealed: o.record?.sealed ?? null,
    lastModified: o.lastModified.toISOString(),
  };
}

/**
 * Plaintext of an object, authenticated, with a `store.get` audit entry: reading a sealed object
 * out is plaintext leaving the hub, so it is recorded before the first byte goes.
 */
export async function openObject(
  hub: Hub,
  request: {
    readonly store: string;
    readonly key: string;
    readonly actor: string;
    readonly signal?: AbortSignal;
  },
): Promise<Readable> {
  const target = `${request.store}:${request.key}`;
  return hub.audit.track({ actor: request.actor, action: 'store.get', target }, () =>
    hub.stores.get(request.store, request.key, request.signal ? { signal: request.signal } : {}),
  );
}

/** One page of a store's listing, keyed by object key (stable while objects are added). */
export async function listObjectsPage(
  hub: Hub,
  store: string,
  query: PageQuery & { readonly prefix?: string },
): Promise<Page<ObjectView>> {
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor);
  const rows: ListedObject[] = [];
  for await (const o of hub.stores.list(
    store,
    query.prefix ?? '',
    after === undefined ? {} : { startAfter: after },
  )) {
    rows.push(o);
    if (rows.length > limit) {
      break;
    }
  }
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return rows.length > limit && last !== undefined
    ? { items: items.map(objectView), nextCursor: encodeCursor(last.key) }
    : { items: items.map(objectView) };
}

/**
 * Opens every object under the prefix through every check, one outcome at a time (a store may hold
 * millions), and records one `store.verify` entry with the counts when the walk ends — also when the
 * caller stops early (a client gone), then with `completed: false`.
 */
export async function* verifyObjects(
  hub: Hub,
  request: {
    readonly store: string;
    readonly prefix: string;
    readonly actor: string;
    readonly signal?: AbortSignal;
  },
): AsyncGenerator<VerifyOutcome> {
  hub.stores.config(request.store);
  let ok = 0;
  let failed = 0;
  let completed = false;
  try {
    for await (const v of hub.stores.verify(
      request.store,
      request.prefix,
      request.signal ? { signal: request.signal } : {},
    )) {
      if (v.ok) {
        ok++;
      } else {
        failed++;
      }
      yield v;
    }
    completed = true;
  } finally {
    await hub.audit.record({
      actor: request.actor,
      action: 'store.verify',
      target: `${request.store}:${request.prefix}`,
      outcome: completed && failed === 0 ? 'success' : 'failure',
      details: { ok, failed, ...(completed ? {} : { completed }) },
    });
  }
}
