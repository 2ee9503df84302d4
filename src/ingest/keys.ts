/**
 * Keyed values of an ingest, all derived from one pseudonym key held by the hub's KeyProvider:
 *
 * - the **person pseudonym** (the linkage key, from the NIR/INS) is computed by the provider itself —
 *   inside the HSM where the provider is one — one call per distinct person, results kept in a bounded
 *   LRU cache. A NIR is enumerable (≈ 10¹¹ candidates), so this key must never be exposed.
 * - every other keyed value uses **subkeys** the provider derives once per ingest
 *   (HMAC(key, "hdh-ingest/v1/…")), which live only in memory for the ingest's duration — an HSM round
 *   trip per resource would cap ingestion at the HSM's rate: date-shift offsets and perturbation noise
 *   are HMAC-SHA256 under one; tokens of resource ids, references and `pseudonym` values (one or more
 *   per record) are SipHash-2-4-128 under another, a PRF for short inputs about ten times cheaper
 *   than a Node HMAC object per call.
 *
 * Same key → same values in every ingest; another key → unrelated values.
 * @module
 */
import { createHmac } from 'node:crypto';
import { SipHash128 } from './siphash.js';

/** HMAC-SHA256 of `data` under the provider's pseudonym key `keyName` (KeyProvider.hmac). */
export type HmacFunction = (keyName: string, data: Uint8Array) => Promise<Uint8Array>;

const encoder = new TextEncoder();

/**
 * A bounded cache with least-recently-used eviction, approximated by two generations: entries live in
 * `hot`; when it is half full it becomes `cold` and a new `hot` starts; a hit in `cold` moves the entry
 * back to `hot`. So at most `capacity` entries are kept, recently used ones survive, and a hit costs one
 * map read — an exact LRU would reorder the map on every hit.
 */
export class LruCache<K, V> {
  private hot = new Map<K, V>();
  private cold = new Map<K, V>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: K): V | undefined {
    const value = this.hot.get(key);
    if (value !== undefined) {
      return value;
    }
    const old = this.cold.get(key);
    if (old !== undefined) {
      this.set(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.hot.size >= this.half) {
      this.cold = this.hot;
      this.hot = new Map();
    }
    this.hot.set(key, value);
  }

  get size(): number {
    return this.hot.size + this.cold.size;
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

  private readonly tokens: SipHash128;
  private lastShift = { person: '', maxDays: 0, days: 0 };

  private constructor(
    private readonly hmac: HmacFunction,
    private readonly keyName: string,
    private readonly subkey: Buffer,
    tokenKey: Uint8Array,
    cacheSize: number,
  ) {
    this.tokens = new SipHash128(tokenKey.subarray(0, 16));
    this.persons = new LruCache(cacheSize);
    this.offsets = new LruCache(cacheSize);
  }

  /** Derives the ingest's subkey through the provider. */
  static async create(hmac: HmacFunction, keyName: string, cacheSize = 100_000): Promise<PseudonymKeys> {
    const subkey = Buffer.from(await hmac(keyName, encoder.encode('hdh-ingest/v1/subkey')));
    const tokenKey = await hmac(keyName, encoder.encode('hdh-ingest/v1/token-key'));
    return new PseudonymKeys(hmac, keyName, subkey, tokenKey, cacheSize);
  }

  /** The person pseudonym if it is in the cache (no provider call). */
  cachedPerson(identity: string, scope: 'nir' | 'local'): string | undefined {
    return this.persons.get(`${scope}\u0000${identity}`);
  }

  /**
   * The person pseudonym (32 hex characters) of a normalised national identifier (`scope` `nir`), or
   * of a source-local identity when the person has none (`scope` `local`, e.g. `source|Patient/123`).
   */
  async person(identity: string, scope: 'nir' | 'local'): Promise<string> {
    const cacheKey = `${scope}\u0000${identity}`;
    const hit = this.persons.get(cacheKey);
    if (hit !== undefined) {
      return hit;
    }
    this.providerCalls++;
    const mac = await this.hmac(
      this.keyName,
      encoder.encode(`hdh-ingest/v1/person/${scope}\u0000${identity}`),
    );
    const pseudonym = Buffer.from(mac).toString('hex', 0, 16);
    this.persons.set(cacheKey, pseudonym);
    return pseudonym;
  }

  /** A keyed token (32 hex characters, 128 bits) of `value` in `domain` (`resource`, `value`, `ref`…). */
  token(domain: string, value: string): string {
    return this.tokens.hexOfString(`${domain}\u0000${value}`);
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
    // A record has several dates, and records of one person mostly come together: the last answer
    // spares building and hashing the cache key for each of them.
    if (personPseudonym === this.lastShift.person && maxDays === this.lastShift.maxDays) {
      return this.lastShift.days;
    }
    const cacheKey = `${maxDays}\u0000${personPseudonym}`;
    let days = this.offsets.get(cacheKey);
    if (days === undefined) {
      const mac = createHmac('sha256', this.subkey).update(`dateshift\u0000${personPseudonym}`).digest();
      const v = mac.readUInt32BE(0) % (2 * maxDays);
      days = v < maxDays ? -(v + 1) : v - maxDays + 1;
      this.offsets.set(cacheKey, days);
    }
    this.lastShift = { person: personPseudonym, maxDays, days };
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
