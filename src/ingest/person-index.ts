/**
 * The index of Patients of an ingest, built in a first pass over the inputs: for each reference key
 * naming an accepted Patient (`Patient/id`, its Bundle fullUrl), the person pseudonym; for a Patient
 * that will be quarantined, a marker, so records referring to it are quarantined too.
 *
 * Memory grows with the number of distinct Patients (about 200 bytes each), never with file sizes:
 * 10 million Patients need about 2 GB, so very large populations are best ingested in batches of
 * Patients with their records.
 * @module
 */

/** How a reference string is resolved: the key naming its target, and the target type if known. */
export interface ReferenceKey {
  readonly key: string;
  readonly type?: string;
}

const RELATIVE = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * Normalises a reference (relative, absolute, with a version, or a `urn:uuid:`/`urn:oid:` Bundle
 * reference) into the key of its target. Local references to contained resources (`#id`) have none.
 */
export function referenceKey(reference: string): ReferenceKey | undefined {
  if (reference.startsWith('#')) {
    return undefined;
  }
  if (reference.startsWith('urn:')) {
    return { key: reference };
  }
  const m = RELATIVE.exec(reference);
  if (m) {
    return { key: `${m[1]}/${m[2]}`, type: m[1]! };
  }
  return { key: reference };
}

export interface PersonEntry {
  /** The person pseudonym, or null when the Patient is quarantined. */
  readonly pseudonym: string | null;
  /** Where the Patient was first seen (`file:line:entry`), to tell duplicates from the original. */
  readonly origin: string;
}

export class PersonIndex {
  private readonly byKey = new Map<string, PersonEntry>();
  private readonly prior = new Map<string, string>();

  /** Registers a Patient under its keys; keys already taken keep their first owner. */
  register(keys: readonly string[], entry: PersonEntry): void {
    for (const key of keys) {
      if (!this.byKey.has(key)) {
        this.byKey.set(key, entry);
      }
    }
  }

  /** The Patient registered under `key` in this ingest. */
  get(key: string): PersonEntry | undefined {
    return this.byKey.get(key);
  }

  /** Adds a Patient known from an earlier ingest, by the keyed token of its reference key. */
  addPrior(refToken: string, pseudonym: string): void {
    this.prior.set(refToken, pseudonym);
  }

  get hasPrior(): boolean {
    return this.prior.size > 0;
  }

  /** The pseudonym of a Patient of an earlier ingest, by reference token. */
  getPrior(refToken: string): string | undefined {
    return this.prior.get(refToken);
  }

  get size(): number {
    return this.byKey.size;
  }
}
