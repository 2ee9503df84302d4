/**
 * The statutory clock of an access application.
 *
 * EHDS Art. 68(4): the access body decides within 3 months of receiving a complete application, and
 * may extend that period once by 3 more months, giving reasons. While the body waits for information
 * it requested from the applicant the clock stands still: the period runs from a *complete*
 * application, and TEHDAS2 D6.4 §8 describes the pause (the applicant has 4 weeks to complete the
 * file). hdh therefore starts the clock at the first submission, stops it while the application is
 * `information_requested`, and restarts it on resubmission; the due date moves by the time stopped.
 * @module
 */
import { DAY } from '../context.js';

export const DECISION_MONTHS = 3;
export const EXTENSION_MONTHS = 3;
/** The time TEHDAS2 gives the applicant to answer a request for information. */
export const RESPONSE_DAYS = 28;

export interface ClockInput {
  readonly submittedAt: string | null;
  readonly pausedMs: number;
  readonly pausedSince: string | null;
  readonly extendedAt: string | null;
  readonly decidedAt: string | null;
}

export interface StatutoryClock {
  readonly startedAt: string;
  /** The decision is due by then (moves while the clock is stopped). */
  readonly dueAt: string;
  /** Whole days left, rounded up; negative once overdue. Frozen while stopped or once decided. */
  readonly remainingDays: number;
  readonly extended: boolean;
  /** Stopped while information is requested from the applicant. */
  readonly stopped: boolean;
  /** Days the clock has stood still so far. */
  readonly stoppedDays: number;
  readonly overdue: boolean;
  /** While stopped: the applicant should answer by then. */
  readonly responseDueAt?: string;
  readonly decided: boolean;
}

/** Adds calendar months in UTC, keeping the day of month or the month's last day (31 Jan + 1 = 28/29 Feb). */
export function addMonths(date: Date, months: number): Date {
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  target.setUTCHours(
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
  return target;
}

/** The clock as of `now`; undefined before the first submission. */
export function statutoryClock(input: ClockInput, now: Date): StatutoryClock | undefined {
  if (input.submittedAt === null) {
    return undefined;
  }
  const reference = input.decidedAt === null ? now : new Date(input.decidedAt);
  const pausedNow =
    input.pausedSince === null ? 0 : Math.max(0, reference.getTime() - Date.parse(input.pausedSince));
  const stoppedMs = input.pausedMs + pausedNow;
  const months = DECISION_MONTHS + (input.extendedAt === null ? 0 : EXTENSION_MONTHS);
  const due = new Date(addMonths(new Date(input.submittedAt), months).getTime() + stoppedMs);
  const remainingDays = Math.ceil((due.getTime() - reference.getTime()) / DAY);
  const clock: StatutoryClock = {
    startedAt: input.submittedAt,
    dueAt: due.toISOString(),
    remainingDays,
    extended: input.extendedAt !== null,
    stopped: input.pausedSince !== null,
    stoppedDays: Math.floor(stoppedMs / DAY),
    overdue: due.getTime() < reference.getTime(),
    decided: input.decidedAt !== null,
  };
  return input.pausedSince === null
    ? clock
    : {
        ...clock,
        responseDueAt: new Date(Date.parse(input.pausedSince) + RESPONSE_DAYS * DAY).toISOString(),
      };
}
