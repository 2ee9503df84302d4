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

export interface TableInfo {
  readonly name: string;
  readonly description?: string;
  readonly rows: number;
  readonly columns: readonly ColumnInfo[];
  /** Store and key of the sealed object that holds the table (Parquet). */
  readonly store: string;
  readonly objectKey: string;
  readonly bytes: number;
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
