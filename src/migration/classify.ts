/**
 * Turns source entries into journal rows: data class and dataset (from the hub's own records, else
 * the class map, else the default), destination key, phase, and whether the destination can take
 * the object at all. Used by plan and by sync, one batch at a time.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { StoreCapabilities } from '../storage/index.js';
import type { ClassMap } from './class-map.js';
import { INSERT_BATCH, type NewObject } from './journal.js';
import type { SourceEntry } from './source-entry.js';
import type { MigrationSealer } from './types.js';

export interface ClassifyContext {
  readonly db: Kysely<Database>;
  readonly migration: string;
  readonly sourceStore: string;
  readonly sourcePrefix: string;
  readonly destPrefix: string;
  readonly destCapabilities: StoreCapabilities;
  readonly classOrder: readonly string[];
  readonly classMap?: ClassMap;
  readonly defaultClass?: string;
  /** Dataset of objects neither the hub records nor the class map place in one. */
  readonly defaultDataset: string;
  readonly sealer: MigrationSealer;
  readonly generation: number;
}

/** A classified entry: a journal row without its sequence number and unit yet. */
export type Classified = Omit<NewObject, 'seq' | 'unit'>;

/** Destination key of a source key: the source prefix replaced by the destination prefix. */
export function destinationKey(sourceKey: string, sourcePrefix: string, destPrefix: string): string {
  return destPrefix + sourceKey.slice(sourcePrefix.length);
}

/** Classifies a batch (one query for the hub records of the whole batch). */
export async function classifyBatch(
  ctx: ClassifyContext,
  entries: readonly SourceEntry[],
): Promise<Classified[]> {
  if (entries.length === 0) {
    return [];
  }
  // One query per 500 keys: under every dialect's bound-parameter limit.
  const records: { key: string; object_id: string; dataset: string; class: string; sealed: number }[] = [];
  for (let i = 0; i < entries.length; i += INSERT_BATCH) {
    const keys = entries.slice(i, i + INSERT_BATCH).map((e) => e.key);
    records.push(
      ...(await ctx.db
        .selectFrom('objects')
        .select(['key', 'object_id', 'dataset', 'class', 'sealed'])
        .where('store', '=', ctx.sourceStore)
        .where('key', 'in', keys)
        .execute()),
    );
  }
  const byKey = new Map(records.map((r) => [r.key, r]));
  const maxKeyBytes = ctx.destCapabilities.maxKeyBytes;
  const maxObjectBytes = ctx.destCapabilities.maxObjectBytes;
  return entries.map((entry) => {
    const destKey = destinationKey(entry.key, ctx.sourcePrefix, ctx.destPrefix);
    const record = byKey.get(entry.key);
    const mapped = record === undefined ? ctx.classMap?.lookup(entry.key) : undefined;
    const dataClass = record?.class ?? mapped?.dataClass ?? ctx.defaultClass;
    const dataset = record?.dataset ?? mapped?.dataset ?? ctx.defaultDataset;
    const objectId = record?.object_id ?? destKey;
    const phase = dataClass === undefined ? -1 : ctx.classOrder.indexOf(dataClass);
    let block: { code: string; message: string } | undefined;
    const sealedSize =
      record?.sealed === 1
        ? entry.size
        : ctx.sealer.sealedSize(entry.size, { objectId, dataset, dataClass: dataClass ?? '' });
    if (dataClass === undefined || phase < 0) {
      block = {
        code: 'MIGRATION_CLASS_UNKNOWN',
        message:
          dataClass === undefined
            ? 'no data class: not in the hub records, no class-map prefix matches, no --default-class'
            : `unknown data class ${dataClass}`,
      };
    } else if (Buffer.byteLength(destKey, 'utf8') > maxKeyBytes) {
      block = {
        code: 'MIGRATION_KEY_TOO_LONG',
        message: `destination key is ${Buffer.byteLength(destKey, 'utf8')} bytes; the destination accepts at most ${maxKeyBytes}`,
      };
    } else if (sealedSize > maxObjectBytes) {
      block = {
        code: 'MIGRATION_OBJECT_TOO_LARGE',
        message: `sealed size ${sealedSize} bytes exceeds the destination maximum of ${maxObjectBytes}`,
      };
    } else if (entry.archived) {
      block = {
        code: 'MIGRATION_SOURCE_ARCHIVED',
        message: 'in an archive tier: rehydrate it, then run `hdh migrate sync`',
      };
    }
    return {
      migration: ctx.migration,
      source_key: entry.key,
      dest_key: destKey,
      size: entry.size,
      etag: entry.etag,
      md5: entry.md5,
      last_modified: entry.lastModified.toISOString(),
      archived: entry.archived ? 1 : 0,
      dataset,
      class: dataClass ?? '',
      object_id: objectId,
      phase: Math.max(phase, 0),
      generation: ctx.generation,
      state: block === undefined ? 'pending' : 'blocked',
      error_code: block?.code ?? null,
      error_message: block?.message ?? null,
    };
  });
}
