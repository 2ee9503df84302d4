/**
 * One object of the source as the planner and sync see it, whether it came from a listing or from
 * an Azure Blob Inventory export.
 * @module
 */

export interface SourceEntry {
  /** Full key in the source store. */
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  /** The source's version marker, normalised (no quotes, lower case). */
  readonly etag: string | null;
  /** Hex MD5 the source service keeps for the whole content, when it has one. */
  readonly md5: string | null;
  /** Must be rehydrated before it can be read (Azure archive tier). */
  readonly archived: boolean;
}

/** Quotes stripped and lower case, so that a listing's and an inventory's ETags compare equal. */
export function normaliseEtag(etag: string | undefined | null): string | null {
  if (etag === undefined || etag === null || etag === '') {
    return null;
  }
  return etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

/** Azure and S3 give MD5 as base64 or hex; the journal keeps hex. */
export function md5Hex(value: string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (/^[0-9a-f]{32}$/i.test(value)) {
    return value.toLowerCase();
  }
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 16 ? bytes.toString('hex') : null;
}

/** The journal's record of a source version (an `ObjectRow`'s columns). */
export interface JournalVersion {
  readonly size: number;
  readonly etag: string | null;
  readonly last_modified: string;
}

/** Whether what the source says now is the version the journal holds. */
export function sameVersion(
  row: JournalVersion,
  info: { readonly size: number; readonly etag?: string | undefined; readonly lastModified: Date },
): boolean {
  if (info.size !== row.size) {
    return false;
  }
  const etag = normaliseEtag(info.etag);
  if (etag !== null && row.etag !== null) {
    return etag === row.etag;
  }
  return info.lastModified.getTime() === Date.parse(row.last_modified);
}
