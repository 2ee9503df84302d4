import { describe, expect, it } from 'vitest';
import { coarsenDate, departementOf, perturbNumber, shiftDate, topCodeAge } from './methods.js';

describe('value transformations', () => {
  it('shifts full dates by days, keeping time of day and zone', () => {
    expect(shiftDate('2015-02-07', 4)).toBe('2015-02-11');
    expect(shiftDate('2016-02-28', 1)).toBe('2016-02-29');
    expect(shiftDate('2015-01-01T13:28:17-05:00', -1)).toBe('2014-12-31T13:28:17-05:00');
    expect(shiftDate('2015-03-01T00:00:00.123Z', -1)).toBe('2015-02-28T00:00:00.123Z');
  });

  it('moves partial dates coherently and refuses what is not a date', () => {
    expect(shiftDate('2015-01', -20)).toBe('2014-12');
    expect(shiftDate('2015-01', 10)).toBe('2015-01');
    expect(shiftDate('2015', -200)).toBe('2014');
    expect(shiftDate('yesterday', 3)).toBeUndefined();
    expect(shiftDate('2015-01-01x', 3)).toBeUndefined();
  });

  it('keeps the interval between two dates shifted by the same offset', () => {
    const a = '2019-12-20T08:00:00+01:00';
    const b = '2020-03-02T08:00:00+01:00';
    const days = (x: string, y: string): number => (Date.parse(y) - Date.parse(x)) / 86_400_000;
    expect(days(shiftDate(a, -73)!, shiftDate(b, -73)!)).toBe(days(a, b));
  });

  it('coarsens birth dates', () => {
    expect(coarsenDate('1980-06-14', 'year-month')).toBe('1980-06');
    expect(coarsenDate('1980-06-14', 'year')).toBe('1980');
    expect(coarsenDate('1980', 'year-month')).toBe('1980');
  });

  it('maps postal codes to départements, Corsica and overseas included', () => {
    expect(departementOf('75013')).toBe('75');
    expect(departementOf('01000')).toBe('01');
    expect(departementOf('20000')).toBe('2A');
    expect(departementOf('20190')).toBe('2A');
    expect(departementOf('20200')).toBe('2B');
    expect(departementOf('20600')).toBe('2B');
    expect(departementOf('97400')).toBe('974');
    expect(departementOf('97133')).toBe('971');
    expect(departementOf('98000')).toBe('980');
    expect(departementOf('7501')).toBeUndefined();
  });

  it('top-codes ages above 89', () => {
    expect(topCodeAge(89)).toBe(89);
    expect(topCodeAge(90)).toBe('90+');
    expect(topCodeAge(104)).toBe('90+');
  });

  it('adds bounded noise and keeps integers whole', () => {
    expect(perturbNumber(100, 0.5, 0.1, true, 2)).toBe(105);
    expect(perturbNumber(100, -0.5, 0.1, true, 2)).toBe(95);
    expect(perturbNumber(72.4, 0.25, 2, false, 1)).toBe(72.9);
    expect(Number.isInteger(perturbNumber(71, 0.123, 0.1, true, 2))).toBe(true);
  });
});
