/**
 * Calendar arithmetic on day numbers (days since 1970-01-01, negative before), in integers only, and
 * FHIR date / dateTime formatting in French local time (Europe/Paris rules: UTC+1, UTC+2 from the
 * last Sunday of March to the last Sunday of October). No `Date`, no clock: output depends on the
 * seed alone.
 * @module
 */

/** The population is described as of this day: ages, "current" treatments and deaths are relative to it. */
export const REFERENCE_DATE = '2025-12-31';

/** Civil date → day number (Howard Hinnant's days_from_civil, integer-only). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Day number → civil date (civil_from_days). */
export function civil(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export const REFERENCE_DAY = dayNumber(2025, 12, 31);

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const { year, month, day } = civil(days);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

function lastSunday(year: number, month: number): number {
  const last = dayNumber(year, month + 1, 1) - 1;
  return last - weekday(last);
}

const dstCache = new Map<number, readonly [number, number]>();

/** Whether French summer time applies on that day (switch days counted as the new regime). */
export function isSummerTime(days: number): boolean {
  const { year } = civil(days);
  let bounds = dstCache.get(year);
  if (bounds === undefined) {
    bounds = [lastSunday(year, 3), lastSunday(year, 10)];
    dstCache.set(year, bounds);
  }
  return days >= bounds[0] && days < bounds[1];
}

/** `YYYY-MM-DDThh:mm:00+01:00` for a local time given in minutes after midnight. */
export function formatDateTime(days: number, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${formatDate(days)}T${pad2(h)}:${pad2(m)}:00${isSummerTime(days) ? '+02:00' : '+01:00'}`;
}

/** Completed years between a birth day and another day. */
export function ageOn(birthDay: number, onDay: number): number {
  const b = civil(birthDay);
  const d = civil(onDay);
  let age = d.year - b.year;
  if (d.month < b.month || (d.month === b.month && d.day < b.day)) {
    age--;
  }
  return age;
}

/** Adds whole years, clamping 29 February to 28 February. */
export function addYears(days: number, years: number): number {
  const { year, month, day } = civil(days);
  const target = year + years;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  return dayNumber(target, month, month === 2 && day === 29 && !leap ? 28 : day);
}

/** Adds whole months, clamping to the last day of the target month. */
export function addMonths(days: number, months: number): number {
  const { year, month, day } = civil(days);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  const lastDay = dayNumber(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - dayNumber(y, m, 1);
  return dayNumber(y, m, Math.min(day, lastDay));
}
