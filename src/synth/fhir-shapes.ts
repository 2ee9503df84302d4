/**
 * Small builders of FHIR R4 data types and the fixed codings the generator repeats on every record.
 * The constants are shared between records and must never be mutated (fault injection works on
 * deep copies).
 * @module
 */
import type { CodeableConcept, Coding, Quantity, Reference } from 'fhir/r4.js';
import { UCUM_SYSTEM } from './code-formats.js';

export const coding = (system: string, code: string, display?: string): Coding =>
  display === undefined ? { system, code } : { system, code, display };

export const concept = (codings: Coding[], text?: string): CodeableConcept =>
  text === undefined ? { coding: codings } : { coding: codings, text };

export const single = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [coding(system, code, display)],
});

export const reference = (type: string, id: string): Reference => ({ reference: `${type}/${id}` });

export const quantity = (value: number, unit: string): Quantity => ({
  value,
  unit,
  system: UCUM_SYSTEM,
  code: unit,
});

/** Rounds to a number of decimals with plain IEEE arithmetic (identical on every engine). */
export function round(value: number, decimals: number): number {
  const f = decimals === 0 ? 1 : decimals === 1 ? 10 : decimals === 2 ? 100 : 1000;
  return Math.round(value * f) / f;
}

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const CATEGORY_VITALS: CodeableConcept[] = [
  single(OBSERVATION_CATEGORY, 'vital-signs', 'Vital Signs'),
];
export const CATEGORY_LAB: CodeableConcept[] = [single(OBSERVATION_CATEGORY, 'laboratory', 'Laboratory')];
export const CATEGORY_SOCIAL: CodeableConcept[] = [
  single(OBSERVATION_CATEGORY, 'social-history', 'Social History'),
];
export const REPORT_CATEGORY_LAB: CodeableConcept[] = [
  single('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory'),
];

const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const CATEGORY_PROBLEM: CodeableConcept[] = [
  single(CONDITION_CATEGORY, 'problem-list-item', 'Problem List Item'),
];
export const CATEGORY_DIAGNOSIS: CodeableConcept[] = [
  single(CONDITION_CATEGORY, 'encounter-diagnosis', 'Encounter Diagnosis'),
];

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_ACTIVE = single(CLINICAL, 'active', 'Active');
export const CONDITION_RESOLVED = single(CLINICAL, 'resolved', 'Resolved');
export const CONDITION_CONFIRMED = single(
  'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  'confirmed',
  'Confirmed',
);

export const ALLERGY_ACTIVE = single(
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  'active',
  'Active',
);
export const ALLERGY_CONFIRMED = single(
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  'confirmed',
  'Confirmed',
);

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const ENCOUNTER_CLASS = {
  AMB: coding(ACT_CODE, 'AMB', 'ambulatory'),
  EMER: coding(ACT_CODE, 'EMER', 'emergency'),
  IMP: coding(ACT_CODE, 'IMP', 'inpatient encounter'),
  SS: coding(ACT_CODE, 'SS', 'short stay'),
} as const;
export type EncounterClass = keyof typeof ENCOUNTER_CLASS;

const DISCHARGE = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';
export const DISCHARGE_HOME = single(DISCHARGE, 'home', 'Home');
export const DISCHARGE_REHAB = single(DISCHARGE, 'rehab', 'Rehabilitation');
export const DISCHARGE_EXPIRED = single(DISCHARGE, 'exp', 'Expired');
export const ADMIT_FROM_EMERGENCY = single(
  'http://terminology.hl7.org/CodeSystem/admit-source',
  'emd',
  'From accident/emergency department',
);

const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const INTERPRETATION_HIGH: CodeableConcept[] = [single(INTERPRETATION, 'H', 'High')];
export const INTERPRETATION_LOW: CodeableConcept[] = [single(INTERPRETATION, 'L', 'Low')];
