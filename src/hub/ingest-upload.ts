/**
 * Ingestion of one uploaded file (the API's `POST /api/datasets/{name}/ingest`): every refusal that
 * needs no byte of the upload comes first (name, stores, placement, profile, CSV schema, declared
 * size); then the body is streamed to a file in the hub's home — never held in memory, cut off at
 * the configured maximum — and goes through {@link ingestIntoHub}, exactly what `hdh ingest` runs.
 * The spooled file is removed whatever happens.
 * @module
 */
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CoreErrors, newId } from '../core/index.js';
import { CatalogErrors } from '../catalog/index.js';
import { defaultProfile, IngestErrors, parseCsvSchemaText } from '../ingest/index.js';
import type { Hub } from './hub.js';
import { checkIngestTarget, ingestIntoHub, type HubIngestOptions, type HubIngestResult } from './ingest.js';

/** What an upload holds: FHIR NDJSON, FHIR JSON (a resource or a Bundle), or CSV rows. */
export type UploadFormat = 'ndjson' | 'json' | 'csv';

export interface IngestUploadOptions extends Pick<
  HubIngestOptions,
  'dataset' | 'store' | 'quarantineStore' | 'title' | 'description' | 'actor' | 'signal'
> {
  /** The bytes as sent (gzipped when `gzip`). */
  readonly body: AsyncIterable<Uint8Array>;
  readonly format: UploadFormat;
  readonly gzip: boolean;
  /** The name the lineage and the quarantine register give the file (default `upload.<format>`). */
  readonly fileName?: string;
  /** For CSV: the schema (YAML or JSON text), as `hdh ingest --schema` reads it from a file. */
  readonly csvSchema?: string;
  /** Largest upload accepted, in bytes (as sent). */
  readonly maxBytes: number;
  /** The size the sender declared (Content-Length), refused at once when above `maxBytes`. */
  readonly declaredBytes?: number;
  /** Create the dataset when it does not exist yet (otherwise an unknown name is refused). */
  readonly create?: boolean;
}

/**
 * Writes the body to `file`, refusing it once it exceeds `max` bytes. The body is only read, never
 * destroyed here: the caller still answers on the connection it arrived on.
 */
async function spool(
  body: AsyncIterable<Uint8Array>,
  file: string,
  max: number,
  signal?: AbortSignal,
): Promise<number> {
  const out = await open(file, 'wx', 0o600);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      signal?.throwIfAborted();
      bytes += chunk.length;
      if (bytes > max) {
        throw tooLarge(max);
      }
      await out.write(chunk);
    }
  } finally {
    await out.close();
  }
  return bytes;
}

function tooLarge(max: number) {
  return IngestErrors.INGEST_UPLOAD_TOO_LARGE(
    `the upload is larger than ${max} bytes, the most this hub ingests over the API (server.ingestUploadLimitBytes): split it, or run \`hdh ingest\` on the hub`,
    { details: { limitBytes: max } },
  );
}

/** Ingests one uploaded file into a dataset and records a new version, as `hdh ingest` does. */
export async function ingestUpload(hub: Hub, options: IngestUploadOptions): Promise<HubIngestResult> {
  const { dataset, format, maxBytes } = options;
  const target = await checkIngestTarget(hub, options);
  if (!target.exists && options.create !== true) {
    throw CatalogErrors.CATALOG_DATASET_NOT_FOUND(
      `no dataset "${dataset}" in the catalogue: ask to create it on this ingest (create=true), or check the name`,
    );
  }
  await assertDefaultProfile(hub, dataset, target.exists);
  if (format === 'csv' && options.csvSchema === undefined) {
    throw IngestErrors.INGEST_INPUT_UNSUPPORTED(
      'a CSV upload needs its schema (the YAML or JSON that `hdh ingest --schema` reads)',
    );
  }
  if (format !== 'csv' && options.csvSchema !== undefined) {
    throw CoreErrors.INPUT_INVALID(`a CSV schema was given with a ${format} upload; only CSV takes one`);
  }
  const schemaText = options.csvSchema;
  if (schemaText !== undefined) {
    parseCsvSchemaText(schemaText, 'of the upload');
  }
  if (options.declaredBytes !== undefined && options.declaredBytes > maxBytes) {
    throw tooLarge(maxBytes);
  }

  const uploadDir = resolve(hub.home, 'work', newId('upl'));
  const file = join(uploadDir, `upload.${format}${options.gzip ? '.gz' : ''}`);
  try {
    await mkdir(uploadDir, { recursive: true, mode: 0o700 });
    const bytes = await spool(options.body, file, maxBytes, options.signal);
    if (bytes === 0) {
      throw IngestErrors.INGEST_UPLOAD_EMPTY(
        `the upload for dataset "${dataset}" is empty: send the file as the body`,
      );
    }
    if (schemaText !== undefined) {
      // A sidecar: the pipeline takes it for this file, and a quarantined row keeps it.
      await writeFile(join(uploadDir, 'upload.schema.yaml'), schemaText, { mode: 0o600 });
    }
    return await ingestIntoHub(hub, {
      dataset,
      inputs: [file],
      actor: options.actor,
      labels: new Map([[file, options.fileName ?? `upload.${format}${options.gzip ? '.gz' : ''}`]]),
      ...(options.store !== undefined ? { store: options.store } : {}),
      ...(options.quarantineStore !== undefined ? { quarantineStore: options.quarantineStore } : {}),
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    await rm(uploadDir, { recursive: true, force: true });
  }
}

/**
 * Over the API the built-in profile applies: the profile decides what stays identifying, which is
 * the hub operator's choice, not a sender's. A dataset whose current version was made with another
 * profile (`hdh ingest --profile`) is refused rather than mixed.
 */
async function assertDefaultProfile(hub: Hub, dataset: string, exists: boolean): Promise<void> {
  if (!exists) {
    return;
  }
  const meta = await hub.catalog.metadata(dataset);
  if (meta.currentVersion === undefined) {
    return;
  }
  const current = await hub.catalog.version(dataset, meta.currentVersion);
  const profile = await defaultProfile();
  if (current.profile.name !== profile.name || current.profile.version !== profile.version) {
    throw IngestErrors.INGEST_PROFILE_MISMATCH(
      `dataset "${dataset}" was ingested with profile ${current.profile.name} ${current.profile.version}; ` +
        `the API ingests with the built-in ${profile.name} ${profile.version} only: ingest with \`hdh ingest --profile\` on the hub`,
    );
  }
}
