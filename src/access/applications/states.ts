/**
 * The application life cycle. Only the steps listed here move an application; anything else is an
 * APPLICATION_INVALID_TRANSITION naming the current state.
 *
 * draft → submitted → under_review → (information_requested → resubmitted → under_review)* → approved | rejected
 * @module
 */
import { AccessErrors } from '../errors.js';

export const APPLICATION_STATES = [
  'draft',
  'submitted',
  'under_review',
  'information_requested',
  'resubmitted',
  'approved',
  'rejected',
] as const;

export type ApplicationState = (typeof APPLICATION_STATES)[number];

export type ApplicationStep =
  'update' | 'submit' | 'resubmit' | 'review' | 'approve' | 'reject' | 'request-info' | 'extend';

interface StepRule {
  readonly from: readonly ApplicationState[];
  /** The state after the step; absent when the step leaves the state as it is. */
  readonly to?: ApplicationState;
}

export const STEPS: Readonly<Record<ApplicationStep, StepRule>> = {
  update: { from: ['draft', 'information_requested'] },
  submit: { from: ['draft'], to: 'submitted' },
  resubmit: { from: ['information_requested'], to: 'resubmitted' },
  review: { from: ['submitted', 'resubmitted'], to: 'under_review' },
  approve: { from: ['under_review'], to: 'approved' },
  reject: { from: ['under_review'], to: 'rejected' },
  'request-info': { from: ['under_review'], to: 'information_requested' },
  extend: { from: ['submitted', 'under_review', 'information_requested', 'resubmitted'] },
};

export const CLOSED_STATES: readonly ApplicationState[] = ['approved', 'rejected'];

/** Returns the state after `step`, or throws APPLICATION_INVALID_TRANSITION naming the current state. */
export function nextState(id: string, current: ApplicationState, step: ApplicationStep): ApplicationState {
  const rule = STEPS[step];
  if (!rule.from.includes(current)) {
    throw AccessErrors.APPLICATION_INVALID_TRANSITION(
      `cannot ${step} application ${id}: it is ${current}; ${step} needs ${rule.from.join(' or ')}`,
      { details: { state: current, step, allowedFrom: rule.from } },
    );
  }
  return rule.to ?? current;
}
