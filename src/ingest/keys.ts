/**
 * Keyed values of an ingest, all derived from one pseudonym key held by the hub's KeyProvider:
 *
 * - the **person pseudonym** (the linkage key, from the NIR/INS) is computed by the provider itself —
 *   inside the HSM where the provider is one — one call per distinct person, results kept in a bounded
 *   LRU cache. A NIR is enumerable (≈ 10¹¹ candidates), so this key must never be exposed.
 * - every other keyed value (resource id tokens, date-shift offsets, perturbation noise, `pseudonym`
 *   of non-person values) uses a **subkey** the provider derives once per ingest
 *   (HMAC(key, "hdh-ingest/v1/subkey")). It lives only in memory for the ingest's duration; an HSM round
 *   trip per resource would cap ingestion at the HSM's rate.
 *
 * Same key → same values in every ingest; another key → unrelated values.
 * @module
 */
import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `data` under the provider's pseudonym key `keyName` (KeyProvider.hmac). */
export type HmacFunction = (keyName: string, data: Uint8Array) => Promise<Uint8Array>;

const encoder = new TextEncoder();

/** A Map kept to a maximum size by evicting the least recently used entry. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  get size(): number {
    return this.map.size;
  }
}

/** Formats 16 bytes of hex as a UUID-shaped string (8-4-4-4-12). */
function uuidShape(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20, 32)}`;
}

export class PseudonymKeys {
  private readonly persons: LruCache<string, string>;
  private readonly offsets: LruCache<string, number>;
  /** Number of calls made to the provider (for tests and the bench). */
  providerCalls = 0;

  private constructor(
    private readonly hmac: HmacFunction,
    private readonly keyName: string,
    private readonly subkey: Buffer,
    cacheSize: number,
  ) {
    this.persons = new LruCache(cacheSize);
    this.offsets = new LruCache(cacheSize);
  }

  /** Derives the ingest's subkey through the provider. */
  static async create(hmac: HmacFunction, keyName: string, cacheSize = 100_000): Promise<PseudonymKeys> {
    const subkey = Buffer.from(await hmac(keyName, encoder.encode('hdh-ingest/v1/subkey')));
    return new PseudonymKeys(hmac, keyName, subkey, cacheSize);
  }

  /**
   * The person pseudonym (32 hex characters) of a normalised national identifier (`scope` `nir`), or
   * of a source-local identity when the person has none (`scope` `local`, e.g. `source|Patient/123`).
   */
  async person(identity: string, scope: 'nir' | 'local'): Promise<string> {
    const cacheKey = `${scope}\u0000${identity}`;
    const hit = this.persons.get(cacheKey);
    if (hit !== undefined) return hit;
    this.providerCalls++;
    const mac = await this.hmac(
      this.keyName,
      encoder.encode(`hdh-ingest/v1/person/${scope}\u0000${identity}`),
    );
    const pseudonym = Buffer.from(mac).toString('hex', 0, 16);
    this.persons.set(cacheKey, pseudonym);
    return pseudonym;
  }

  /** A keyed token (32 hex characters) of `value` in `domain` (`resource`, `value`, `ref`…). */
  token(domain: string, value: string): string {
    return createHmac('sha256', this.subkey).update(`${domain}\u0000${value}`).digest('hex').slice(0, 32);
  }

  /** The same token, shaped as a UUID (for resources known by a `urn:uuid:` fullUrl). */
  tokenUuid(domain: string, value: string): string {
    return uuidShape(this.token(domain, value));
  }

  /**
   * The date-shift offset of a person, in days: uniform over [−maxDays, −1] ∪ [1, maxDays] (never 0,
   * so every date moves), the same for every record of the person.
   */
  dateShiftDays(personPseudonym: string, maxDays: number): number {
    const cacheKey = `${maxDays}\u0000${personPseudonym}`;
    const hit = this.offsets.get(cacheKey);
    if (hit !== undefined) return hit;
    const mac = createHmac('sha256', this.subkey).update(`dateshift\u0000${personPseudonym}`).digest();
    const v = mac.readUInt32BE(0) % (2 * maxDays);
    const days = v < maxDays ? -(v + 1) : v - maxDays + 1;
    this.offsets.set(cacheKey, days);
    return days;
  }

  /** Deterministic noise in [−0.5, 0.5) for a person and a rule path (perturb). */
  unitNoise(personOrResource: string, path: string): number {
    const mac = createHmac('sha256', this.subkey)
      .update(`perturb\u0000${personOrResource}\u0000${path}`)
      .digest();
    return mac.readUInt32BE(0) / 0x1_0000_0000 - 0.5;
  }
}
