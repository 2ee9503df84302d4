/**
 * Migration between stores: plan from a listing or an Azure Blob Inventory, copy with sealing and
 * single-pass digests, resume inside large objects after a crash, verify, sync, cut over, roll
 * back, decommission with a signed certificate; scale out with workers leasing from the journal.
 * @module
 */
export {
  createMigrationEngine,
  addResults,
  type MigrationEngine,
  type SyncResult,
  type WorkOptions,
} from './engine.js';
export { MigrationErrors } from './errors.js';
export type {
  MigrationDeps,
  MigrationStores,
  MigrationSealer,
  MigrationSigner,
  MigrationAudit,
  JournalDb,
  StoreDescription,
  PlacementDecision,
  PlacementGuard,
  SealIdentity,
  SealSession,
  SealOutcome,
  OpenSession,
  OpenOutcome,
  SealedHeaderInfo,
} from './types.js';
export type { PlanRequest, PlanReport, StorePrefix, PhaseSummary, BlockedSummary } from './planner.js';
export type { RunOptions, RunProgress, RunResult, StopReason } from './run.js';
export type { VerifyOptions, VerifyReport, Finding, FindingKind } from './verify.js';
export type { CutoverResult } from './cutover.js';
export type {
  DecommissionOptions,
  DecommissionResult,
  Certificate,
  CertificateBody,
  ManifestLine,
} from './decommission.js';
export type { MigrationStatus, PhaseStatus, ReportFormat } from './report.js';
export type { SyncFound } from './sync.js';
export {
  OBJECT_STATES,
  type ObjectState,
  type MigrationState,
  type Journal,
  type MigrationRow,
  type ObjectRow,
} from './journal.js';
export { loadClassMap, createClassMap, type ClassMap, type ClassAssignment } from './class-map.js';
export { readInventory, type InventoryFormat } from './inventory.js';
export type { SourceEntry } from './source-entry.js';
export { partSizeFor } from './part-size.js';
export { formatDuration, type Estimate, type EstimateParams } from './estimate.js';
export { createCryptoSealer, type CryptoSealerOptions, type DatasetKeySource } from './crypto-sealer.js';
export { preferSmallHeap } from './small-heap.js';
