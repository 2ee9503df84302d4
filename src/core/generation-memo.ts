/**
 * Values computed from the database, kept while the database's generation counter for them has not
 * changed (the catalogue's and the access generation, db/generations.ts). The caller reads the
 * generation before reading what it computes from, so a value is never filed under a generation older
 * than what it saw: a write committed in between only makes the next reader recompute.
 * @module
 */
export class GenerationMemo<T> {
  readonly #max: number;
  readonly #entries = new Map<string, T>();
  #generation: number | undefined;

  /** `max` bounds the entries kept (the oldest goes first): keys come from requests. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The value for `key` if it was computed under `generation`; any other generation empties the memo. */
  get(generation: number, key: string): T | undefined {
    if (generation !== this.#generation) {
      this.#entries.clear();
      this.#generation = generation;
      return undefined;
    }
    return this.#entries.get(key);
  }

  /**
   * Keeps `value`, computed from what was read after `generation` was, frozen so that no holder can
   * change what the others are served. Ignored if another generation has been seen since.
   */
  set(generation: number, key: string, value: T): T {
    deepFreeze(value);
    if (generation !== this.#generation) {
      return value;
    }
    if (this.#entries.size >= this.#max && !this.#entries.has(key)) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, value);
    return value;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
}
