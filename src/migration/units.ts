/**
 * Cuts classified objects into units of work, one phase per unit: a unit closes at a number of
 * objects or of bytes, whichever comes first, so a worker's lease covers a bounded amount of work.
 * @module
 */
import type { MigrationUnitsTable } from '../db/index.js';
import type { Classified } from './classify.js';
import type { NewObject } from './journal.js';

export interface UnitLimits {
  readonly objects: number;
  readonly bytes: number;
}

export const DEFAULT_UNIT_LIMITS: UnitLimits = { objects: 1000, bytes: 1024 ** 3 };

interface OpenUnit {
  unit: number;
  objects: number;
  bytes: number;
}

export class UnitBuilder {
  readonly #migration: string;
  readonly #limits: UnitLimits;
  readonly #open = new Map<number, OpenUnit>();
  #nextUnit: number;
  #nextSeq: number;
  /** Units closed since the last {@link takeClosed}. */
  #closed: MigrationUnitsTable[] = [];

  constructor(migration: string, limits: UnitLimits, nextSeq: number, nextUnit: number) {
    this.#migration = migration;
    this.#limits = limits;
    this.#nextSeq = nextSeq;
    this.#nextUnit = nextUnit;
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  get nextUnit(): number {
    return this.#nextUnit;
  }

  /** Gives the object its sequence number and unit. Blocked objects get a unit too (unit 0, never leased). */
  place(object: Classified): NewObject {
    // The classified object becomes the row itself: a copy per object would double what a
    // million-object plan leaves the garbage collector.
    const placed = object as NewObject;
    placed.seq = this.#nextSeq++;
    if (object.state === 'blocked') {
      placed.unit = 0;
      return placed;
    }
    let open = this.#open.get(object.phase);
    if (open === undefined) {
      open = { unit: this.#nextUnit++, objects: 0, bytes: 0 };
      this.#open.set(object.phase, open);
    }
    open.objects++;
    open.bytes += object.size;
    placed.unit = open.unit;
    if (open.objects >= this.#limits.objects || open.bytes >= this.#limits.bytes) {
      this.#close(object.phase, open);
    }
    return placed;
  }

  #close(phase: number, open: OpenUnit): void {
    this.#open.delete(phase);
    this.#closed.push({
      migration: this.#migration,
      unit: open.unit,
      phase,
      state: 'pending',
      lease_owner: null,
      lease_expires_at: null,
      first_leased_at: null,
      attempts: 0,
      objects: open.objects,
      bytes: open.bytes,
    });
  }

  /** Units closed so far, to insert; `all` closes the open ones too (end of the listing). */
  takeClosed(all = false): MigrationUnitsTable[] {
    if (all) {
      for (const [phase, open] of [...this.#open]) {
        this.#close(phase, open);
      }
    }
    const closed = this.#closed;
    this.#closed = [];
    return closed;
  }
}
