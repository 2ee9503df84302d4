/**
 * Ingestion through the hub: the pipeline of src/ingest run against a dataset of the catalogue, with
 * the pseudonym key of the hub's KeyProvider (computed inside the HSM where the provider is one), the
 * tables sealed into the dataset's store as `pseudonymised-health` through the placement guard, the
 * records set aside sealed as `identifying-health` and registered, and a new dataset version recorded
 * with its lineage (input digests, profile, key id) in the same transaction as its audit entry.
 *
 * An input file whose SHA-256 an earlier version of the dataset already holds is skipped, so the same
 * file ingested twice adds nothing.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { newId } from '../core/index.js';
import type { Database } from '../db/index.js';
import {
  assertDatasetName,
  CatalogErrors,
  type DatasetMetadata,
  type DatasetVersion,
  type InputInfo,
  type Page,
  type QuarantineEntry,
  type QuarantineStatus,
  type TableInfo,
} from '../catalog/index.js';
import {
  defaultProfile,
  expandInputs,
  IngestErrors,
  reingestRecord,
  runIngest,
  schemaForCsv,
  type CsvSchema,
  type IngestInput,
  type IngestProgress,
  type IngestSummary,
  type Issue,
  type Profile,
} from '../ingest/index.js';
import { HubErrors } from './errors.js';
import type { Hub } from './hub.js';
import {
  readQuarantined,
  QuarantineSpool,
  sealQuarantine,
  type StoredQuarantineRecord,
} from './ingest-quarantine.js';
import {
  assertSameColumns,
  nextTables,
  openParts,
  PSEUDONYMISED_CLASS,
  sealTables,
  type SealedPart,
} from './ingest-tables.js';

/** The pseudonym key every ingest uses by default: one key hub-wide, so persons link across datasets. */
export const DEFAULT_PSEUDONYM_KEY = 'pseudonym';

export interface HubIngestOptions {
  readonly dataset: string;
  /** Files or folders: FHIR NDJSON, FHIR JSON (resources or Bundles), CSV with a schema; optionally gzipped. */
  readonly inputs: readonly string[];
  /** Store for the tables: default the dataset's store, else the hub's default store. */
  readonly store?: string;
  /** Store for the quarantined records (class identifying-health): default the tables' store. */
  readonly quarantineStore?: string;
  /** Default: the built-in French profile (fr-default). */
  readonly profile?: Profile;
  /** Schemas for CSV files without a sidecar `<name>.schema.yaml`. */
  readonly csvSchemas?: readonly CsvSchema[];
  /** Catalogue metadata: used when the dataset is created, and updated when given for an existing one. */
  readonly title?: string;
  readonly description?: string;
  readonly publisher?: string;
  readonly themes?: readonly string[];
  readonly keywords?: readonly string[];
  /** Pseudonym key name in the KeyProvider (default {@link DEFAULT_PSEUDONYM_KEY}). */
  readonly keyName?: string;
  readonly actor: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: IngestProgress) => void;
  /**
   * What to call an input file in the lineage and the quarantine register, by its resolved path
   * (default: the path). An upload spooled inside the hub's home is named as its sender named it.
   */
  readonly labels?: ReadonlyMap<string, string>;
}

export interface SkippedInput {
  readonly path: string;
  readonly sha256: string;
  /** The version that already holds it (undefined: the same bytes came twice in this call). */
  readonly version?: number;
}

export interface HubIngestResult {
  readonly dataset: string;
  readonly ingestId: string;
  /** The version recorded; absent when every input was already in the dataset (nothing was done). */
  readonly version?: number;
  readonly store: string;
  /** What this ingest read: read = accepted + quarantined, in total and per resource type. */
  readonly summary: IngestSummary;
  /** The parts this ingest wrote (non-empty tables only). */
  readonly tables: readonly { readonly name: string; readonly rows: number; readonly objectKey: string }[];
  readonly inputs: readonly IngestInput[];
  readonly skipped: readonly SkippedInput[];
  /** Distinct persons with a Patient record in the dataset, this version included. */
  readonly persons: number;
  readonly profile: { readonly name: string; readonly version: string; readonly digest: string };
  readonly keyId: string;
}

/** What every answer about an ingest starts with, `hdh ingest --json` and the API alike. */
export function ingestCounts(r: HubIngestResult) {
  return {
    dataset: r.dataset,
    ingestId: r.ingestId,
    version: r.version ?? null,
    store: r.store,
    read: r.summary.read,
    accepted: r.summary.accepted,
    quarantined: r.summary.quarantined,
    byType: r.summary.byType,
    quarantineByCode: r.summary.quarantineByCode,
    persons: r.persons,
  };
}

interface Target {
  readonly dataset: string;
  readonly store: string;
  readonly ingestId: string;
  readonly actor: string;
  readonly signal?: AbortSignal;
}

const EMPTY_SUMMARY: IngestSummary = {
  read: 0,
  accepted: 0,
  quarantined: 0,
  byType: {},
  quarantineByCode: {},
};

/** SHA-256 of a file's stored bytes, read through one reused buffer (a stream allocates one per chunk). */
async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        break;
      }
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function currentVersion(
  hub: Hub,
  meta: DatasetMetadata | undefined,
  trx?: Kysely<Database>,
): Promise<DatasetVersion | undefined> {
  if (meta?.currentVersion === undefined) {
    return undefined;
  }
  return hub.catalog.version(meta.name, meta.currentVersion, trx);
}

/**
 * Refuses an ingest before anything is read: a bad dataset name, an unknown store, a store the
 * dataset does not live in, or a placement the sovereignty policy forbids. Returns the stores.
 */
export async function checkIngestTarget(
  hub: Hub,
  options: Pick<HubIngestOptions, 'dataset' | 'store' | 'quarantineStore'>,
): Promise<{ store: string; quarantineStore: string; exists: boolean }> {
  assertDatasetName(options.dataset);
  const exists = await hub.catalog.exists(options.dataset);
  const meta = exists ? await hub.catalog.metadata(options.dataset) : undefined;
  return { ...resolveStores(hub, meta, options), exists };
}

/** Checks where the dataset's data may go before any work is done. */
function resolveStores(
  hub: Hub,
  meta: DatasetMetadata | undefined,
  options: Pick<HubIngestOptions, 'store' | 'quarantineStore'>,
): { store: string; quarantineStore: string } {
  const store = options.store ?? meta?.store ?? hub.config.defaultStore;
  hub.stores.config(store);
  if (meta !== undefined && meta.store !== store) {
    throw IngestErrors.INGEST_STORE_MISMATCH(
      `dataset "${meta.name}" lives in store "${meta.store}", not "${store}": ingest into "${meta.store}" or migrate the dataset`,
    );
  }
  if (meta !== undefined && meta.dataClass !== PSEUDONYMISED_CLASS) {
    throw HubErrors.HUB_CLASS_MISMATCH(
      `dataset "${meta.name}" holds ${meta.dataClass} data; ingestion writes ${PSEUDONYMISED_CLASS} tables`,
    );
  }
  const quarantineStore = options.quarantineStore ?? store;
  hub.stores.config(quarantineStore);
  // Refuse before reading a byte: the tables' class here, the quarantine's class there.
  hub.stores.assertPlacement(store, PSEUDONYMISED_CLASS);
  hub.stores.assertPlacement(quarantineStore, 'identifying-health');
  return { store, quarantineStore };
}

/** Best-effort removal of what a failed ingest wrote. */
async function undo(
  hub: Hub,
  target: Target,
  written: readonly { store: string; key: string }[],
): Promise<void> {
  await hub.quarantine.withdrawIngest(target.dataset, target.ingestId).catch(() => 0);
  for (const w of written) {
    await hub.stores.remove(w.store, w.key, target.actor).catch(() => undefined);
  }
}

/** Records the next version in one transaction with its audit entry (and `also`, e.g. a quarantine resolution). */
async function recordVersion(
  hub: Hub,
  audit: { actor: string; action: string; target: string; details: Record<string, unknown> },
  build: (
    current: DatasetVersion | undefined,
    version: number,
  ) => {
    tables: TableInfo[];
    inputs: InputInfo[];
    summary: IngestSummary;
    persons: number;
    profile: { name: string; version: string };
    keyId: string;
  },
  dataset: string,
  also?: (trx: Kysely<Database>, version: number) => Promise<void>,
): Promise<number> {
  return hub.audit.withEntry(
    audit,
    async (trx) => {
      const meta = await hub.catalog.metadata(dataset, trx);
      const current = await currentVersion(hub, meta, trx);
      const version = (current?.version ?? 0) + 1;
      const content = build(current, version);
      for (const input of content.inputs) {
        const held = await hub.catalog.inputVersion(dataset, input.sha256, trx);
        if (held !== undefined) {
          throw IngestErrors.INGEST_INPUT_UNSUPPORTED(
            `${input.fileName} (sha256 ${input.sha256.slice(0, 12)}…) was ingested into version ${held} meanwhile`,
          );
        }
      }
      const recorded = await hub.catalog.addVersion({ dataset, createdBy: audit.actor, ...content }, trx);
      await also?.(trx, recorded);
      return recorded;
    },
    (version) => ({ version }),
  );
}

function partsSummary(parts: readonly SealedPart[]): HubIngestResult['tables'] {
  return parts.map((p) => ({ name: p.table.name, rows: p.table.rows, objectKey: p.objectKey }));
}

/**
 * Ingests files into a dataset of the hub and records a new version.
 *
 * @example
 * ```ts
 * const r = await ingestIntoHub(hub, { dataset: 'cohort', inputs: ['export/'], actor: 'cli:alice' });
 * // r.summary.read === r.summary.accepted + r.summary.quarantined; r.version === 1
 * ```
 */
export async function ingestIntoHub(hub: Hub, options: HubIngestOptions): Promise<HubIngestResult> {
  const { dataset, actor, signal } = options;
  assertDatasetName(dataset);
  const exists = await hub.catalog.exists(dataset);
  const meta = exists ? await hub.catalog.metadata(dataset) : undefined;
  const { store, quarantineStore } = resolveStores(hub, meta, options);
  const profile = options.profile ?? (await defaultProfile());
  const keyName = options.keyName ?? DEFAULT_PSEUDONYM_KEY;
  const ingestId = newId('ing');
  const auditTarget = `dataset:${dataset}`;
  const label = (path: string): string => options.labels?.get(path) ?? path;

  const files = await expandInputs(options.inputs);
  if (files.length === 0) {
    throw IngestErrors.INGEST_INPUT_NOT_FOUND(
      `no file to ingest in ${options.inputs.join(', ')} (ingestion reads .ndjson, .jsonl, .json and .csv, optionally .gz)`,
    );
  }
  const fresh: typeof files = [];
  const skipped: SkippedInput[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const sha256 = await sha256File(f.path, signal);
    const version = exists ? await hub.catalog.inputVersion(dataset, sha256) : undefined;
    if (version !== undefined || seen.has(sha256)) {
      skipped.push({ path: label(f.path), sha256, ...(version !== undefined ? { version } : {}) });
      continue;
    }
    seen.add(sha256);
    fresh.push(f);
  }

  const provider = await hub.keys();
  const keyId = await provider.hmacKeyId(keyName, signal ? { signal } : {});
  const profileInfo = { name: profile.name, version: profile.version, digest: profile.digest };
  if (fresh.length === 0) {
    await hub.audit.record({
      actor,
      action: 'dataset.ingest',
      target: auditTarget,
      details: { ingest: ingestId, store, nothingNew: true, skipped: skipped.length },
    });
    return {
      dataset,
      ingestId,
      store,
      summary: EMPTY_SUMMARY,
      tables: [],
      inputs: [],
      skipped,
      persons: (await currentVersion(hub, meta))?.persons ?? 0,
      profile: profileInfo,
      keyId,
    };
  }

  // Schemas of the CSV files, resolved as the pipeline resolves them, so a quarantined row keeps its schema.
  const schemas = new Map<string, CsvSchema>();
  for (const f of fresh.filter((x) => x.kind === 'csv')) {
    const schema = await schemaForCsv(f.path, options.csvSchemas ?? []);
    schemas.set(schema.name, schema);
  }

  const workDir = join(hub.home, 'work', ingestId);
  const target: Target = { dataset, store, ingestId, actor, ...(signal ? { signal } : {}) };
  const written: { store: string; key: string }[] = [];
  let recorded = false;
  await mkdir(join(workDir, 'prior'), { recursive: true, mode: 0o700 });
  const spool = new QuarantineSpool(join(workDir, 'quarantine.spool'), ingestId, profileInfo, (name) =>
    schemas.get(name),
  );
  try {
    const current = await currentVersion(hub, meta);
    const priorRefs = await openParts(hub, store, current, 'person_ref', join(workDir, 'prior'), signal);
    const result = await runIngest({
      inputs: fresh.map((f) => f.path),
      workDir: join(workDir, 'tables'),
      profile,
      hmac: (name, data) => provider.hmac(name, data, signal ? { signal } : {}),
      keyName,
      keyId,
      onQuarantine:
        options.labels === undefined
          ? spool.add
          : (r) => spool.add({ ...r, origin: { ...r.origin, file: label(r.origin.file) } }),
      source: dataset,
      csvSchemas: [...schemas.values()],
      personRefs: priorRefs,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    assertSameColumns(result.tables, current);
    await ensureDataset(hub, meta, options, store);

    const tableKeys: string[] = [];
    const parts = await sealTables(hub, result.tables, target, tableKeys);
    written.push(...tableKeys.map((key) => ({ store, key })));
    const quarantineKeys: string[] = [];
    await sealQuarantine(hub, spool, { ...target, store: quarantineStore }, quarantineKeys);
    written.push(...quarantineKeys.map((key) => ({ store: quarantineStore, key })));
    const persons = result.persons;

    const inputs: InputInfo[] = result.inputs.map((i) => ({
      fileName: label(i.path),
      sha256: i.sha256,
      bytes: i.bytes,
    }));
    const version = await recordVersion(
      hub,
      {
        actor,
        action: 'dataset.ingest',
        target: auditTarget,
        details: {
          ingest: ingestId,
          store,
          read: result.summary.read,
          accepted: result.summary.accepted,
          quarantined: result.summary.quarantined,
          files: inputs.length,
          skipped: skipped.length,
          profile: profileInfo,
          keyId,
        },
      },
      (cur, v) => ({
        tables: nextTables(cur, parts, store, ingestId, v),
        inputs,
        summary: result.summary,
        persons,
        profile: { name: profile.name, version: profile.version },
        keyId,
      }),
      dataset,
    );
    recorded = true;
    return {
      dataset,
      ingestId,
      version,
      store,
      summary: result.summary,
      tables: partsSummary(parts),
      inputs: result.inputs.map((i) => ({ ...i, path: label(i.path) })),
      skipped,
      persons,
      profile: profileInfo,
      keyId,
    };
  } catch (err) {
    if (!recorded) {
      await undo(hub, target, written);
    }
    throw err;
  } finally {
    spool.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Creates the dataset on its first ingest (audited), or updates the metadata given for an existing one. */
async function ensureDataset(
  hub: Hub,
  meta: DatasetMetadata | undefined,
  options: HubIngestOptions,
  store: string,
): Promise<void> {
  const fields = {
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.publisher !== undefined ? { publisher: options.publisher } : {}),
    ...(options.themes !== undefined ? { themes: options.themes } : {}),
    ...(options.keywords !== undefined ? { keywords: options.keywords } : {}),
  };
  const audit = { actor: options.actor, target: `dataset:${options.dataset}` };
  if (meta === undefined) {
    await hub.audit.withEntry(
      { ...audit, action: 'dataset.create', details: { class: PSEUDONYMISED_CLASS, store } },
      (trx) =>
        hub.catalog.createDataset(
          {
            name: options.dataset,
            dataClass: PSEUDONYMISED_CLASS,
            store,
            createdBy: options.actor,
            ...fields,
          },
          trx,
        ),
    );
  } else if (Object.keys(fields).length > 0) {
    await hub.audit.withEntry({ ...audit, action: 'dataset.update', details: fields }, (trx) =>
      hub.catalog.updateMetadata(options.dataset, fields, trx),
    );
  }
}

// ---- The quarantine ------------------------------------------------------------------------------

export interface QuarantinedRecord {
  readonly entry: QuarantineEntry;
  readonly record: StoredQuarantineRecord;
  /** The original bytes. */
  readonly content: Buffer;
}

/** One page of a dataset's quarantine register, filtered, with the counts per status of all of it. */
export async function listQuarantined(
  hub: Hub,
  dataset: string,
  query: { status?: QuarantineStatus; code?: string; limit?: number; cursor?: string } = {},
): Promise<Page<QuarantineEntry> & { counts: Record<string, number> }> {
  await hub.catalog.metadata(dataset);
  const page = await hub.quarantine.list(dataset, query);
  return { ...page, counts: await hub.quarantine.counts(dataset) };
}

/** A quarantined record with its original content (identifying: the reading is audited). */
export async function showQuarantined(
  hub: Hub,
  options: { dataset: string; id: string; actor: string; signal?: AbortSignal },
): Promise<QuarantinedRecord> {
  const entry = await hub.quarantine.get(options.dataset, options.id);
  return hub.audit.track(
    {
      actor: options.actor,
      action: 'quarantine.show',
      target: `dataset:${options.dataset}`,
      details: { id: options.id },
    },
    async () => {
      const record = await readQuarantined(hub, entry, options.signal);
      return { entry, record, content: Buffer.from(record.content, 'base64') };
    },
  );
}

export interface ReingestQuarantinedOptions {
  readonly dataset: string;
  readonly id: string;
  /** The corrected record: a FHIR resource or Bundle entry (JSON), or one CSV row. */
  readonly content: Uint8Array | string;
  /** The profile the record was first ingested with (default fr-default); another one is refused. */
  readonly profile?: Profile;
  readonly keyName?: string;
  readonly actor: string;
  readonly signal?: AbortSignal;
}

export interface ReingestQuarantinedResult {
  readonly dataset: string;
  readonly id: string;
  readonly ingestId: string;
  readonly version: number;
  readonly summary: IngestSummary;
  readonly tables: HubIngestResult['tables'];
}

/**
 * Re-ingests the corrected version of a quarantined record, with the same profile and key as its
 * first ingest, into a new version of the dataset; the register entry becomes `reingested` in the
 * same transaction. A correction that still fails is refused (INGEST_REINGEST_REJECTED, every
 * problem in the details) and the entry stays open.
 */
export async function reingestQuarantined(
  hub: Hub,
  options: ReingestQuarantinedOptions,
): Promise<ReingestQuarantinedResult> {
  const { dataset, id, actor, signal } = options;
  const entry = await hub.quarantine.get(dataset, id);
  if (entry.status !== 'open') {
    throw CatalogErrors.QUARANTINE_ALREADY_RESOLVED(
      `quarantined record "${id}" is already ${entry.status} (${entry.resolution ?? ''})`,
    );
  }
  const stored = await readQuarantined(hub, entry, signal);
  const profile = options.profile ?? (await defaultProfile());
  if (profile.digest !== stored.profile.digest) {
    throw IngestErrors.INGEST_PROFILE_MISMATCH(
      `record "${id}" was ingested with profile ${stored.profile.name} ${stored.profile.version} ` +
        `(sha256 ${stored.profile.digest.slice(0, 12)}…); the profile given is ${profile.name} ${profile.version} ` +
        `(sha256 ${profile.digest.slice(0, 12)}…): pass the same profile with --profile`,
    );
  }
  const meta = await hub.catalog.metadata(dataset);
  const store = meta.store;
  const content =
    typeof options.content === 'string' ? Buffer.from(options.content) : Buffer.from(options.content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const held = await hub.catalog.inputVersion(dataset, sha256);
  if (held !== undefined) {
    throw IngestErrors.INGEST_REINGEST_REJECTED(
      `this content was already ingested into version ${held} of dataset "${dataset}"`,
    );
  }
  const provider = await hub.keys();
  const keyName = options.keyName ?? DEFAULT_PSEUDONYM_KEY;
  const keyId = await provider.hmacKeyId(keyName, signal ? { signal } : {});
  const ingestId = newId('ing');
  const workDir = join(hub.home, 'work', ingestId);
  const target: Target = { dataset, store, ingestId, actor, ...(signal ? { signal } : {}) };
  const written: { store: string; key: string }[] = [];
  let recorded = false;
  await mkdir(join(workDir, 'prior'), { recursive: true, mode: 0o700 });
  try {
    const current = await currentVersion(hub, meta);
    const priorRefs = await openParts(hub, store, current, 'person_ref', join(workDir, 'prior'), signal);
    const issues: Issue[] = [];
    const result = await reingestRecord({
      content,
      origin: stored.origin,
      workDir: join(workDir, 'tables'),
      profile,
      hmac: (name, data) => provider.hmac(name, data, signal ? { signal } : {}),
      keyName,
      keyId,
      onQuarantine: (r) => {
        issues.push(...r.issues);
        return Promise.resolve();
      },
      source: dataset,
      csvSchemas: stored.csvSchema ? [stored.csvSchema] : [],
      personRefs: priorRefs,
      ...(signal ? { signal } : {}),
    });
    if (issues.length > 0 || result.summary.accepted === 0) {
      const first = issues[0];
      throw IngestErrors.INGEST_REINGEST_REJECTED(
        first
          ? `the corrected record is still refused: ${first.code} ${first.message}`
          : 'the corrected content holds no record (a Bundle entry without a resource?)',
        { details: { issues } },
      );
    }
    assertSameColumns(result.tables, current);
    const tableKeys: string[] = [];
    const parts = await sealTables(hub, result.tables, target, tableKeys);
    written.push(...tableKeys.map((key) => ({ store, key })));
    const persons = result.persons;
    const version = await recordVersion(
      hub,
      {
        actor,
        action: 'quarantine.reingest',
        target: `dataset:${dataset}`,
        details: { id, ingest: ingestId, code: entry.code, keyId },
      },
      (cur, v) => ({
        tables: nextTables(cur, parts, store, ingestId, v),
        inputs: [
          { fileName: `${entry.file} line ${entry.line} (re-ingested ${id})`, sha256, bytes: content.length },
        ],
        summary: result.summary,
        persons,
        profile: { name: profile.name, version: profile.version },
        keyId,
      }),
      dataset,
      async (trx, v) => {
        await hub.quarantine.resolve(
          dataset,
          id,
          { status: 'reingested', by: actor, resolution: `version ${v} (ingest ${ingestId})` },
          trx,
        );
      },
    );
    recorded = true;
    return { dataset, id, ingestId, version, summary: result.summary, tables: partsSummary(parts) };
  } catch (err) {
    if (!recorded) {
      await undo(hub, target, written);
    }
    throw err;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Closes a quarantined record without re-ingesting it, with the reason (audited). */
export async function dismissQuarantined(
  hub: Hub,
  options: { dataset: string; id: string; reason: string; actor: string },
): Promise<QuarantineEntry> {
  return hub.audit.withEntry(
    {
      actor: options.actor,
      action: 'quarantine.dismiss',
      target: `dataset:${options.dataset}`,
      details: { id: options.id, reason: options.reason },
    },
    (trx) =>
      hub.quarantine.resolve(
        options.dataset,
        options.id,
        { status: 'dismissed', by: options.actor, resolution: options.reason },
        trx,
      ),
  );
}
