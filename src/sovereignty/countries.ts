/**
 * Country sets the policy speaks of. SecNumCloud 19.2 keeps data in the EU; HDS EXI 28 (since the
 * order of 26 April 2024) in the EEA, which adds Iceland, Liechtenstein and Norway.
 * @module
 */

/** The 27 EU member states, as ISO 3166-1 alpha-2 codes (Greece is GR, not the EU's EL). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
]);

/** The EEA: the EU plus Iceland, Liechtenstein and Norway. */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([...EU_COUNTRIES, 'IS', 'LI', 'NO']);

export function isEu(country: string): boolean {
  return EU_COUNTRIES.has(country);
}

export function isEea(country: string): boolean {
  return EEA_COUNTRIES.has(country);
}

/** The countries a location rule allows, and how to name them in a message. */
export function locationArea(rule: 'EU' | 'EEA' | readonly string[]): {
  readonly countries: ReadonlySet<string>;
  readonly label: string;
} {
  if (rule === 'EU') {
    return { countries: EU_COUNTRIES, label: 'the EU' };
  }
  if (rule === 'EEA') {
    return { countries: EEA_COUNTRIES, label: 'the EEA' };
  }
  return { countries: new Set(rule), label: rule.join(', ') };
}
