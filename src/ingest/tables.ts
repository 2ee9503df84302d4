/**
 * The analytic tables an ingest writes, as data the catalogue can show: an OMOP-CDM-5.4-inspired
 * layout (same table and column names where they exist) fed from the *pseudonymised* resources, so
 * nothing reaches a table that the profile did not let through.
 *
 * Differences from OMOP, on purpose: keys are keyed pseudonyms (strings), not integers; concept ids
 * are 0 except a few fixed ones (gender, visit kind) since no vocabulary tables are loaded; the
 * source code and its vocabulary are kept in `*_source_value` / `*_source_vocabulary`.
 * @module
 */

export type ColumnType =
  'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'DATE' | 'TIMESTAMP' | 'BOOLEAN' | 'JSON';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

export interface TableSpec {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
}

const c = (name: string, type: ColumnType, description: string): ColumnSpec => ({ name, type, description });

const PERSON_ID = c(
  'person_id',
  'VARCHAR',
  'Person pseudonym: keyed hash of the INS/NIR (or source-local identity).',
);
const VISIT_ID = c('visit_occurrence_id', 'VARCHAR', 'Pseudonym of the Encounter the record belongs to.');
const TYPE_CONCEPT = (what: string): ColumnSpec =>
  c(
    `${what}_type_concept_id`,
    'INTEGER',
    'Provenance of the record: 32817 EHR, 32838 EHR prescription, 32865 patient self-report.',
  );
const SOURCE = (what: string): ColumnSpec[] => [
  c(`${what}_concept_id`, 'INTEGER', 'Standard concept (0: not mapped, no vocabulary tables are loaded).'),
  c(`${what}_source_value`, 'VARCHAR', 'Code as received (ICD-10, LOINC, ATC, CIP13, CCAM, SNOMED CT…).'),
  c(
    `${what}_source_vocabulary`,
    'VARCHAR',
    'Vocabulary of the source code (ICD10, LOINC, ATC, CIP13, CCAM, SNOMED…) or its system URI.',
  ),
];
const FHIR_TYPE = c('fhir_resource_type', 'VARCHAR', 'FHIR resource type the row comes from.');

/** The OMOP-inspired tables plus the tables keeping everything else. */
export const ANALYTIC_TABLES: readonly TableSpec[] = [
  {
    name: 'person',
    description:
      'One row per person: the first accepted Patient of each person pseudonym (two sources may both send the same person).',
    columns: [
      PERSON_ID,
      c('gender_concept_id', 'INTEGER', 'OMOP gender: 8507 male, 8532 female, 0 other or unknown.'),
      c('gender_source_value', 'VARCHAR', 'Patient.gender as received (male, female, other, unknown).'),
      c('year_of_birth', 'INTEGER', 'Year of birth.'),
      c('month_of_birth', 'INTEGER', 'Month of birth, when the profile keeps it.'),
      c('day_of_birth', 'INTEGER', 'Day of birth, when the profile keeps it (the default profile does not).'),
      c('birth_date', 'DATE', 'Full birth date, when the profile keeps it.'),
      c(
        'location_source_value',
        'VARCHAR',
        'Place of residence as the profile leaves it (default: département code).',
      ),
    ],
  },
  {
    name: 'death',
    description: 'One row per person known to be deceased (Patient.deceased[x]).',
    columns: [
      PERSON_ID,
      c(
        'death_date',
        'DATE',
        'Date of death (shifted per person by the default profile); empty when only known to be deceased.',
      ),
      c('death_datetime', 'TIMESTAMP', 'Date and time of death, local clock time as received.'),
      TYPE_CONCEPT('death'),
    ],
  },
  {
    name: 'visit_occurrence',
    description: 'Encounters (FHIR Encounter).',
    columns: [
      VISIT_ID,
      PERSON_ID,
      c(
        'visit_concept_id',
        'INTEGER',
        'OMOP visit kind from Encounter.class: 9201 inpatient, 9202 outpatient, 9203 emergency, 581476 home, 0 other.',
      ),
      c('visit_source_value', 'VARCHAR', 'Encounter.class code (v3 ActCode: IMP, AMB, EMER, HH…).'),
      c('visit_start_date', 'DATE', 'Start of the encounter.'),
      c('visit_start_datetime', 'TIMESTAMP', 'Start, local clock time.'),
      c('visit_end_date', 'DATE', 'End of the encounter.'),
      c('visit_end_datetime', 'TIMESTAMP', 'End, local clock time.'),
      TYPE_CONCEPT('visit'),
      c('admitted_from_source_value', 'VARCHAR', 'Encounter.hospitalization.admitSource code.'),
      c('discharged_to_source_value', 'VARCHAR', 'Encounter.hospitalization.dischargeDisposition code.'),
      c('status', 'VARCHAR', 'Encounter.status.'),
    ],
  },
  {
    name: 'condition_occurrence',
    description: 'Conditions and diagnoses (FHIR Condition).',
    columns: [
      c('condition_occurrence_id', 'VARCHAR', 'Pseudonym of the Condition.'),
      PERSON_ID,
      ...SOURCE('condition'),
      c('condition_start_date', 'DATE', 'Onset (or recorded date when no onset).'),
      c('condition_start_datetime', 'TIMESTAMP', 'Onset, local clock time.'),
      c('condition_end_date', 'DATE', 'Abatement.'),
      c('condition_end_datetime', 'TIMESTAMP', 'Abatement, local clock time.'),
      TYPE_CONCEPT('condition'),
      c('condition_status_source_value', 'VARCHAR', 'Condition.clinicalStatus code (active, resolved…).'),
      c(
        'verification_status_source_value',
        'VARCHAR',
        'Condition.verificationStatus code (confirmed, provisional…).',
      ),
      VISIT_ID,
    ],
  },
  {
    name: 'drug_exposure',
    description:
      'Prescriptions, medication statements and vaccinations (MedicationRequest, MedicationStatement, Immunization).',
    columns: [
      c('drug_exposure_id', 'VARCHAR', 'Pseudonym of the source resource.'),
      PERSON_ID,
      ...SOURCE('drug'),
      c('drug_exposure_start_date', 'DATE', 'Start (authoredOn, effective start or occurrence).'),
      c('drug_exposure_start_datetime', 'TIMESTAMP', 'Start, local clock time.'),
      c('drug_exposure_end_date', 'DATE', 'End (validity period or effective end).'),
      c('drug_exposure_end_datetime', 'TIMESTAMP', 'End, local clock time.'),
      TYPE_CONCEPT('drug'),
      c('refills', 'INTEGER', 'MedicationRequest.dispenseRequest.numberOfRepeatsAllowed.'),
      c('quantity', 'DOUBLE', 'Quantity dispensed or dose given.'),
      c('days_supply', 'INTEGER', 'Expected supply duration in days.'),
      c('route_source_value', 'VARCHAR', 'Route code.'),
      c('dose_unit_source_value', 'VARCHAR', 'Unit of the quantity or dose.'),
      c(
        'medication_id',
        'VARCHAR',
        'Pseudonym of the Medication resource, when the drug is given by reference.',
      ),
      VISIT_ID,
      FHIR_TYPE,
    ],
  },
  {
    name: 'procedure_occurrence',
    description: 'Procedures and acts (FHIR Procedure; CCAM, SNOMED CT…).',
    columns: [
      c('procedure_occurrence_id', 'VARCHAR', 'Pseudonym of the Procedure.'),
      PERSON_ID,
      ...SOURCE('procedure'),
      c('procedure_date', 'DATE', 'When performed.'),
      c('procedure_datetime', 'TIMESTAMP', 'When performed, local clock time.'),
      c('procedure_end_date', 'DATE', 'End of a performed period.'),
      c('procedure_end_datetime', 'TIMESTAMP', 'End, local clock time.'),
      TYPE_CONCEPT('procedure'),
      VISIT_ID,
    ],
  },
  {
    name: 'measurement',
    description:
      'Measurements: laboratory results and vital signs (FHIR Observation with a numeric value or a lab/vital-signs category; one row per component).',
    columns: [
      c('measurement_id', 'VARCHAR', 'Pseudonym of the Observation (with #n for its n-th component).'),
      PERSON_ID,
      ...SOURCE('measurement'),
      c('measurement_date', 'DATE', 'Effective date.'),
      c('measurement_datetime', 'TIMESTAMP', 'Effective date and time, local clock time.'),
      TYPE_CONCEPT('measurement'),
      c('operator_source_value', 'VARCHAR', 'Comparator of the value (<, <=, >=, >).'),
      c('value_as_number', 'DOUBLE', 'Numeric value.'),
      c('value_source_value', 'VARCHAR', 'Coded value (code of valueCodeableConcept) or boolean as text.'),
      c('unit_source_value', 'VARCHAR', 'UCUM unit code (or unit text).'),
      c('range_low', 'DOUBLE', 'Low end of the reference range.'),
      c('range_high', 'DOUBLE', 'High end of the reference range.'),
      VISIT_ID,
    ],
  },
  {
    name: 'observation',
    description:
      'Other clinical facts: non-numeric Observations, allergies and intolerances, diagnostic reports.',
    columns: [
      c('observation_id', 'VARCHAR', 'Pseudonym of the source resource.'),
      PERSON_ID,
      ...SOURCE('observation'),
      c('observation_date', 'DATE', 'Effective, onset or issue date.'),
      c('observation_datetime', 'TIMESTAMP', 'The same, local clock time.'),
      TYPE_CONCEPT('observation'),
      c('value_as_number', 'DOUBLE', 'Numeric value, if any.'),
      c('value_as_string', 'VARCHAR', 'Textual value, if the profile keeps one.'),
      c('value_source_value', 'VARCHAR', 'Coded value (code), or the criticality of an allergy.'),
      c('unit_source_value', 'VARCHAR', 'Unit of the value.'),
      VISIT_ID,
      FHIR_TYPE,
    ],
  },
  {
    name: 'fhir_other',
    description:
      'Every accepted resource that no table above holds (other resource types, and in-depth types not about a Patient), as pseudonymised FHIR JSON.',
    columns: [
      c('resource_type', 'VARCHAR', 'FHIR resource type.'),
      c('resource_id', 'VARCHAR', 'Pseudonymised resource id.'),
      c('person_id', 'VARCHAR', 'Person pseudonym, when the resource is about a Patient of the ingest.'),
      c('resource', 'JSON', 'The pseudonymised resource (what the profile lets through).'),
    ],
  },
  {
    name: 'person_ref',
    description:
      'Keyed tokens of the references naming each accepted Patient, so later ingests and re-ingested records resolve Patient references without the original ids.',
    columns: [
      c('ref_token', 'VARCHAR', 'Keyed token of a normalised Patient reference (Patient/id or its fullUrl).'),
      PERSON_ID,
    ],
  },
];

export function tableSpec(name: string): TableSpec | undefined {
  return ANALYTIC_TABLES.find((t) => t.name === name);
}
