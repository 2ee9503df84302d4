/**
 * Synthetic population generator: a deterministic French-like population (valid NIR/INS, French names
 * and communes, encounters, conditions, drugs, vital signs and laboratory results, procedures,
 * vaccinations, allergies, deaths) as FHIR R4, streamed patient by patient, with optional injected
 * faults for validator tests. Also the NIR/INS and code-format checks ingestion validates with.
 *
 * Output of {@link generatePopulation} in `outDir`:
 * - `ndjson` format: `<Type>.ndjson` for each resource type present (FHIR Bulk Data layout, one
 *   resource per line; types in {@link SYNTH_RESOURCE_TYPES});
 * - `bundle` format: `bundle-000001.json`, … one Bundle (`collection` or `transaction`) per
 *   `patientsPerBundle` patients, a patient never split; line 1 holds the Bundle header, entry k sits
 *   alone on line k + 2; `fullUrl` = {@link BUNDLE_BASE_URL} + `Type/id`;
 * - `manifest.json`: a Bulk Data–style manifest whose `output` lists the FHIR files (the sidecars
 *   below are not FHIR and are not listed);
 * - `faults.json` (when `faults` > 0): `{ seed, rate, kinds, faults: FaultEntry[] }`, one entry per line;
 * - `identities.ndjson` (when `identities` is set): one {@link SynthIdentity} per line.
 *
 * Resource ids are `<idPrefix>-<patient index>` for Patients and `<patient id>-<letter><n>` for the
 * rest; an injected fault has the id of the record it was derived from plus `-x`. Every reference is
 * relative (`Patient/<id>`) and resolves within the output.
 * @module
 */
export { SynthErrors } from './errors.js';
export {
  INS_NIA_SYSTEM,
  INS_NIR_DEMO_SYSTEM,
  INS_NIR_SYSTEM,
  INS_NIR_TEST_SYSTEM,
  FR_CORE_IDENTIFIER_TYPE_SYSTEM,
  checkIns,
  checkNir,
  isNirBody,
  isValidNir,
  makeNir,
  nirKey,
  normalizeNir,
  type InsCheck,
  type MakeNirInput,
  type NirCheck,
  type NirParts,
  type NirProblem,
} from './nir.js';
export {
  ATC_SYSTEM,
  CCAM_SYSTEM,
  CVX_SYSTEM,
  ICD10_SYSTEM,
  LOINC_SYSTEM,
  SNOMED_SYSTEM,
  UCUM_SYSTEM,
  codeFormatCheck,
  isAtcCode,
  isCcamCode,
  isIcd10Code,
  isLoincCode,
  loincCheckDigit,
} from './code-formats.js';
export { REFERENCE_DATE } from './dates.js';
export { FAULT_KINDS, FAULT_TARGETS, type FaultEntry, type FaultKind, type InjectedFault } from './faults.js';
export { identifyingStrings, type SynthIdentity } from './identity.js';
export type { PopulationOptions } from './options.js';
export {
  populationPatients,
  populationResources,
  type SynthPatient,
  type SynthRecord,
} from './population.js';
export { HISTORY_YEARS, IPP_SYSTEM, SYNTH_RESOURCE_TYPES, type SynthResourceType } from './timeline.js';
export {
  BUNDLE_BASE_URL,
  generatePopulation,
  type GenerateOptions,
  type SynthFile,
  type SynthFormat,
  type SynthSummary,
} from './generate.js';
