/**
 * The placement policy: for each data class, what a store must show to hold it. The policy is data
 * (hdh.yaml `sovereignty.policy`); the default follows SecNumCloud 3.2 and HDS for the health
 * classes. A policy that cannot be parsed throws SOVEREIGNTY_POLICY_INVALID: the hub does not start,
 * and nothing ever falls back to allowing a placement.
 * @module
 */
import { SovereigntyPolicyConfig, type ClassRule } from '../core/index.js';
import { DATA_CLASSES, type DataClass } from './data-classes.js';
import { SovereigntyErrors } from './errors.js';
import { explain } from './validation.js';

/** A policy with a rule for every class. */
export interface Policy {
  readonly classes: Readonly<Record<DataClass, ClassRule>>;
}

/** What SecNumCloud 3.2 + HDS ask of a place that holds personal health data. */
const HEALTH_RULE: ClassRule = {
  location: 'EU',
  control: 'EU',
  extraterritorialLaws: 'none',
  secNumCloud: { minVersion: '3.2' },
  // The IaaS under a health data host must be certified for activities 1–4 (sites, hardware,
  // virtual infrastructure, platform); the operator covers 5–6 itself.
  hds: { activities: [1, 2, 3, 4] },
  sealed: true,
  keyHolder: 'operator',
};

/**
 * The default policy. Public and anonymous aggregate data may go anywhere; personal health data only
 * where SecNumCloud ≥ 3.2 and HDS are current, location and control are in the EU, no non-EU law
 * reaches, and objects are sealed under the operator's keys; key material stays on the operator's own
 * site (keys held outside any provider, SecNumCloud 3.3.2).
 */
export const DEFAULT_POLICY: Policy = {
  classes: {
    public: {},
    'anonymous-aggregate': {},
    'pseudonymised-health': HEALTH_RULE,
    'identifying-health': HEALTH_RULE,
    'key-material': { operatorSiteOnly: true, sealed: true, keyHolder: 'operator' },
  },
};

/**
 * The policy hdh.yaml sets (`sovereignty.policy`, as loaded): each class named under `classes`
 * replaces the default rule of that class; the others keep the default. Throws
 * SOVEREIGNTY_POLICY_INVALID naming `file` and every wrong field.
 *
 * @example
 * resolvePolicy({ classes: { 'anonymous-aggregate': { location: 'EEA' } } }, 'hdh.yaml')
 */
export function resolvePolicy(config: unknown = {}, file = 'hdh.yaml'): Policy {
  const value = config ?? {};
  const problems = explain(SovereigntyPolicyConfig, value, 'sovereignty.policy');
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.path}: ${p.message}`);
    throw SovereigntyErrors.SOVEREIGNTY_POLICY_INVALID(
      `${file}: sovereignty.policy cannot be used, the hub will not start (${problems.length} problem(s)):\n  ${lines.join('\n  ')}`,
      { details: { file, problems } },
    );
  }
  const classes = (value as { classes?: Partial<Record<DataClass, ClassRule>> }).classes ?? {};
  return {
    classes: Object.fromEntries(
      DATA_CLASSES.map((c) => [c, classes[c] ?? DEFAULT_POLICY.classes[c]]),
    ) as Record<DataClass, ClassRule>,
  };
}
