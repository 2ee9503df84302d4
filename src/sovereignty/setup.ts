/**
 * What the hub calls when it starts: the `sovereignty` section of hdh.yaml (as the configuration
 * loader returns it) turned into the provider registry and the placement policy, every problem
 * reported at once. It throws before any store opens, so a wrong section stops the hub.
 * @module
 */
import type { SovereigntySection } from '../core/index.js';
import { isHdhError } from '../core/index.js';
import { SovereigntyErrors } from './errors.js';
import { resolvePolicy, type Policy } from './policy.js';
import { buildRegistry, type ProviderRegistry } from './registry/registry.js';

export interface Sovereignty {
  readonly registry: ProviderRegistry;
  readonly policy: Policy;
}

/**
 * Builds the registry and the policy from hdh.yaml's `sovereignty` section. Throws
 * SOVEREIGNTY_POLICY_INVALID when the policy is wrong (with the registry's problems too, if any), or
 * SOVEREIGNTY_REGISTRY_INVALID when only provider entries are; `details.problems` lists every problem
 * with its path in the file.
 *
 * @example
 * const { registry, policy } = loadSovereignty(loaded.config.sovereignty, { file: loaded.file });
 */
export function loadSovereignty(
  section: SovereigntySection | undefined,
  options: { readonly file?: string } = {},
): Sovereignty {
  const file = options.file ?? 'hdh.yaml';
  let registry: ProviderRegistry | undefined;
  let registryError: unknown;
  try {
    registry = buildRegistry(section?.providers ?? {}, { file });
  } catch (err) {
    registryError = err;
  }
  let policy: Policy;
  try {
    policy = resolvePolicy(section?.policy ?? {}, file);
  } catch (err) {
    if (registryError !== undefined && isHdhError(err) && isHdhError(registryError)) {
      const problems = [...problemsOf(err), ...problemsOf(registryError)];
      throw SovereigntyErrors.SOVEREIGNTY_POLICY_INVALID(
        `${err.message}\nand the provider registry:\n  ${registryError.message}`,
        {
          details: { file, problems },
        },
      );
    }
    throw err;
  }
  if (registry === undefined) {
    throw registryError;
  }
  return { registry, policy };
}

function problemsOf(err: { details?: Record<string, unknown> | undefined }): unknown[] {
  const p = err.details?.['problems'];
  return Array.isArray(p) ? p : [];
}
