/**
 * The quarantine side of an ingest in the hub. Records set aside by the pipeline are spooled to a
 * file in the ingest's work folder while it runs (memory stays flat however many fail), then sealed
 * into the dataset's store in batches — class `identifying-health`, since they may still hold names
 * and NIRs — and registered, one register entry per record pointing at its batch object.
 *
 * A batch object is NDJSON: one {@link StoredQuarantineRecord} per line, the original bytes in base64.
 * It also keeps what re-ingesting the record needs: the profile digest it was checked under and, for
 * a CSV row, the schema.
 * @module
 */
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { newId } from '../core/index.js';
import { CatalogErrors } from '../catalog/index.js';
import type { NewQuarantineEntry, QuarantineEntry } from '../catalog/index.js';
import type { CsvSchema, Issue, QuarantineRecord, RecordOrigin } from '../ingest/index.js';
import type { Hub } from './hub.js';

/** One quarantined record as sealed in its batch object. */
export interface StoredQuarantineRecord {
  readonly id: string;
  readonly ingestId: string;
  readonly code: string;
  readonly message: string;
  readonly path: string;
  readonly issues: readonly Issue[];
  readonly origin: RecordOrigin;
  readonly recordType: string;
  readonly truncated: boolean;
  /** The original bytes, base64. */
  readonly content: string;
  /** The profile the record was checked under. */
  readonly profile: { readonly name: string; readonly version: string; readonly digest: string };
  /** For a CSV row: the schema its file was read with. */
  readonly csvSchema?: CsvSchema;
}

/** A batch holds at most this many records, or this many bytes (plus the record that crosses it). */
const BATCH_RECORDS = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/** Writes quarantined records to a local spool file, one JSON line each. */
export class QuarantineSpool {
  readonly #fd: number;
  #count = 0;
  #closed = false;

  constructor(
    readonly file: string,
    private readonly ingestId: string,
    private readonly profile: StoredQuarantineRecord['profile'],
    private readonly schemaOf: (csvSchemaName: string) => CsvSchema | undefined,
  ) {
    this.#fd = openSync(file, 'w', 0o600);
  }

  get count(): number {
    return this.#count;
  }

  /** The pipeline's `onQuarantine`: synchronous writes, so records never pile up in memory. */
  readonly add = (record: QuarantineRecord): Promise<void> => {
    const schema = record.origin.csvSchema !== undefined ? this.schemaOf(record.origin.csvSchema) : undefined;
    const stored: StoredQuarantineRecord = {
      id: newId('q'),
      ingestId: this.ingestId,
      code: record.code,
      message: record.message,
      path: record.path,
      issues: record.issues,
      origin: record.origin,
      recordType: record.recordType,
      truncated: record.truncated,
      content: Buffer.from(record.content).toString('base64'),
      profile: this.profile,
      ...(schema !== undefined ? { csvSchema: schema } : {}),
    };
    writeSync(this.#fd, `${JSON.stringify(stored)}\n`);
    this.#count++;
    return Promise.resolve();
  };

  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      closeSync(this.#fd);
    }
  }
}

/** Where the batches of an ingest's quarantine go in the store. */
export function quarantinePrefix(dataset: string, ingestId: string): string {
  return `datasets/${dataset}/ingests/${ingestId}/quarantine/`;
}

/**
 * Seals the spooled records into batch objects and registers them. Each batch is registered right
 * after its object is written, so memory holds one batch at most. Returns the keys written (for
 * clean-up should the ingest fail later) and the number of records.
 */
export async function sealQuarantine(
  hub: Hub,
  spool: QuarantineSpool,
  target: { dataset: string; store: string; ingestId: string; actor: string; signal?: AbortSignal },
  written: string[],
): Promise<number> {
  spool.close();
  if (spool.count === 0) {
    return 0;
  }
  let lines: string[] = [];
  let bytes = 0;
  let batch = 0;
  let total = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) {
      return;
    }
    batch++;
    const key = `${quarantinePrefix(target.dataset, target.ingestId)}${String(batch).padStart(6, '0')}.ndjson`;
    const body = Buffer.from(lines.join('\n') + '\n');
    await hub.stores.put({
      store: target.store,
      key,
      body,
      size: body.length,
      dataset: target.dataset,
      quarantined: true,
      actor: target.actor,
      details: { ingest: target.ingestId, records: lines.length },
      ...(target.signal ? { signal: target.signal } : {}),
    });
    written.push(key);
    const entries: NewQuarantineEntry[] = lines.map((line) => {
      const r = JSON.parse(line) as StoredQuarantineRecord;
      return {
        id: r.id,
        dataset: target.dataset,
        ingestId: target.ingestId,
        code: r.code,
        message: r.message,
        file: r.origin.file,
        line: r.origin.line,
        resourceType: r.recordType,
        store: target.store,
        objectKey: key,
      };
    });
    await hub.quarantine.add(entries);
    total += lines.length;
    lines = [];
    bytes = 0;
  };
  const input = createInterface({ input: createReadStream(spool.file), crlfDelay: Infinity });
  for await (const line of input) {
    if (line === '') {
      continue;
    }
    lines.push(line);
    bytes += line.length;
    if (lines.length >= BATCH_RECORDS || bytes >= BATCH_BYTES) {
      await flush();
    }
  }
  await flush();
  return total;
}

/** Reads a quarantined record back from its sealed batch object. */
export async function readQuarantined(
  hub: Hub,
  entry: QuarantineEntry,
  signal?: AbortSignal,
): Promise<StoredQuarantineRecord> {
  const body = await hub.stores.get(entry.store, entry.objectKey, signal ? { signal } : {});
  const marker = `{"id":${JSON.stringify(entry.id)},`;
  const input = createInterface({ input: body, crlfDelay: Infinity });
  try {
    for await (const line of input) {
      if (line.startsWith(marker)) {
        return JSON.parse(line) as StoredQuarantineRecord;
      }
    }
  } finally {
    input.close();
    body.destroy();
  }
  throw CatalogErrors.QUARANTINE_NOT_FOUND(
    `the register points quarantined record "${entry.id}" at ${entry.store}:${entry.objectKey}, which does not hold it`,
  );
}
