import { describe, expect, it } from 'vitest';
import {
  REFERENCE_DATE,
  REFERENCE_DAY,
  addMonths,
  addYears,
  ageOn,
  civil,
  dayNumber,
  formatDate,
  formatDateTime,
  isSummerTime,
} from './dates.js';

const DAY_MS = 86_400_000;

describe('calendar arithmetic', () => {
  it('agrees with Date (UTC) from 1890 to 2040', () => {
    const mismatches: number[] = [];
    for (let d = dayNumber(1890, 1, 1); d <= dayNumber(2040, 12, 31); d += 3) {
      const { year, month, day } = civil(d);
      if (
        formatDate(d) !== new Date(d * DAY_MS).toISOString().slice(0, 10) ||
        dayNumber(year, month, day) !== d
      ) {
        mismatches.push(d);
      }
    }
    expect(mismatches).toEqual([]);
    expect(formatDate(REFERENCE_DAY)).toBe(REFERENCE_DATE);
  });

  it('computes ages and adds years and months with end-of-month clamping', () => {
    const birth = dayNumber(2000, 2, 29);
    expect(ageOn(birth, dayNumber(2001, 2, 28))).toBe(0);
    expect(ageOn(birth, dayNumber(2001, 3, 1))).toBe(1);
    expect(formatDate(addYears(birth, 1))).toBe('2001-02-28');
    expect(formatDate(addYears(birth, 4))).toBe('2004-02-29');
    expect(formatDate(addMonths(dayNumber(2021, 1, 31), 1))).toBe('2021-02-28');
    expect(formatDate(addMonths(dayNumber(2021, 12, 15), 2))).toBe('2022-02-15');
    expect(formatDate(addMonths(dayNumber(2021, 3, 15), -3))).toBe('2020-12-15');
  });
});

describe('French local time', () => {
  // Oracle: the offset the ICU time-zone database gives Europe/Paris at noon that day.
  const format = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', timeZoneName: 'longOffset' });
  const parisOffset = (day: number): string =>
    format
      .formatToParts(new Date(day * DAY_MS + 12 * 3_600_000))
      .find((p) => p.type === 'timeZoneName')!
      .value.replace('GMT', '');

  it('switches between +01:00 and +02:00 on the same days as the time-zone database', () => {
    const mismatches: string[] = [];
    for (let d = dayNumber(1996, 1, 1); d <= dayNumber(2030, 12, 31); d += 1) {
      if ((isSummerTime(d) ? '+02:00' : '+01:00') !== parisOffset(d)) {
        mismatches.push(formatDate(d));
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('formats FHIR dateTimes with seconds and offset', () => {
    expect(formatDateTime(dayNumber(2025, 1, 15), 9 * 60 + 5)).toBe('2025-01-15T09:05:00+01:00');
    expect(formatDateTime(dayNumber(2025, 7, 1), 23 * 60 + 59)).toBe('2025-07-01T23:59:00+02:00');
  });
});
