/**
 * Gathers the facts of the compliance report from the hub itself: every store listed and each
 * object's first bytes read to count what is really sealed (scanned, not assumed), what each store
 * holds by class and dataset (from the hub's records; unrecorded objects are `unclassified`), where
 * the master key lives, and whether the audit chain verifies. The pure sovereignty module turns the
 * facts into the report; the hub's signing key signs it.
 * @module
 */
import { isSealed } from '../crypto/index.js';
import {
  buildReport,
  parseDataClass,
  signReport,
  type DataClass,
  type Report,
  type SignedReport,
  type StoreFacts,
  type StoreHolding,
} from '../sovereignty/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { Hub } from './hub.js';
import { storeSealing } from './placement.js';

const SCAN_CONCURRENCY = 8;

export interface ReportOptions {
  readonly now?: Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (store: string, scanned: number) => void;
}

export async function gatherStoreFacts(
  hub: Hub,
  name: string,
  options: ReportOptions = {},
): Promise<StoreFacts> {
  const config = hub.stores.config(name);
  const backend = await hub.stores.backend(name);
  const holdings = new Map<
    string,
    {
      dataClass: DataClass | 'unclassified';
      dataset?: string;
      objects: number;
      bytes: number;
      sealedObjects: number;
    }
  >();
  let sealedObjects = 0;
  let totalObjects = 0;
  const pending = new Set<Promise<void>>();
  const scanOne = async (
    key: string,
    size: number,
    dataClass: DataClass | 'unclassified',
    dataset: string | undefined,
    bytes: number,
  ): Promise<void> => {
    const sealed = await startsSealed(backend, key, size);
    const id = `${dataClass}\u0000${dataset ?? ''}`;
    const h = holdings.get(id) ?? {
      dataClass,
      ...(dataset !== undefined ? { dataset } : {}),
      objects: 0,
      bytes: 0,
      sealedObjects: 0,
    };
    h.objects++;
    h.bytes += bytes;
    if (sealed) {
      h.sealedObjects++;
      sealedObjects++;
    }
    holdings.set(id, h);
    totalObjects++;
    if (totalObjects % 1000 === 0) {
      options.onProgress?.(name, totalObjects);
    }
  };
  for await (const listed of hub.stores.list(name, '')) {
    options.signal?.throwIfAborted();
    const rec = listed.record;
    const dataClass = rec ? parseDataClass(rec.dataClass) : 'unclassified';
    const task = scanOne(
      listed.key,
      listed.storedSize,
      dataClass,
      rec?.dataset,
      rec?.plainSize ?? listed.storedSize,
    ).finally(() => pending.delete(task));
    pending.add(task);
    if (pending.size >= SCAN_CONCURRENCY) {
      await Promise.race(pending);
    }
  }
  await Promise.all(pending);
  return {
    name,
    kind: config.type,
    provider: hub.sovereignty.registry.get(config.provider, `stores.${name}.provider`),
    providerOrigin: hub.sovereignty.registry.origin(config.provider),
    legacy: config.legacy,
    sealing: storeSealing(config),
    holdings: [...holdings.values()] as StoreHolding[],
    scan: { sealedObjects, totalObjects },
  };
}

export async function buildComplianceReport(hub: Hub, options: ReportOptions = {}): Promise<Report> {
  const stores: StoreFacts[] = [];
  for (const name of hub.stores.names()) {
    stores.push(await gatherStoreFacts(hub, name, options));
  }
  const keys = await (await hub.keys()).describe();
  const chain = await hub.audit.verify();
  return buildReport({
    stores,
    keys,
    audit: chain.ok
      ? { ok: true, entries: chain.entries }
      : {
          ok: false,
          entries: chain.entries,
          firstBadEntry: chain.firstBad!.seq,
          message: chain.firstBad!.reason,
        },
    policy: hub.sovereignty.policy,
    now: options.now ?? new Date(),
    hub: { name: hub.home },
  });
}

/** Builds the report and signs it with the hub's signing key (detached JWS over its canonical JSON). */
export async function signedComplianceReport(hub: Hub, options: ReportOptions = {}): Promise<SignedReport> {
  const report = await buildComplianceReport(hub, options);
  return signReport(report, await hub.signer());
}

async function startsSealed(store: ObjectStore, key: string, size: number): Promise<boolean> {
  if (size < 16) {
    return false;
  }
  const stream = await store.get(key, { range: { start: 0, end: 16 } });
  const chunks: Buffer[] = [];
  for await (const c of stream) {
    chunks.push(Buffer.from(c as Uint8Array));
  }
  return isSealed(Buffer.concat(chunks));
}
