/**
 * What the access concept needs to know about datasets, behind an interface the catalogue implements:
 * applications are checked against it and permits pin a version from it.
 * @module
 */

export interface DatasetTable {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface DatasetEntry {
  readonly name: string;
  /** Published versions, oldest first: the last one is the newest. */
  readonly versions: readonly string[];
  /** Tables of the newest version. */
  readonly tables: readonly DatasetTable[];
}

/** Looks datasets up by name; the catalogue provides the real one. */
export interface DatasetDirectory {
  get(name: string): Promise<DatasetEntry | undefined> | DatasetEntry | undefined;
}
