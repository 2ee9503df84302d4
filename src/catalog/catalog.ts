/**
 * The catalogue of datasets: metadata, versions with their tables and lineage, search. It holds
 * descriptions only — row-level data stays sealed in the stores.
 * @module
 */
import type { Kysely, Selectable } from 'kysely';
import { CoreErrors } from '../core/index.js';
import { prepareQuery, type Database, type DatasetsTable, type DatasetVersionsTable } from '../db/index.js';
import { CatalogErrors } from './errors.js';
import type { DatasetDetail, DatasetMetadata, DatasetVersion, NewDataset, NewVersion } from './types.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Whether `name` is a valid dataset name (lower-case letters, digits, ".", "-", "_"; 1–100). */
export function isDatasetName(name: string): boolean {
  return NAME.test(name);
}

export function assertDatasetName(name: string): void {
  if (!isDatasetName(name)) {
    throw CatalogErrors.CATALOG_INVALID_NAME(
      `dataset name "${name}" is not valid: use lower-case letters, digits, ".", "-" and "_" (1–100 characters)`,
    );
  }
}

export interface ListQuery {
  /** Words matched against name, title, description, keywords and themes. */
  readonly q?: string;
  readonly theme?: string;
  readonly dataClass?: string;
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

export class Catalog {
  readonly #db: Kysely<Database>;
  /** Compiled once: readers of a cached catalogue run it on every request. */
  readonly #generation;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#generation = prepareQuery(db, [], () =>
      db.selectFrom('catalogue_generation').select('value').where('id', '=', 1),
    );
  }

  /**
   * The catalogue's generation: it changes, by database trigger, in the same transaction as any change
   * to a dataset or its versions, made by any process sharing the database. Whatever was read from the
   * catalogue under one generation is still true while the generation has not changed.
   */
  async generation(): Promise<number> {
    const [row] = await this.#generation({});
    if (row === undefined) {
      throw CoreErrors.INTERNAL_ERROR('the catalogue generation row is missing from the database');
    }
    return row.value;
  }

  async createDataset(input: NewDataset, trx: Kysely<Database> = this.#db): Promise<DatasetMetadata> {
    assertDatasetName(input.name);
    const existing = await trx
      .selectFrom('datasets')
      .select('name')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (existing) {
      throw CatalogErrors.CATALOG_DATASET_EXISTS(`dataset "${input.name}" already exists`);
    }
    const now = new Date().toISOString();
    await trx
      .insertInto('datasets')
      .values({
        name: input.name,
        class: input.dataClass,
        store: input.store,
        title: input.title ?? input.name,
        description: input.description ?? '',
        publisher: input.publisher ?? null,
        themes: JSON.stringify(input.themes ?? []),
        keywords: JSON.stringify(input.keywords ?? []),
        temporal_start: null,
        temporal_end: null,
        spatial: null,
        current_version: null,
        created_at: now,
        created_by: input.createdBy,
        updated_at: now,
      })
      .execute();
    return this.metadata(input.name, trx);
  }

  async exists(name: string, trx: Kysely<Database> = this.#db): Promise<boolean> {
    return (
      (await trx.selectFrom('datasets').select('name').where('name', '=', name).executeTakeFirst()) !==
      undefined
    );
  }

  async metadata(name: string, trx: Kysely<Database> = this.#db): Promise<DatasetMetadata> {
    const row = await trx.selectFrom('datasets').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) {
      throw CatalogErrors.CATALOG_DATASET_NOT_FOUND(`no dataset "${name}" in the catalogue`);
    }
    return toMetadata(row);
  }

  async updateMetadata(
    name: string,
    patch: Partial<Pick<NewDataset, 'title' | 'description' | 'publisher' | 'themes' | 'keywords'>>,
    trx: Kysely<Database> = this.#db,
  ): Promise<DatasetMetadata> {
    await this.metadata(name, trx);
    await trx
      .updateTable('datasets')
      .set({
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.publisher !== undefined ? { publisher: patch.publisher } : {}),
        ...(patch.themes !== undefined ? { themes: JSON.stringify(patch.themes) } : {}),
        ...(patch.keywords !== undefined ? { keywords: JSON.stringify(patch.keywords) } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('name', '=', name)
      .execute();
    return this.metadata(name, trx);
  }

  async detail(name: string): Promise<DatasetDetail> {
    const meta = await this.metadata(name);
    const rows = await this.#db
      .selectFrom('dataset_versions')
      .selectAll()
      .where('dataset', '=', name)
      .orderBy('version')
      .execute();
    const versions = rows.map(toVersion);
    const current = versions.find((v) => v.version === meta.currentVersion);
    return {
      ...meta,
      versions: versions.map(({ tables: _t, inputs: _i, summary: _s, ...v }) => v),
      ...(current ? { current } : {}),
    };
  }

  async version(name: string, version?: number, trx: Kysely<Database> = this.#db): Promise<DatasetVersion> {
    const meta = await this.metadata(name, trx);
    const wanted = version ?? meta.currentVersion;
    const row =
      wanted === undefined
        ? undefined
        : await trx
            .selectFrom('dataset_versions')
            .selectAll()
            .where('dataset', '=', name)
            .where('version', '=', wanted)
            .executeTakeFirst();
    if (!row) {
      throw CatalogErrors.CATALOG_VERSION_NOT_FOUND(
        `dataset "${name}" has no version ${wanted ?? '(none yet)'}`,
      );
    }
    return toVersion(row);
  }

  /** Datasets in name order, filtered, a page at a time. */
  async list(query: ListQuery = {}): Promise<Page<DatasetMetadata>> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    let q = this.#db.selectFrom('datasets').selectAll();
    if (query.cursor !== undefined) {
      q = q.where('name', '>', decodeCursor(query.cursor));
    }
    if (query.dataClass !== undefined) {
      q = q.where('class', '=', query.dataClass);
    }
    if (query.theme !== undefined) {
      q = q.where('themes', 'like', `%${JSON.stringify(query.theme)}%`);
    }
    for (const word of (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean)) {
      const like = `%${word.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or(
          (['name', 'title', 'description', 'keywords', 'themes'] as const).map((col) =>
            eb(eb.fn('lower', [col]), 'like', like),
          ),
        ),
      );
    }
    const rows = await q
      .orderBy('name')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toMetadata);
    return rows.length > limit
      ? { items, nextCursor: encodeCursor(items[items.length - 1]!.name) }
      : { items };
  }

  /** Every dataset, streamed in name order (for exports). */
  async *all(): AsyncIterable<DatasetMetadata> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list({ limit: 200, ...(cursor !== undefined ? { cursor } : {}) });
      yield* page.items;
      if (page.nextCursor === undefined) {
        return;
      }
      cursor = page.nextCursor;
    }
  }

  /** The version that already holds an input with this SHA-256, if any. */
  async inputVersion(
    dataset: string,
    sha256: string,
    trx: Kysely<Database> = this.#db,
  ): Promise<number | undefined> {
    const row = await trx
      .selectFrom('dataset_inputs')
      .select('version')
      .where('dataset', '=', dataset)
      .where('sha256', '=', sha256)
      .executeTakeFirst();
    return row?.version;
  }

  /** Records a new version and makes it current; returns its number. */
  async addVersion(input: NewVersion, trx: Kysely<Database> = this.#db): Promise<number> {
    const meta = await this.metadata(input.dataset, trx);
    const last = await trx
      .selectFrom('dataset_versions')
      .select((eb) => eb.fn.max<number>('version').as('v'))
      .where('dataset', '=', input.dataset)
      .executeTakeFirst();
    const version = (last?.v ?? 0) + 1;
    const now = new Date().toISOString();
    await trx
      .insertInto('dataset_versions')
      .values({
        dataset: input.dataset,
        version,
        created_at: now,
        created_by: input.createdBy,
        profile_name: input.profile.name,
        profile_version: input.profile.version,
        key_id: input.keyId,
        persons: input.persons,
        summary: JSON.stringify(input.summary),
        tables: JSON.stringify(input.tables),
        inputs: JSON.stringify(input.inputs),
      })
      .execute();
    if (input.inputs.length > 0) {
      await trx
        .insertInto('dataset_inputs')
        .values(
          input.inputs.map((i) => ({
            dataset: input.dataset,
            sha256: i.sha256,
            version,
            file_name: i.fileName,
            bytes: i.bytes,
          })),
        )
        .execute();
    }
    const start = minIso(meta.temporal?.start, input.temporal?.start);
    const end = maxIso(meta.temporal?.end, input.temporal?.end);
    await trx
      .updateTable('datasets')
      .set({
        current_version: version,
        updated_at: now,
        temporal_start: start ?? null,
        temporal_end: end ?? null,
        spatial: input.spatial ?? meta.spatial ?? null,
      })
      .where('name', '=', input.dataset)
      .execute();
    return version;
  }

  /** Points a dataset at another store (migration cut-over and rollback). */
  async moveToStore(dataset: string, store: string, trx: Kysely<Database> = this.#db): Promise<void> {
    await trx
      .updateTable('datasets')
      .set({ store, updated_at: new Date().toISOString() })
      .where('name', '=', dataset)
      .execute();
  }
}

function toMetadata(row: Selectable<DatasetsTable>): DatasetMetadata {
  return {
    name: row.name,
    title: row.title,
    description: row.description,
    dataClass: row.class,
    store: row.store,
    publisher: row.publisher ?? '',
    themes: parseList(row.themes),
    keywords: parseList(row.keywords),
    ...(row.temporal_start && row.temporal_end
      ? { temporal: { start: row.temporal_start, end: row.temporal_end } }
      : {}),
    ...(row.spatial ? { spatial: row.spatial } : {}),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at ?? row.created_at,
    ...(row.current_version !== null ? { currentVersion: row.current_version } : {}),
  };
}

function toVersion(row: Selectable<DatasetVersionsTable>): DatasetVersion {
  return {
    dataset: row.dataset,
    version: row.version,
    createdAt: row.created_at,
    createdBy: row.created_by,
    profile: { name: row.profile_name, version: row.profile_version },
    keyId: row.key_id,
    persons: row.persons,
    summary: JSON.parse(row.summary) as DatasetVersion['summary'],
    tables: JSON.parse(row.tables) as DatasetVersion['tables'],
    inputs: JSON.parse(row.inputs) as DatasetVersion['inputs'],
  };
}

function parseList(text: string | null): string[] {
  if (!text) {
    return [];
  }
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.map(String) : [];
}

function encodeCursor(name: string): string {
  return Buffer.from(name).toString('base64url');
}

function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}

function minIso(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) {
    return b;
  }
  if (b === undefined) {
    return a;
  }
  return a < b ? a : b;
}

function maxIso(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) {
    return b;
  }
  if (b === undefined) {
    return a;
  }
  return a > b ? a : b;
}
