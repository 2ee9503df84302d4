/**
 * Demography of metropolitan France, rounded from public INSEE tables: the age pyramid of the living
 * population (share per five-year band) and annual mortality by age. Both are approximations meant to
 * give plausible distributions, not official statistics.
 * @module
 */

/** [first age of the band, share of the population in percent] for five-year bands; 100+ last. */
export const AGE_PYRAMID: readonly (readonly [number, number])[] = [
  [0, 5.2],
  [5, 5.8],
  [10, 6.2],
  [15, 6.2],
  [20, 5.7],
  [25, 5.5],
  [30, 5.9],
  [35, 6.2],
  [40, 6.3],
  [45, 6.3],
  [50, 6.7],
  [55, 6.5],
  [60, 6.2],
  [65, 5.8],
  [70, 5.4],
  [75, 4.1],
  [80, 2.8],
  [85, 1.9],
  [90, 0.9],
  [95, 0.3],
  [100, 0.04],
];

/** [upper age of the band (exclusive), annual probability of death for men, for women]. */
export const ANNUAL_MORTALITY: readonly (readonly [number, number, number])[] = [
  [1, 0.0039, 0.0032],
  [15, 0.0001, 0.0001],
  [25, 0.0006, 0.0002],
  [35, 0.0009, 0.0004],
  [45, 0.0017, 0.0009],
  [55, 0.0042, 0.0024],
  [65, 0.0098, 0.005],
  [75, 0.019, 0.0098],
  [85, 0.048, 0.03],
  [95, 0.14, 0.11],
  [200, 0.33, 0.3],
];

export function annualMortality(age: number, male: boolean): number {
  for (const [upper, m, f] of ANNUAL_MORTALITY) {
    if (age < upper) {
      return male ? m : f;
    }
  }
  return male ? 0.33 : 0.3;
}
