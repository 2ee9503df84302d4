import { defineErrors } from '../core/index.js';

/** Codes of the migration concept: whole-command failures and the per-object codes the journal records. */
export const MigrationErrors = defineErrors({
  MIGRATION_NOT_FOUND: {
    status: 404,
    description: 'No migration of that name in the hub journal; `hdh migrate plan NAME …` creates one.',
  },
  MIGRATION_EXISTS: {
    status: 409,
    description:
      'A migration of that name has already copied objects, so it cannot be planned again; use `hdh migrate sync NAME` or pick another name.',
  },
  MIGRATION_STATE: {
    status: 409,
    description:
      'The command does not apply to the migration in its current state (e.g. rollback after decommission); the message names the state.',
  },
  MIGRATION_BUSY: {
    status: 409,
    description:
      'A run, sync or verify of the migration is already under way in the server; wait until its status shows it ended, then try again.',
  },
  MIGRATION_NOT_CLEAN: {
    status: 409,
    description:
      'Cutover or decommission needs a clean verify after the last copy and a sync that found nothing new; run `hdh migrate sync` and `hdh migrate verify` first.',
  },
  MIGRATION_PLACEMENT_REFUSED: {
    status: 403,
    description:
      "The sovereignty policy forbids the destination store to hold a data class the plan contains; the message lists each class and the policy's reasons.",
  },
  MIGRATION_CLASS_UNKNOWN: {
    status: 400,
    description:
      'Objects have no data class: neither the hub records nor the class map give one; pass --class-map FILE or --default-class CLASS.',
  },
  MIGRATION_CLASS_MAP_INVALID: {
    status: 400,
    description:
      'The prefix→class map file is malformed; the message names the file, the line or entry and the problem.',
  },
  MIGRATION_INVENTORY_INVALID: {
    status: 400,
    description:
      'The Azure Blob Inventory file (CSV or Parquet) cannot be read as an inventory; the message names the file, the row and the column.',
  },
  MIGRATION_KEY_TOO_LONG: {
    status: 400,
    description:
      'The destination store does not accept a key this long; the object is reported and left at the source.',
  },
  MIGRATION_OBJECT_TOO_LARGE: {
    status: 400,
    description:
      "The object (once sealed) is larger than the destination provider's maximum object size; it is reported and left at the source.",
  },
  MIGRATION_SOURCE_ARCHIVED: {
    status: 409,
    description:
      'The source object is in an archive tier and must be rehydrated before it can be read; rehydrate it, then run `hdh migrate sync`.',
  },
  MIGRATION_SOURCE_CHANGED: {
    status: 409,
    retryable: true,
    description:
      'The source object changed while it was being copied; the copy was discarded and the object is copied again.',
  },
  MIGRATION_SOURCE_GONE: {
    status: 404,
    description: 'The source object was deleted after planning; `hdh migrate sync` records the deletion.',
  },
  MIGRATION_SOURCE_DIGEST_MISMATCH: {
    status: 502,
    retryable: true,
    description:
      'The bytes read from the source do not match the MD5 the source service keeps for them (corruption in transit or at rest); the object is retried, then reported.',
  },
  MIGRATION_DESTINATION_MISMATCH: {
    status: 409,
    description:
      'A destination object is missing, extra, or differs from what the journal recorded (size, fingerprint or digest); the next `hdh migrate run` copies it again.',
  },
  MIGRATION_VERIFY_FAILED: {
    status: 409,
    description: 'Verification found missing, extra or mismatched objects; the report lists each one.',
  },
  MIGRATION_UPLOAD_LOST: {
    status: 409,
    retryable: true,
    description:
      'A multipart upload recorded in the journal no longer exists at the destination (aborted or expired); the object is copied again from its first part.',
  },
  MIGRATION_LEASE_LOST: {
    status: 409,
    retryable: true,
    description:
      "A worker's lease on a unit of work expired and another worker took the unit over; the first worker stops working on it.",
  },
});
