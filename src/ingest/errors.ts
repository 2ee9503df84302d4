/**
 * Ingestion error codes. Two families share the INGEST_ prefix:
 * - quarantine reasons: a record that cannot be accepted is set aside with one of these codes (it is
 *   never thrown; {@link QuarantineCode} lists them);
 * - operational failures: the ingest itself cannot run (a bad profile, an unreadable input) and throws.
 * @module
 */
import { defineErrors } from '../core/index.js';

export const IngestErrors = defineErrors({
  // Quarantine reasons (status 422: the record is well delivered but cannot be processed as it is).
  INGEST_INVALID_JSON: {
    status: 422,
    description:
      'The record is not valid JSON (or a Bundle file is truncated); fix the syntax and re-ingest it.',
  },
  INGEST_NOT_A_RESOURCE: {
    status: 422,
    description:
      'The record is JSON but not a FHIR resource: not an object, or without a string resourceType.',
  },
  INGEST_UNKNOWN_RESOURCE_TYPE: {
    status: 422,
    description: 'The resourceType is not a FHIR R4 resource type.',
  },
  INGEST_BAD_ID: {
    status: 422,
    description: 'The resource id does not match the FHIR id format (1 to 64 of A-Z a-z 0-9 - .).',
  },
  INGEST_MISSING_ELEMENT: {
    status: 422,
    description:
      'An element the FHIR R4 specification (or the CSV schema) requires is absent or empty; the message names its path.',
  },
  INGEST_BAD_TYPE: {
    status: 422,
    description:
      'An element has the wrong JSON type or format for its FHIR type (date, dateTime, code, decimal, array…) or CSV column type.',
  },
  INGEST_BAD_CODE: {
    status: 422,
    description:
      'A code does not have the shape (or check digit) of its code system: ICD-10, LOINC, ATC, CIP13, CCAM, UCD, SNOMED CT.',
  },
  INGEST_DANGLING_REFERENCE: {
    status: 422,
    description:
      'The record refers to a Patient that is not part of this ingest (or was itself quarantined); ingest the Patient with it.',
  },
  INGEST_INVALID_NIR: {
    status: 422,
    description:
      'A NIR or INS matricule is malformed or its key (97 − N mod 97) does not match; the record names a person wrongly.',
  },
  INGEST_MISSING_PERSON_ID: {
    status: 422,
    description:
      'The record has no identifier the profile accepts for the person (an INS/NIR), and the profile requires one.',
  },
  INGEST_DUPLICATE_ID: {
    status: 422,
    description:
      'Another Patient with the same id (or fullUrl) came earlier in this ingest; the first one is kept.',
  },
  INGEST_RECORD_TOO_LARGE: {
    status: 422,
    description:
      'One record (an NDJSON line, a Bundle entry, a CSV row) exceeds the size limit of the ingest.',
  },
  INGEST_CSV_BAD_ROW: {
    status: 422,
    description:
      'A CSV row does not have as many fields as the schema declares, or has an unterminated quote.',
  },

  // Operational failures.
  INGEST_PROFILE_INVALID: {
    status: 400,
    description:
      'A pseudonymisation profile does not match the profile format; the message names the file and the field.',
  },
  INGEST_SCHEMA_INVALID: {
    status: 400,
    description: 'A CSV schema does not match the schema format; the message names the file and the field.',
  },
  INGEST_INPUT_NOT_FOUND: {
    status: 404,
    description: 'An input path does not exist or cannot be read.',
  },
  INGEST_INPUT_UNSUPPORTED: {
    status: 400,
    description:
      'An input file is of a kind ingestion does not read (it reads .ndjson, .jsonl, .json and .csv, optionally gzipped), or a CSV file has no schema.',
  },
  INGEST_STORE_MISMATCH: {
    status: 409,
    description:
      'The dataset already lives in another store; ingest into that store (or migrate the dataset first).',
  },
  INGEST_PROFILE_MISMATCH: {
    status: 409,
    description:
      'A quarantined record is re-ingested with another profile than the one it was first ingested with; pass that profile (--profile).',
  },
  INGEST_REINGEST_REJECTED: {
    status: 422,
    description:
      'The corrected record still fails validation (the details list every problem); the quarantined record stays open.',
  },
  INGEST_UPLOAD_EMPTY: {
    status: 400,
    description: 'The upload to ingest has no content; send the file as the request body.',
  },
  INGEST_UPLOAD_TOO_LARGE: {
    status: 413,
    description:
      'The upload is larger than the hub accepts over the API (server.ingestUploadLimitBytes); split it, or ingest it with `hdh ingest` on the hub.',
  },
  INGEST_WRITE_FAILED: {
    status: 500,
    description:
      'Writing the analytic tables (DuckDB staging or the Parquet export) failed; the message says where.',
  },
});

/** Codes a record can be quarantined with. */
export const QUARANTINE_CODES = [
  'INGEST_INVALID_JSON',
  'INGEST_NOT_A_RESOURCE',
  'INGEST_UNKNOWN_RESOURCE_TYPE',
  'INGEST_BAD_ID',
  'INGEST_MISSING_ELEMENT',
  'INGEST_BAD_TYPE',
  'INGEST_BAD_CODE',
  'INGEST_DANGLING_REFERENCE',
  'INGEST_INVALID_NIR',
  'INGEST_MISSING_PERSON_ID',
  'INGEST_DUPLICATE_ID',
  'INGEST_RECORD_TOO_LARGE',
  'INGEST_CSV_BAD_ROW',
] as const;

export type QuarantineCode = (typeof QUARANTINE_CODES)[number];
