/**
 * The value transformations of the pseudonymisation methods, on plain values: shifting and coarsening
 * dates, coarsening postal codes and ages, bounded noise. FHIR resources and CSV rows use the same ones.
 * @module
 */

const DATE_PART = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;
const DAY_MS = 86_400_000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Moves a FHIR date, dateTime or instant by `days`. A full date moves by exactly that many days,
 * keeping any time of day and zone; a year-month moves with its 15th and a year with its 1 July, so
 * partial dates move coherently without pretending to a precision they do not have. Returns undefined
 * for anything that is not a date.
 */
export function shiftDate(value: string, days: number): string | undefined {
  const m = DATE_PART.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]);
  const day = m[3] === undefined ? undefined : Number(m[3]);
  const rest = value.slice(m[0].length);
  if (rest !== '' && !rest.startsWith('T') && !rest.startsWith(' ')) return undefined;
  const base = Date.UTC(year, (month ?? 7) - 1, day ?? (month === undefined ? 1 : 15));
  const d = new Date(base + days * DAY_MS);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  if (month === undefined) return pad(y, 4);
  if (day === undefined) return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}`;
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}${rest}`;
}

/** `1980-06-14` → `1980-06` (year-month) or `1980` (year); undefined when not a date. */
export function coarsenDate(value: string, to: 'year' | 'year-month'): string | undefined {
  const m = DATE_PART.exec(value);
  if (!m) return undefined;
  if (to === 'year' || m[2] === undefined) return m[1];
  return `${m[1]}-${m[2]}`;
}

/**
 * The département of a French postal code: the first two digits, except Corsica (20xxx: 2A below
 * 20200, 2B from 20200) and overseas (97x, 98x: three digits). Undefined when not a 5-digit code.
 */
export function departementOf(postalCode: string): string | undefined {
  const code = postalCode.trim();
  if (!/^\d{5}$/.test(code)) return undefined;
  if (code.startsWith('20')) return Number(code) < 20200 ? '2A' : '2B';
  if (code.startsWith('97') || code.startsWith('98')) return code.slice(0, 3);
  return code.slice(0, 2);
}

/** Ages above 89 become "90+" (top coding); younger ages are kept as they are. */
export function topCodeAge(age: number): number | string {
  return age > 89 ? '90+' : age;
}

/**
 * Adds bounded noise: `noise` in [−0.5, 0.5) scaled by `span` (times the value when proportional),
 * rounded to `roundTo` decimals. Integers stay integers.
 */
export function perturbNumber(
  value: number,
  noise: number,
  span: number,
  proportional: boolean,
  roundTo: number,
): number {
  const width = proportional ? Math.abs(value) * span : span;
  const raw = value + noise * width;
  const digits = Number.isInteger(value) ? 0 : roundTo;
  const factor = 10 ** digits;
  return Math.round(raw * factor) / factor;
}
