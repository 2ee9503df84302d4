/**
 * Ingestion: FHIR R4 (NDJSON, Bundles, single resources) and CSV with a declared schema in; records
 * validated, failures quarantined with their reason, the rest pseudonymised by a versioned profile
 * with keyed methods and written as OMOP-inspired Parquet tables. docs/ingest.md has the formats.
 * @module
 */
export { IngestErrors, QUARANTINE_CODES, type QuarantineCode } from './errors.js';
export {
  runIngest,
  reingestRecord,
  type IngestOptions,
  type ReingestOptions,
  type IngestResult,
  type IngestSummary,
  type IngestInput,
  type IngestProgress,
  type TypeCounts,
  type QuarantineRecord,
  type RecordOrigin,
} from './pipeline.js';
export type { IngestTable } from './table-writer.js';
export {
  defaultProfile,
  loadProfile,
  parseProfile,
  parseProfileText,
  BUILT_IN_PROFILES_DIR,
  METHODS,
  GENERALIZATIONS,
  type Profile,
  type ProfileRule,
  type RuleParams,
  type Method,
  type Generalization,
  type ColumnCondition,
  type PersonIdentifierRule,
} from './profile.js';
export {
  loadCsvSchema,
  parseCsvSchema,
  parseCsvSchemaText,
  schemaForCsv,
  type CsvSchema,
  type CsvColumn,
} from './csv-schema.js';
export { ANALYTIC_TABLES, tableSpec, type TableSpec, type ColumnSpec, type ColumnType } from './tables.js';
export type { HmacFunction } from './keys.js';
export { isValidNir, nirKey, nirProblem, normalizeNir, withNirKey, INS_SYSTEMS } from './identifiers.js';
export {
  DEFAULT_CODE_SYSTEMS,
  SNOMED_CT_RULE,
  mod10CheckDigit,
  ean13CheckDigit,
  verhoeffValid,
  type CodeSystemRule,
} from './code-systems.js';
export { IN_DEPTH_TYPES, REQUIRED_ELEMENTS, type Issue } from './validate.js';
export { expandInputs, type InputFile, type InputKind } from './readers/input-files.js';
export { countDistinct } from './parquet-stats.js';
export { measureJsonCeiling, measureIngest, type ThroughputMeasure } from './bench.js';
