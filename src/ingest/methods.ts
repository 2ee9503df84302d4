/**
 * The value transformations of the pseudonymisation methods, on plain values: shifting and coarsening
 * dates, coarsening postal codes and ages, bounded noise. FHIR resources and CSV rows use the same ones.
 * @module
 */

const DATE_PART = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The inverse of {@link daysFromCivil}: [year, month, day]. */
function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;

/**
 * Moves a FHIR date, dateTime or instant by `days`. A full date moves by exactly that many days,
 * keeping any time of day and zone; a year-month moves with its 15th and a year with its 1 July, so
 * partial dates move coherently without pretending to a precision they do not have. Returns undefined
 * for anything that is not a date.
 */
export function shiftDate(value: string, days: number): string | undefined {
  // Fast path for the common full date (and dateTime): no regular expression, no Date object.
  if (value.length >= 10 && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45) {
    const y = digit(value, 0) * 1000 + digit(value, 1) * 100 + digit(value, 2) * 10 + digit(value, 3);
    const m = digit(value, 5) * 10 + digit(value, 6);
    const d = digit(value, 8) * 10 + digit(value, 9);
    const rest = value.slice(10);
    if (
      y >= 0 &&
      y <= 9999 &&
      m >= 1 &&
      m <= 12 &&
      d >= 1 &&
      d <= 31 &&
      (rest === '' || rest.charCodeAt(0) === 84) /* T */
    ) {
      const [ny, nm, nd] = civilFromDays(daysFromCivil(y, m, d) + days);
      if (ny < 1 || ny > 9999) {
        return undefined;
      }
      return `${pad(ny, 4)}-${pad(nm, 2)}-${pad(nd, 2)}${rest}`;
    }
  }
  const match = DATE_PART.exec(value);
  if (!match) {
    return undefined;
  }
  const year = Number(match[1]);
  const month = match[2] === undefined ? undefined : Number(match[2]);
  const day = match[3] === undefined ? undefined : Number(match[3]);
  const rest = value.slice(match[0].length);
  if (rest !== '' && !rest.startsWith('T')) {
    return undefined;
  }
  const [y, m, d] = civilFromDays(
    daysFromCivil(year, month ?? 7, day ?? (month === undefined ? 1 : 15)) + days,
  );
  if (y < 1 || y > 9999) {
    return undefined;
  }
  if (month === undefined) {
    return pad(y, 4);
  }
  if (day === undefined) {
    return `${pad(y, 4)}-${pad(m, 2)}`;
  }
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}${rest}`;
}

/** `1980-06-14` → `1980-06` (year-month) or `1980` (year); undefined when not a date. */
export function coarsenDate(value: string, to: 'year' | 'year-month'): string | undefined {
  const m = DATE_PART.exec(value);
  if (!m) {
    return undefined;
  }
  if (to === 'year' || m[2] === undefined) {
    return m[1];
  }
  return `${m[1]}-${m[2]}`;
}

/**
 * The département of a French postal code: the first two digits, except Corsica (20xxx: 2A below
 * 20200, 2B from 20200) and overseas (97x, 98x: three digits). Undefined when not a 5-digit code.
 */
export function departementOf(postalCode: string): string | undefined {
  const code = postalCode.trim();
  if (!/^\d{5}$/.test(code)) {
    return undefined;
  }
  if (code.startsWith('20')) {
    return Number(code) < 20200 ? '2A' : '2B';
  }
  if (code.startsWith('97') || code.startsWith('98')) {
    return code.slice(0, 3);
  }
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
