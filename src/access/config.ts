/**
 * Settings of the access concept, as they appear under `access:` in hdh.yaml. The schema and its
 * defaults are in core (the configuration loader checks hdh.yaml as a whole); this file resolves a
 * section given on its own and checks what a schema cannot (names that refer to each other).
 * @module
 */
import { Value } from 'typebox/value';
import { AccessConfig, CoreErrors } from '../core/index.js';

export { AccessConfig, OidcProviderConfig } from '../core/index.js';
/** What a caller may pass: any part may be left out and takes its default. */
export type AccessConfigInput = Partial<{
  [K in keyof AccessConfig]: AccessConfig[K] extends readonly unknown[]
    ? AccessConfig[K]
    : AccessConfig[K] extends object
      ? Partial<AccessConfig[K]>
      : AccessConfig[K];
}>;

/** Fills in defaults and checks the result, reporting every problem with its path at once. */
export function resolveAccessConfig(input: unknown = {}): AccessConfig {
  const filled = Value.Default(AccessConfig, structuredClone(input ?? {}));
  const errors = [...Value.Errors(AccessConfig, filled)];
  if (errors.length > 0) {
    // An unknown key yields two errors (the key's `false` schema and the object's summary): keep one.
    const lines = errors
      .filter((e) => e.keyword !== 'additionalProperties')
      .map(
        (e) =>
          `access${e.instancePath.replaceAll('/', '.')}: ${e.keyword === 'boolean' ? 'is not a known setting' : e.message}`,
      );
    throw CoreErrors.CONFIG_INVALID(`access settings are invalid:\n${lines.join('\n')}`);
  }
  const config = filled as AccessConfig;
  if (!config.permits.disclosureProfiles.includes(config.permits.defaultDisclosureProfile)) {
    throw CoreErrors.CONFIG_INVALID(
      `access.permits.defaultDisclosureProfile "${config.permits.defaultDisclosureProfile}" is not one of access.permits.disclosureProfiles`,
    );
  }
  const names = new Set<string>();
  for (const p of config.oidc) {
    if (names.has(p.name)) {
      throw CoreErrors.CONFIG_INVALID(`access.oidc: provider "${p.name}" is listed twice`);
    }
    names.add(p.name);
  }
  return config;
}
