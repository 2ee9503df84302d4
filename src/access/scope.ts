/**
 * What an application asks for and what a permit covers: datasets (pinned to a version in a permit),
 * their tables, and columns per table.
 * @module
 */

export interface TableScope {
  readonly name: string;
  readonly columns: string[];
}

/** One dataset in an application; without a version the permit pins the newest at approval. */
export interface RequestedDataset {
  readonly dataset: string;
  readonly version?: string;
  readonly tables: TableScope[];
}

/** One dataset in a permit, always at a fixed version. */
export interface PermitDataset {
  readonly dataset: string;
  readonly version: string;
  readonly tables: TableScope[];
}

/** What a read of row-level data touches: the finer the parts named, the finer the check. */
export interface DataRequest {
  readonly name: string;
  readonly version?: string;
  readonly table?: string;
  readonly columns?: readonly string[];
}

/**
 * Whether one permit entry covers a data request. Parts left out of the request are not checked
 * here: the caller (the SPE) must then restrict itself to the permit's tables and columns, which the
 * decision hands back.
 */
export function scopeCovers(entry: PermitDataset, request: DataRequest): string | undefined {
  if (entry.dataset !== request.name) {
    return `dataset ${request.name} is not in the permit`;
  }
  if (request.version !== undefined && request.version !== entry.version) {
    return `the permit covers ${entry.dataset} version ${entry.version}, not ${request.version}`;
  }
  if (request.table === undefined) {
    return undefined;
  }
  const table = entry.tables.find((t) => t.name === request.table);
  if (table === undefined) {
    return `table ${entry.dataset}.${request.table} is not in the permit`;
  }
  const missing = (request.columns ?? []).filter((c) => !table.columns.includes(c));
  if (missing.length > 0) {
    return `column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `${table.name}.${c}`).join(', ')} not in the permit`;
  }
  return undefined;
}
