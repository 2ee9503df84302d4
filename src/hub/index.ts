/**
 * The hub: every component built from one home folder.
 * @module
 */
export { openHub, withHub, type Hub, type OpenHubOptions } from './hub.js';
export { initHub, renderInitialConfig, type InitOptions, type InitResult } from './init.js';
export { HubErrors } from './errors.js';
export {
  HubStores,
  type ObjectRecord,
  type PutRequest,
  type ListedObject,
  type VerifyOutcome,
} from './stores.js';
export { storeSealing, decidePlacement, classesAllowed } from './placement.js';
export {
  gatherStoreFacts,
  buildComplianceReport,
  signedComplianceReport,
  type ReportOptions,
} from './report.js';
export {
  storeSummaries,
  objectView,
  openObject,
  verifyObjects,
  listObjectsPage,
  type StoreSummary,
  type ObjectView,
} from './objects.js';
export { keysStatus, rotateMasterKey, shredDataset } from './keys.js';
export {
  providerListing,
  checkPlacement,
  auditedComplianceReport,
  verifyReport,
  hubPublicKey,
  type ProviderListing,
  type PlacementCheck,
  type ReportVerification,
} from './sovereignty.js';
export { catalogDirectory } from './datasets.js';
export {
  CatalogueView,
  type CatalogueOptions,
  type DatasetSummary,
  type DatasetView,
  type TableView,
  type VersionView,
} from './catalogue.js';
export {
  ensureDemoHub,
  ensureDemoAccounts,
  ensureDemoData,
  DEMO_ACCOUNT_PREFIX,
  DEMO_DATASET,
  DEMO_PATIENTS,
  type DemoAccount,
  type PrepareDemoOptions,
} from './demo.js';
export {
  ingestIntoHub,
  ingestCounts,
  checkIngestTarget,
  listQuarantined,
  showQuarantined,
  reingestQuarantined,
  dismissQuarantined,
  DEFAULT_PSEUDONYM_KEY,
  type HubIngestOptions,
  type HubIngestResult,
  type SkippedInput,
  type QuarantinedRecord,
  type ReingestQuarantinedOptions,
  type ReingestQuarantinedResult,
} from './ingest.js';
export type { StoredQuarantineRecord } from './ingest-quarantine.js';
export { ingestUpload, type IngestUploadOptions, type UploadFormat } from './ingest-upload.js';
export {
  HubMigrations,
  type MigrationPlanInput,
  type MigrationSummary,
  type MigrationStatusView,
  type DecommissionOutcome,
} from './migrations.js';
export {
  hubMigrationEngine,
  storePrefix,
  phaseOf,
  copyOptions,
  planRefusal,
  FLAG_NAMES,
  type CopySettings,
  type SettingNames,
} from './migration-engine.js';
export {
  MigrationSteps,
  STEP_KINDS,
  type StepKind,
  type StepState,
  type StepView,
} from './migration-steps.js';
