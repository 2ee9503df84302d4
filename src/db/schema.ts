/**
 * Table types of the hub database, one interface per table. Columns use types both dialects return
 * the same way: text timestamps (ISO 8601, UTC), integers as numbers, JSON as text, bytes as Buffer.
 * @module
 */
import type { Generated } from 'kysely';

export interface HubMetaTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface DatasetKeysTable {
  key_id: string;
  dataset: string;
  /** The dataset key wrapped by the master key; NULL once destroyed (crypto-shredded). */
  wrapped: Buffer | null;
  wrap_alg: string;
  master_key_id: string;
  state: string;
  created_at: string;
  destroyed_at: string | null;
  destroyed_by: string | null;
}

export interface DatasetsTable {
  name: string;
  class: string;
  store: string;
  title: string;
  description: string;
  created_at: string;
  created_by: string;
  publisher: string | null;
  /** JSON array of theme codes. */
  themes: string | null;
  /** JSON array of keywords. */
  keywords: string | null;
  temporal_start: string | null;
  temporal_end: string | null;
  spatial: string | null;
  current_version: number | null;
  updated_at: string | null;
}

export interface DatasetVersionsTable {
  dataset: string;
  version: number;
  created_at: string;
  created_by: string;
  profile_name: string;
  profile_version: string;
  key_id: string;
  persons: number;
  /** JSON: read/accepted/quarantined, per resource type. */
  summary: string;
  /** JSON: tables with rows, columns and the object holding each. */
  tables: string;
  /** JSON: input files with SHA-256 and size. */
  inputs: string;
}

export interface DatasetInputsTable {
  dataset: string;
  sha256: string;
  version: number;
  file_name: string;
  bytes: number;
}

export interface QuarantineTable {
  id: string;
  dataset: string;
  ingest_id: string;
  code: string;
  message: string;
  file: string;
  line: number;
  resource_type: string | null;
  store: string;
  object_key: string;
  status: string;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

export interface ObjectsTable {
  store: string;
  key: string;
  object_id: string;
  dataset: string;
  class: string;
  sealed: number;
  key_id: string | null;
  plain_size: number;
  plain_sha256: string;
  sealed_size: number;
  sealed_sha256: string;
  created_at: string;
}

export interface Database {
  hub_meta: HubMetaTable;
  audit_log: AuditLogTable;
  dataset_keys: DatasetKeysTable;
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  dataset_inputs: DatasetInputsTable;
  quarantine: QuarantineTable;
  objects: ObjectsTable;
}

export type { Generated };
