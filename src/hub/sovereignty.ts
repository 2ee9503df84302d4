/**
 * Sovereignty questions as the CLI (`hdh sovereignty …`) and the API (`/api/sovereignty`) both ask
 * them: the registry with each entry's origin and qualification states, a placement decision for a
 * configured store, the signed compliance report (audited), and a report's signature checked against
 * the hub's own key when there is one.
 * @module
 */
import { CoreErrors } from '../core/index.js';
import { signingKeyInfo } from '../kms/index.js';
import {
  qualificationStatuses,
  verifySignedReport,
  type DataClass,
  type PlacementDecision,
  type ProviderEntry,
  type ProviderOrigin,
  type QualificationStatus,
  type SignedReport,
  type Sovereignty,
} from '../sovereignty/index.js';
import type { Hub } from './hub.js';
import { classesAllowed, decidePlacement } from './placement.js';
import { signedComplianceReport, type ReportOptions } from './report.js';

export type ProviderListing = ProviderEntry & {
  readonly origin: ProviderOrigin;
  readonly qualificationStatus: QualificationStatus[];
};

/** Every registry entry with its evidence, where it comes from and the state of each qualification. */
export function providerListing(sovereignty: Sovereignty, now = new Date()): ProviderListing[] {
  const { registry } = sovereignty;
  return registry.list().map((e) => ({
    ...e,
    origin: registry.origin(e.id),
    qualificationStatus: qualificationStatuses(e, now),
  }));
}

export type PlacementCheck = PlacementDecision & {
  readonly store: string;
  readonly allowedClasses: DataClass[];
};

/** May this configured store hold this class? The decision with every reason; nothing is written. */
export function checkPlacement(hub: Hub, store: string, dataClass: string): PlacementCheck {
  const config = hub.config.stores[store];
  if (!config) {
    throw CoreErrors.INPUT_INVALID(
      `no store "${store}" in hdh.yaml (stores: ${Object.keys(hub.config.stores).join(', ')})`,
    );
  }
  const decision = decidePlacement(hub.sovereignty, store, config, dataClass);
  return { store, ...decision, allowedClasses: classesAllowed(hub.sovereignty, store, config) };
}

/** Builds, signs and audits the compliance report. */
export async function auditedComplianceReport(
  hub: Hub,
  actor: string,
  options: ReportOptions = {},
): Promise<SignedReport> {
  const result = await signedComplianceReport(hub, options);
  await hub.audit.record({
    actor,
    action: 'sovereignty.report',
    target: 'hub',
    details: {
      digest: result.signature.digest,
      kid: result.signature.kid,
      violations: result.report.violations.length,
    },
  });
  return result;
}

export interface ReportVerification {
  readonly ok: true;
  readonly kid: string;
  readonly keySource: 'given' | 'embedded';
  readonly digest: string;
  readonly generatedAt: string;
  /** Which key the signature was checked with, in words. */
  readonly keyFrom: string;
}

/**
 * Checks a signed report: against `key` when given, else against the hub's signing key when a hub is
 * there and has one, else against the key the report carries (integrity only). Throws
 * SOVEREIGNTY_REPORT_INVALID or SOVEREIGNTY_SIGNATURE_INVALID.
 */
export async function verifyReport(
  input: unknown,
  options: {
    readonly name: string;
    readonly hub?: Hub;
    readonly key?: { readonly jwk: Record<string, unknown>; readonly from: string };
  },
): Promise<ReportVerification> {
  let key: Record<string, unknown> | undefined = options.key?.jwk;
  let keyFrom =
    options.key?.from ??
    "the key the report carries (integrity only: compare its thumbprint with the hub's published key)";
  if (key === undefined && options.hub !== undefined) {
    const info = await signingKeyInfo(options.hub.db);
    if (info) {
      key = { ...info.publicJwk };
      keyFrom = `this hub's signing key ${info.kid}`;
    }
  }
  const verified = await verifySignedReport(input, { name: options.name, ...(key ? { key } : {}) });
  return {
    ok: true,
    kid: verified.kid,
    keySource: verified.keySource,
    digest: verified.digest,
    generatedAt: verified.report.generatedAt,
    keyFrom,
  };
}

/** The hub's public signing key (JWK with its kid), for auditors to check reports and certificates. */
export async function hubPublicKey(hub: Hub): Promise<Record<string, unknown>> {
  const info = await signingKeyInfo(hub.db);
  if (!info) {
    throw CoreErrors.INPUT_NOT_FOUND('this hub has no signing key yet');
  }
  return { ...info.publicJwk, kid: info.kid };
}
