/**
 * What every patient of one run shares: the seed, the id prefix and the permutations that make
 * identifiers unique without remembering the ones already issued.
 * @module
 */
import { Permutation, mix32, seedWords, type SeedWords } from './prng.js';

/** Independent random streams: the same patient index draws from each without interference. */
export const STREAM = {
  person: 1,
  clinical: 2,
  faults: 3,
} as const;

/** NIR order numbers × commune slots: 999 × 999 distinct (slot, order) pairs per round. */
export const NIR_SLOTS = 999;
export const NIR_DOMAIN = NIR_SLOTS * 999;
/** Hospital numbers (IPP) are the 8-digit numbers 10000000–99999999. */
const IPP_DOMAIN = 90_000_000;

export class PopulationContext {
  readonly seed: SeedWords;
  /** Eight hex digits derived from the seed that prefix every resource id of the run. */
  readonly tag: string;
  private readonly nirRounds = new Map<number, Permutation>();
  private readonly ippPerm: Permutation;

  constructor(readonly seedText: string) {
    this.seed = seedWords(seedText);
    this.tag = mix32(this.seed[0] ^ this.seed[3])
      .toString(16)
      .padStart(8, '0');
    this.ippPerm = new Permutation(IPP_DOMAIN, this.seed, 0x1bb);
  }

  patientId(index: number): string {
    return `${this.tag}-${index}`;
  }

  /**
   * The (slot, order) pair of a patient's NIR: distinct for any two indices of the same round of
   * {@link NIR_DOMAIN} patients, so NIRs never repeat within a run of up to 998,001 patients.
   */
  nirSlot(index: number): { slot: number; order: number } {
    const round = Math.floor(index / NIR_DOMAIN);
    let perm = this.nirRounds.get(round);
    if (perm === undefined) {
      perm = new Permutation(NIR_DOMAIN, this.seed, 0x4e1 + round);
      this.nirRounds.set(round, perm);
    }
    const p = perm.apply(index - round * NIR_DOMAIN);
    return { slot: Math.floor(p / 999), order: (p % 999) + 1 };
  }

  /** An 8-digit hospital patient number, unique for the first 90 million patients. */
  ipp(index: number): string {
    return String(10_000_000 + this.ippPerm.apply(index % IPP_DOMAIN));
  }
}
