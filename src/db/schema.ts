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
  objects: ObjectsTable;
}

export type { Generated };
