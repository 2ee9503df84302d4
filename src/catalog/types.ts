/**
 * What the catalogue knows about a dataset: its metadata, its versions and, per version, the tables
 * (columns with types and descriptions), counts and lineage. Never row-level data.
 * @module
 */

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly description: string;
}

/**
 * One Parquet file of a table, written by one ingest. A version holds every part written up to it,
 * so a table's rows are the union of its parts (DuckDB: `read_parquet([...])`).
 */
export interface TablePart {
  readonly objectKey: string;
  readonly rows: number;
  /** Plaintext size. */
  readonly bytes: number;
  readonly sha256: string;
  /** The ingest that wrote it, and the version it first appeared in. */
  readonly ingestId: string;
  readonly version: number;
}

export interface TableInfo {
  readonly name: string;
  readonly description?: string;
  /** Rows of every part. */
  readonly rows: number;
  readonly columns: readonly ColumnInfo[];
  /** Store of the sealed objects that hold the table (Parquet). */
  readonly store: string;
  /** The newest part's object (the only one for a table written once). */
  readonly objectKey: string;
  /** Plaintext bytes of every part. */
  readonly bytes: number;
  /** Every part, oldest first (absent in versions recorded before tables had parts: `objectKey` is then the table). */
  readonly parts?: readonly TablePart[];
}

export interface InputInfo {
  readonly fileName: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface IngestSummary {
  readonly read: number;
  readonly accepted: number;
  readonly quarantined: number;
  readonly byType: Readonly<Record<string, { read: number; accepted: number; quarantined: number }>>;
  /** Quarantined records per code. */
  readonly quarantineByCode?: Readonly<Record<string, number>>;
}

export interface DatasetVersion {
  readonly dataset: string;
  readonly version: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly profile: { readonly name: string; readonly version: string };
  readonly keyId: string;
  readonly persons: number;
  readonly summary: IngestSummary;
  readonly tables: readonly TableInfo[];
  readonly inputs: readonly InputInfo[];
}

export interface DatasetMetadata {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly dataClass: string;
  readonly store: string;
  readonly publisher: string;
  readonly themes: readonly string[];
  readonly keywords: readonly string[];
  readonly temporal?: { readonly start: string; readonly end: string };
  readonly spatial?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly currentVersion?: number;
}

export interface DatasetDetail extends DatasetMetadata {
  readonly versions: readonly Omit<DatasetVersion, 'tables' | 'inputs' | 'summary'>[];
  /** The current version in full (tables, lineage), when there is one. */
  readonly current?: DatasetVersion;
}

export interface NewDataset {
  readonly name: string;
  readonly dataClass: string;
  readonly store: string;
  readonly title?: string;
  readonly description?: string;
  readonly publisher?: string;
  readonly themes?: readonly string[];
  readonly keywords?: readonly string[];
  readonly createdBy: string;
}

export interface NewVersion {
  readonly dataset: string;
  readonly createdBy: string;
  readonly profile: { readonly name: string; readonly version: string };
  readonly keyId: string;
  readonly persons: number;
  readonly summary: IngestSummary;
  readonly tables: readonly TableInfo[];
  readonly inputs: readonly InputInfo[];
  readonly temporal?: { readonly start: string; readonly end: string };
  readonly spatial?: string;
}
