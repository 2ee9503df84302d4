import { describe, expect, it } from 'vitest';
import { addMonths, statutoryClock } from './clock.js';

const DAY = 86_400_000;

describe('statutory clock (EHDS Art. 68(4))', () => {
  it('adds calendar months, clamping to the end of shorter months', () => {
    expect(addMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addMonths(new Date('2028-01-31T10:00:00Z'), 1).toISOString()).toBe('2028-02-29T10:00:00.000Z');
    expect(addMonths(new Date('2026-11-30T00:00:00Z'), 3).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(addMonths(new Date('2026-03-02T09:00:00Z'), 120).toISOString()).toBe('2036-03-02T09:00:00.000Z');
  });

  it('is absent before submission and due 3 months after it', () => {
    const base = { pausedMs: 0, pausedSince: null, extendedAt: null, decidedAt: null };
    expect(statutoryClock({ ...base, submittedAt: null }, new Date())).toBeUndefined();
    const clock = statutoryClock(
      { ...base, submittedAt: '2026-03-02T09:00:00.000Z' },
      new Date('2026-03-12T09:00:00Z'),
    )!;
    expect(clock).toMatchObject({
      dueAt: '2026-06-02T09:00:00.000Z',
      remainingDays: 82,
      stopped: false,
      overdue: false,
    });
  });

  it('stops while information is requested, and the due date moves by the time stopped', () => {
    const input = {
      submittedAt: '2026-03-02T09:00:00.000Z',
      pausedMs: 0,
      pausedSince: '2026-03-12T09:00:00.000Z',
      extendedAt: null,
      decidedAt: null,
    };
    const day20 = statutoryClock(input, new Date('2026-03-22T09:00:00Z'))!;
    const day30 = statutoryClock(input, new Date('2026-04-01T09:00:00Z'))!;
    expect(day20.remainingDays).toBe(day30.remainingDays);
    expect(day30).toMatchObject({
      stopped: true,
      stoppedDays: 20,
      responseDueAt: '2026-04-09T09:00:00.000Z',
    });
    const resumed = statutoryClock(
      { ...input, pausedSince: null, pausedMs: 20 * DAY },
      new Date('2026-04-01T09:00:00Z'),
    )!;
    expect(resumed.dueAt).toBe('2026-06-22T09:00:00.000Z');
    expect(resumed.remainingDays).toBe(day30.remainingDays);
  });

  it('extends by 3 months once, reports overdue, and freezes at the decision', () => {
    const input = {
      submittedAt: '2026-03-02T09:00:00.000Z',
      pausedMs: 0,
      pausedSince: null,
      extendedAt: null,
      decidedAt: null,
    };
    const late = statutoryClock(input, new Date('2026-06-05T09:00:00Z'))!;
    expect(late).toMatchObject({ overdue: true, remainingDays: -3 });
    const extended = statutoryClock(
      { ...input, extendedAt: '2026-05-01T00:00:00.000Z' },
      new Date('2026-06-05T09:00:00Z'),
    )!;
    expect(extended).toMatchObject({ dueAt: '2026-09-02T09:00:00.000Z', extended: true, overdue: false });
    const decided = { ...input, decidedAt: '2026-04-02T09:00:00.000Z' };
    expect(statutoryClock(decided, new Date('2030-01-01T00:00:00Z'))).toMatchObject({
      remainingDays: 61,
      decided: true,
      overdue: false,
    });
  });
});
