/**
 * A placement decision as the plain text `hdh sovereignty check` and `hdh store add` print.
 * @module
 */
import type { PlacementDecision } from './evaluate.js';

/**
 * The decision and every reason, one per line, failing ones marked ✘.
 *
 * @example
 * console.log(formatDecision(decision, { store: 'ovh' }));
 * // store ovh (provider ovhcloud) may hold pseudonymised-health
 * //   ✔ [SecNumCloud 19.2] data centres in FR: inside the EU
 */
export function formatDecision(decision: PlacementDecision, target: { readonly store: string }): string {
  const head = `store ${target.store} (provider ${decision.provider}) ${decision.allowed ? 'may hold' : 'may not hold'} ${decision.dataClass}`;
  const lines = decision.reasons.map((r) => `  ${r.ok ? '✔' : '✘'} [${r.requirement}] ${r.message}`);
  if (decision.allowed && decision.restsOnOperatorAttestation) {
    lines.push("  This decision rests on the operator's attestations for its own site.");
  }
  return [head, ...lines].join('\n');
}
