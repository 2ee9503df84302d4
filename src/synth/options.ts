/**
 * Options of the generator and their validation: every problem is reported at once, naming the option.
 * @module
 */
import { SynthErrors } from './errors.js';
import { FAULT_KINDS, FaultPlan, type FaultKind } from './faults.js';

/** Options shared by the in-process iterators and the file generator. */
export interface PopulationOptions {
  /** Number of patients to generate (≥ 1). */
  readonly patients: number;
  /** Any text (or number, taken as its decimal text): the same seed gives the same population. */
  readonly seed: string | number;
  /** Index of the first patient (default 0): patient i is the same in every run with that seed. */
  readonly startIndex?: number;
  /**
   * Fraction of records (0–1) each fault kind is injected into, among the records that kind applies
   * to (default 0: no faults). Must stay ≤ 1 / (number of kinds applying to one resource type).
   */
  readonly faults?: number;
  /** Restricts the fault kinds injected (default: all of {@link FAULT_KINDS} the format allows). */
  readonly faultKinds?: readonly FaultKind[];
  readonly signal?: AbortSignal;
}

export interface NormalizedPopulationOptions {
  readonly patients: number;
  readonly seed: string;
  readonly startIndex: number;
  readonly faultPlan: FaultPlan | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Validates the shared options. `excludedKinds` removes kinds a format cannot represent.
 * @throws SYNTH_INVALID_OPTIONS naming every bad option
 */
export function normalizePopulationOptions(
  options: PopulationOptions,
  excludedKinds: readonly FaultKind[] = [],
  problems: string[] = [],
): NormalizedPopulationOptions {
  const { patients, seed, startIndex = 0, faults = 0, faultKinds } = options;
  if (!Number.isSafeInteger(patients) || patients < 1) {
    problems.push(`patients must be a positive integer, got ${String(patients)}`);
  }
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string' || seed.length === 0) {
    problems.push('seed must be a non-empty text or a finite number');
  }
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
    problems.push(`startIndex must be a non-negative integer, got ${String(startIndex)}`);
  }
  if (
    Number.isSafeInteger(patients) &&
    Number.isSafeInteger(startIndex) &&
    startIndex + patients > Number.MAX_SAFE_INTEGER
  ) {
    problems.push('startIndex + patients exceeds the largest safe integer');
  }
  const unknown = (faultKinds ?? []).filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    problems.push(`faultKinds has unknown kinds ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`);
  }
  let faultPlan: FaultPlan | undefined;
  if (typeof faults !== 'number' || !(faults >= 0 && faults <= 1)) {
    problems.push(`faults must be a fraction between 0 and 1, got ${String(faults)}`);
  } else if (faults > 0 && unknown.length === 0) {
    const kinds = (faultKinds ?? FAULT_KINDS).filter((k) => !excludedKinds.includes(k));
    if (kinds.length === 0) {
      problems.push('faults is set but no fault kind applies to this format');
    } else {
      faultPlan = new FaultPlan(faults, kinds);
      const max = faultPlan.maxKindsPerType();
      if (faults * max > 1) {
        problems.push(
          `faults ${faults} is too high: up to ${max} kinds apply to one resource type, so it must be ≤ ${Math.floor((1 / max) * 1000) / 1000}`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw SynthErrors.SYNTH_INVALID_OPTIONS(`invalid synth options: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return {
    patients,
    seed: String(seed),
    startIndex,
    faultPlan,
    signal: options.signal,
  };
}
