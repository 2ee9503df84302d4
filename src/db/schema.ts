/**
 * Table types of the hub database, one interface per table. Columns use types both dialects return
 * the same way: text timestamps (ISO 8601, UTC), integers as numbers, JSON as text, bytes as Buffer.
 * @module
 */
import type { Generated } from 'kysely';

export interface HubMetaTable {
  key: string;
  value: string;
}

export interface AuditLogTable {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export interface DatasetKeysTable {
  key_id: string;
  dataset: string;
  /** The dataset key wrapped by the master key; NULL once destroyed (crypto-shredded). */
  wrapped: Buffer | null;
  wrap_alg: string;
  master_key_id: string;
  state: string;
  created_at: string;
  destroyed_at: string | null;
  destroyed_by: string | null;
}

export interface DatasetsTable {
  name: string;
  class: string;
  store: string;
  title: string;
  description: string;
  created_at: string;
  created_by: string;
  publisher: string | null;
  /** JSON array of theme codes. */
  themes: string | null;
  /** JSON array of keywords. */
  keywords: string | null;
  temporal_start: string | null;
  temporal_end: string | null;
  spatial: string | null;
  current_version: number | null;
  updated_at: string | null;
}

export interface DatasetVersionsTable {
  dataset: string;
  version: number;
  created_at: string;
  created_by: string;
  profile_name: string;
  profile_version: string;
  key_id: string;
  persons: number;
  /** JSON: read/accepted/quarantined, per resource type. */
  summary: string;
  /** JSON: tables with rows, columns and the object holding each. */
  tables: string;
  /** JSON: input files with SHA-256 and size. */
  inputs: string;
}

export interface DatasetInputsTable {
  dataset: string;
  sha256: string;
  version: number;
  file_name: string;
  bytes: number;
}

/** One row (id 1): bumped by trigger in every transaction that changes the catalogue's tables. */
export interface CatalogueGenerationTable {
  id: number;
  value: number;
}

/** One row (id 1): bumped by trigger in every transaction that changes what authentication reads. */
export interface AccessGenerationTable {
  id: number;
  value: number;
}

export interface QuarantineTable {
  id: string;
  dataset: string;
  ingest_id: string;
  code: string;
  message: string;
  file: string;
  line: number;
  resource_type: string | null;
  store: string;
  object_key: string;
  status: string;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

export interface ObjectsTable {
  store: string;
  key: string;
  object_id: string;
  dataset: string;
  class: string;
  sealed: number;
  key_id: string | null;
  plain_size: number;
  plain_sha256: string;
  sealed_size: number;
  sealed_sha256: string;
  created_at: string;
}

/** One migration between two stores (see docs/migration.md). */
export interface MigrationsTable {
  name: string;
  source_store: string;
  source_prefix: string;
  dest_store: string;
  dest_prefix: string;
  state: string;
  options: string;
  plan: string | null;
  generation: number;
  next_seq: number;
  next_unit: number;
  created_at: string;
  planned_at: string | null;
  last_copy_at: string | null;
  last_sync_at: string | null;
  last_sync_found: number | null;
  last_verify_at: string | null;
  last_verify_clean: number | null;
  last_verify: string | null;
  cutover_at: string | null;
  cutover: string | null;
  rollback_at: string | null;
  decommissioned_at: string | null;
  certificate: string | null;
}

/** One source object of a migration and where its copy stands. */
export interface MigrationObjectsTable {
  migration: string;
  seq: number;
  source_key: string;
  dest_key: string;
  size: number;
  etag: string | null;
  md5: string | null;
  last_modified: string;
  archived: number;
  dataset: string;
  class: string;
  object_id: string;
  phase: number;
  unit: number;
  state: string;
  generation: number;
  attempts: number;
  retries: number;
  error_code: string | null;
  error_message: string | null;
  retryable: number;
  source_sealed: number | null;
  key_id: string | null;
  plain_size: number | null;
  plain_sha256: string | null;
  sealed_size: number | null;
  sealed_sha256: string | null;
  dest_etag: string | null;
  upload_id: string | null;
  part_size: number | null;
  seal_header: string | null;
  copied_at: string | null;
  verified_at: string | null;
  source_deleted_at: string | null;
  hub_record: string | null;
}

/** A unit of work that one worker leases at a time. */
export interface MigrationUnitsTable {
  migration: string;
  unit: number;
  phase: number;
  state: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** When this unit was first leased since it last became pending: objects written after it may be adopted after a crash. */
  first_leased_at: string | null;
  attempts: number;
  objects: number;
  bytes: number;
}

/** A completed part of a multipart upload in flight. */
export interface MigrationPartsTable {
  migration: string;
  seq: number;
  upload_id: string;
  part_number: number;
  etag: string;
  size: number;
  sha256: string;
}

export interface MigrationEventsTable {
  id: string;
  migration: string;
  at: string;
  kind: string;
  details: string;
}

export interface MigrationFindingsTable {
  migration: string;
  pass: string;
  kind: string;
  key: string;
  seq: number | null;
  detail: string;
}

export interface UsersTable {
  id: string;
  name: string;
  role: string;
  display_name: string | null;
  email: string | null;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
  disabled_by: string | null;
  last_login_at: string | null;
  failed_count: number;
  failed_since: string | null;
  locked_until: string | null;
}

export interface UserPasswordsTable {
  user_id: string;
  /** argon2id PHC string. */
  hash: string;
  changed_at: string;
}

export interface UserMfaTable {
  user_id: string;
  /** The TOTP secret sealed (AES-256-GCM) under a key derived from the access secret. */
  secret_sealed: string;
  /** 0 while enrolment awaits its first valid code, 1 once verified. */
  enabled: number;
  /** Last accepted 30 s step: a code for this step or an earlier one is a replay. */
  last_step: number | null;
  created_at: string;
  enabled_at: string | null;
}

export interface AuthSessionsTable {
  id: string;
  user_id: string;
  method: string;
  mfa: number;
  created_at: string;
  expires_at: string;
  refreshed_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  /** SHA-256 (hex) of the opaque token. */
  token_hash: string;
  session_id: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface OidcLoginsTable {
  state: string;
  provider: string;
  code_verifier: string;
  nonce: string;
  created_at: string;
  expires_at: string;
}

export interface ServiceAccountsTable {
  id: string;
  name: string;
  role: string;
  description: string;
  created_at: string;
  created_by: string;
  disabled_at: string | null;
}

export interface ApiTokensTable {
  id: string;
  service_account_id: string;
  label: string;
  /** SHA-256 (hex) of the opaque token. */
  token_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface ApplicationsTable {
  id: string;
  applicant: string;
  project: string;
  purpose: string;
  /** JSON: the datasets, versions, tables and columns requested. */
  requested: string;
  justification: string;
  duration_months: number;
  /** 1 once the applicant declared no use prohibited by EHDS Art. 54. */
  declaration: number;
  state: string;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  /** Time the statutory clock stood still while information was requested. */
  paused_ms: number;
  paused_since: string | null;
  extended_at: string | null;
  extension_reason: string | null;
  reviewer: string | null;
  decided_at: string | null;
  decided_by: string | null;
  permit_id: string | null;
}

export interface ApplicationMembersTable {
  application_id: string;
  user_name: string;
}

export interface ApplicationEventsTable {
  id: string;
  application_id: string;
  /** 1, 2, 3… per application: the order events happened in. */
  seq: number;
  at: string;
  actor: string;
  kind: string;
  from_state: string | null;
  to_state: string | null;
  comment: string | null;
  details: string;
}

export interface PermitsTable {
  id: string;
  application_id: string;
  purpose: string;
  /** JSON: the dataset versions, tables and columns the permit covers. */
  scope: string;
  disclosure_profile: string;
  starts_at: string;
  ends_at: string;
  /** active | suspended | revoked; expiry is computed from ends_at at every check. */
  status: string;
  issued_at: string;
  issued_by: string;
  status_changed_at: string | null;
  status_changed_by: string | null;
  status_reason: string | null;
}

export interface PermitPersonsTable {
  permit_id: string;
  user_name: string;
}

export interface Database {
  hub_meta: HubMetaTable;
  audit_log: AuditLogTable;
  dataset_keys: DatasetKeysTable;
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  dataset_inputs: DatasetInputsTable;
  catalogue_generation: CatalogueGenerationTable;
  access_generation: AccessGenerationTable;
  quarantine: QuarantineTable;
  objects: ObjectsTable;
  migrations: MigrationsTable;
  migration_objects: MigrationObjectsTable;
  migration_units: MigrationUnitsTable;
  migration_parts: MigrationPartsTable;
  migration_events: MigrationEventsTable;
  migration_findings: MigrationFindingsTable;
  users: UsersTable;
  user_passwords: UserPasswordsTable;
  user_mfa: UserMfaTable;
  auth_sessions: AuthSessionsTable;
  refresh_tokens: RefreshTokensTable;
  oidc_logins: OidcLoginsTable;
  service_accounts: ServiceAccountsTable;
  api_tokens: ApiTokensTable;
  applications: ApplicationsTable;
  application_members: ApplicationMembersTable;
  application_events: ApplicationEventsTable;
  permits: PermitsTable;
  permit_persons: PermitPersonsTable;
}

export type { Generated };
