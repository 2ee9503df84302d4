/**
 * The register of quarantined records: each entry points at the sealed object holding the original
 * content (class identifying-health) and says why it was set aside. Nothing is ever dropped: an
 * entry ends as `reingested` (a corrected version was accepted) or `dismissed` (by a named person).
 * @module
 */
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../core/index.js';
import type { Database, QuarantineTable } from '../db/index.js';
import { CatalogErrors } from './errors.js';
import type { Page } from './catalog.js';

export type QuarantineStatus = 'open' | 'reingested' | 'dismissed';

export interface QuarantineEntry {
  readonly id: string;
  readonly dataset: string;
  readonly ingestId: string;
  readonly code: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly resourceType?: string;
  readonly store: string;
  readonly objectKey: string;
  readonly status: QuarantineStatus;
  readonly createdAt: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: string;
  readonly resolution?: string;
}

export type NewQuarantineEntry = Omit<
  QuarantineEntry,
  'id' | 'status' | 'createdAt' | 'resolvedAt' | 'resolvedBy' | 'resolution'
> & {
  readonly id?: string;
};

export class QuarantineRegister {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async add(entries: readonly NewQuarantineEntry[], trx: Kysely<Database> = this.#db): Promise<string[]> {
    if (entries.length === 0) {
      return [];
    }
    const now = new Date().toISOString();
    const rows = entries.map((e) => ({
      id: e.id ?? newId('q'),
      dataset: e.dataset,
      ingest_id: e.ingestId,
      code: e.code,
      message: e.message,
      file: e.file,
      line: e.line,
      resource_type: e.resourceType ?? null,
      store: e.store,
      object_key: e.objectKey,
      status: 'open',
      created_at: now,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    }));
    // Stay well under both dialects' bound-parameter limits.
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('quarantine')
        .values(rows.slice(i, i + 500))
        .execute();
    }
    return rows.map((r) => r.id);
  }

  async list(
    dataset: string,
    query: { status?: QuarantineStatus; code?: string; limit?: number; cursor?: string } = {},
  ): Promise<Page<QuarantineEntry>> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    let q = this.#db.selectFrom('quarantine').selectAll().where('dataset', '=', dataset);
    if (query.status !== undefined) {
      q = q.where('status', '=', query.status);
    }
    if (query.code !== undefined) {
      q = q.where('code', '=', query.code);
    }
    if (query.cursor !== undefined) {
      q = q.where('id', '>', query.cursor);
    }
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toEntry);
    return rows.length > limit ? { items, nextCursor: items[items.length - 1]!.id } : { items };
  }

  async counts(dataset: string): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('quarantine')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('dataset', '=', dataset)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async get(dataset: string, id: string, trx: Kysely<Database> = this.#db): Promise<QuarantineEntry> {
    const row = await trx
      .selectFrom('quarantine')
      .selectAll()
      .where('dataset', '=', dataset)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) {
      throw CatalogErrors.QUARANTINE_NOT_FOUND(`no quarantined record "${id}" in dataset "${dataset}"`);
    }
    return toEntry(row);
  }

  /**
   * Withdraws the entries of an ingest that failed before recording its version: nothing of it was
   * accepted, so running it again quarantines the same records anew. Returns how many were removed.
   */
  async withdrawIngest(dataset: string, ingestId: string, trx: Kysely<Database> = this.#db): Promise<number> {
    const result = await trx
      .deleteFrom('quarantine')
      .where('dataset', '=', dataset)
      .where('ingest_id', '=', ingestId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async resolve(
    dataset: string,
    id: string,
    outcome: { status: Exclude<QuarantineStatus, 'open'>; by: string; resolution: string },
    trx: Kysely<Database> = this.#db,
  ): Promise<QuarantineEntry> {
    const entry = await this.get(dataset, id, trx);
    if (entry.status !== 'open') {
      throw CatalogErrors.QUARANTINE_ALREADY_RESOLVED(
        `quarantined record "${id}" is already ${entry.status} (${entry.resolution ?? ''})`,
      );
    }
    await trx
      .updateTable('quarantine')
      .set({
        status: outcome.status,
        resolved_at: new Date().toISOString(),
        resolved_by: outcome.by,
        resolution: outcome.resolution,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .execute();
    return this.get(dataset, id, trx);
  }
}

function toEntry(row: Selectable<QuarantineTable>): QuarantineEntry {
  return {
    id: row.id,
    dataset: row.dataset,
    ingestId: row.ingest_id,
    code: row.code,
    message: row.message,
    file: row.file,
    line: row.line,
    ...(row.resource_type !== null ? { resourceType: row.resource_type } : {}),
    store: row.store,
    objectKey: row.object_key,
    status: row.status as QuarantineStatus,
    createdAt: row.created_at,
    ...(row.resolved_at !== null ? { resolvedAt: row.resolved_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolution !== null ? { resolution: row.resolution } : {}),
  };
}
