/**
 * Sovereignty: which provider may hold which data, decided from evidence, and proved in a report.
 *
 * - a provider registry as data (shipped entries with their evidence, the operator's additions and
 *   changes from hdh.yaml, Gaia-X credentials verified offline and read into entries);
 * - data classes, ordered by sensitivity;
 * - the placement policy (default: SecNumCloud 3.2 + HDS for health data) and a pure evaluation that
 *   gives every reason, each naming its requirement;
 * - the compliance report: model, JSON/Markdown/HTML renderings, detached-JWS signature.
 *
 * Pure: nothing here reads files, opens sockets or keeps state between calls. Enforcement (the guard
 * around stores) and gathering report facts live in the hub.
 * @module
 */
export { SovereigntyErrors } from './errors.js';
export type {
  ClassRule,
  Evidence,
  ExtraterritorialLaw,
  GaiaXLevel,
  Jurisdictions,
  ProviderControl,
  ProviderEntry,
  ProviderOverride,
  ProviderQualifications,
  SovereigntySection,
} from '../core/index.js';
export {
  DATA_CLASSES,
  DATA_CLASS_DESCRIPTIONS,
  compareSensitivity,
  isDataClass,
  parseDataClass,
  sensitivity,
  sortBySensitivity,
  type DataClass,
} from './data-classes.js';
export { EEA_COUNTRIES, EU_COUNTRIES, isEea, isEu } from './countries.js';
export {
  ProviderRegistry,
  buildRegistry,
  mergeProviderEntry,
  shippedProviders,
  validateProviderEntry,
  type BuildRegistryOptions,
  type ProviderOrigin,
} from './registry/registry.js';
export {
  QUALIFICATION_LABELS,
  QUALIFICATION_SCHEMES,
  compareVersions,
  dayOf,
  qualificationStatus,
  qualificationStatuses,
  type QualificationScheme,
  type QualificationState,
  type QualificationStatus,
} from './qualifications.js';
export { DEFAULT_POLICY, resolvePolicy, type Policy } from './policy.js';
export { REQUIREMENTS, type Requirement, type RequirementSource } from './requirements.js';
export {
  allowedClasses,
  assertPlacementAllowed,
  evaluatePlacement,
  type PlacementDecision,
  type PlacementInput,
  type Reason,
  type StoreSealing,
} from './evaluate.js';
export { formatDecision } from './decision-text.js';
export { loadSovereignty, type Sovereignty } from './setup.js';
export type { Problem } from './validation.js';
export { canonicalBytes, canonicalDigest, canonicalJson } from './canonical-json.js';
export {
  issuerOf,
  proofSigningPayload,
  verifyCredential,
  type VerifiedCredential,
  type VerifyCredentialOptions,
} from './credentials/verify.js';
export { didJwkOf, thumbprintOf } from './credentials/keys.js';
export {
  importGaiaXCredentials,
  readGaiaXCredentials,
  type GaiaXReadOptions,
  type GaiaXReadResult,
  type ImportGaiaXOptions,
} from './credentials/gaia-x.js';
export {
  buildReport,
  type AuditChainStatus,
  type ClassDecision,
  type ClassHolding,
  type KeyCustody,
  type ProviderFact,
  type Report,
  type ReportFacts,
  type StoreFacts,
  type StoreHolding,
  type StoreReport,
  type Violation,
} from './report/report.js';
export { REPORT_FORMATS, renderReport, type ReportFormat } from './report/render.js';
export { renderReportMarkdown } from './report/render-markdown.js';
export { renderReportHtml } from './report/render-html.js';
export {
  SIGNED_REPORT_FORMAT,
  signReport,
  verifySignedReport,
  type ReportSignature,
  type ReportSigningKey,
  type ReportSigner,
  type SignedReport,
  type VerifiedReport,
} from './report/signature.js';
