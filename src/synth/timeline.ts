/**
 * The clinical history of one person over the last {@link HISTORY_YEARS} years before the reference
 * day (or death): general-practice visits, emergencies, hospital stays, day surgery, screening,
 * vaccinations, with the conditions, prescriptions, vital signs, laboratory results, procedures and
 * allergies they produce, as FHIR R4 resources that reference each other by `Type/id`.
 * @module
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Encounter,
  FhirResource,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ObservationReferenceRange,
  Patient,
  Procedure,
  Reference,
} from 'fhir/r4.js';
import {
  ATC_SYSTEM,
  CCAM_SYSTEM,
  CVX_SYSTEM,
  ICD10_SYSTEM,
  LOINC_SYSTEM,
  SNOMED_SYSTEM,
} from './code-formats.js';
import { STREAM, type PopulationContext } from './context.js';
import {
  ACUTE,
  ALLERGENS,
  DRUGS,
  LABS,
  PANELS,
  PROCEDURES,
  REACTIONS,
  SCREENING,
  SMOKING_STATUS,
  VACCINES,
  VITALS,
  type AcuteKey,
  type ChronicKey,
  type Coded,
  type Drug,
  type DrugKey,
  type LabDef,
  type LabKey,
  type PanelKey,
  type ProcedureKey,
  type VaccineKey,
} from './data/clinical.js';
import { REFERENCE_DAY, addMonths, addYears, ageOn, civil, formatDate, formatDateTime } from './dates.js';
import {
  ADMIT_FROM_EMERGENCY,
  ALLERGY_ACTIVE,
  ALLERGY_CONFIRMED,
  CATEGORY_DIAGNOSIS,
  CATEGORY_LAB,
  CATEGORY_PROBLEM,
  CATEGORY_SOCIAL,
  CATEGORY_VITALS,
  CONDITION_ACTIVE,
  CONDITION_CONFIRMED,
  CONDITION_RESOLVED,
  DISCHARGE_EXPIRED,
  DISCHARGE_HOME,
  DISCHARGE_REHAB,
  ENCOUNTER_CLASS,
  INTERPRETATION_HIGH,
  INTERPRETATION_LOW,
  REPORT_CATEGORY_LAB,
  coding,
  concept,
  quantity,
  reference,
  round,
  single,
  type EncounterClass,
} from './fhir-shapes.js';
import { FR_CORE_IDENTIFIER_TYPE_SYSTEM, INS_NIR_SYSTEM } from './nir.js';
import type { ChronicCondition, Person } from './person.js';
import { rngFor, weightedTable, type Rng, type WeightedTable } from './prng.js';

/** How far back the clinical history of each person goes. */
export const HISTORY_YEARS = 3;

/** Resource types the generator writes, in the order their files are listed. */
export const SYNTH_RESOURCE_TYPES = [
  'Patient',
  'Encounter',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Procedure',
  'MedicationRequest',
  'MedicationStatement',
  'Immunization',
  'AllergyIntolerance',
] as const;
export type SynthResourceType = (typeof SYNTH_RESOURCE_TYPES)[number];

/** One generated, well-formed resource. */
export interface GeneratedRecord {
  readonly type: SynthResourceType;
  readonly resource: FhirResource;
}

/** Hospital patient numbers (IPP) of the synthetic hospital; the `.invalid` domain cannot be real. */
export const IPP_SYSTEM = 'https://hdh.invalid/synth/ipp';
const IDENTITY_RELIABILITY = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability';
const IDENTITY_STATUS_SYSTEM = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status';

// Shared, never mutated: every record of a given code points at the same CodeableConcept.
const ICD = new Map<string, CodeableConcept>();
function icd(c: Coded): CodeableConcept {
  let cc = ICD.get(c.code);
  if (cc === undefined) {
    cc = single(ICD10_SYSTEM, c.code, c.display);
    ICD.set(c.code, cc);
  }
  return cc;
}
const loinc = (c: Coded): CodeableConcept => single(LOINC_SYSTEM, c.code, c.display);
const LAB_CODES = new Map(
  (Object.keys(LABS) as LabKey[]).map((k) => [k, loinc({ code: LABS[k].loinc, display: LABS[k].display })]),
);
const PANEL_CODES = new Map((Object.keys(PANELS) as PanelKey[]).map((k) => [k, loinc(PANELS[k].code)]));
const VITAL_CODES = new Map(Object.entries(VITALS).map(([k, v]) => [k, loinc(v)]));
const DRUG_CODES = new Map(
  (Object.keys(DRUGS) as DrugKey[]).map((k) => {
    const d: Drug = DRUGS[k];
    return [k, concept([coding(ATC_SYSTEM, d.atc, d.name)], `${d.name} ${d.form}`)];
  }),
);
const PROCEDURE_CODES = new Map(
  (Object.keys(PROCEDURES) as ProcedureKey[]).map((k) => [
    k,
    single(CCAM_SYSTEM, PROCEDURES[k].code, PROCEDURES[k].display),
  ]),
);
const VACCINE_CODES = new Map(
  (Object.keys(VACCINES) as VaccineKey[]).map((k) => {
    const v: { atc: string; display: string; cvx?: string } = VACCINES[k];
    const codings = [coding(ATC_SYSTEM, v.atc, v.display)];
    if (v.cvx !== undefined) {
      codings.push(coding(CVX_SYSTEM, v.cvx));
    }
    return [k, concept(codings, v.display)];
  }),
);
const SMOKING_CODES = new Map(
  Object.entries(SMOKING_STATUS).map(([k, v]) => [k, single(SNOMED_SYSTEM, v.code, v.display)]),
);

const vital = (key: keyof typeof VITALS): CodeableConcept => VITAL_CODES.get(key)!;

type Moment = readonly [day: number, minutes: number];

function later(at: Moment, minutes: number): Moment {
  const total = at[1] + minutes;
  return [at[0] + Math.floor(total / 1440), total % 1440];
}

const dt = (at: Moment): string => formatDateTime(at[0], at[1]);

// ---------------------------------------------------------------- acute reasons by age

const table = (entries: readonly (readonly [AcuteKey, number])[]): WeightedTable<AcuteKey> =>
  weightedTable(entries);

const GP_ACUTE_INFANT = table([
  ['uri', 35],
  ['otitis', 25],
  ['gastroenteritis', 20],
  ['bronchiolitis', 20],
]);
const GP_ACUTE_CHILD = table([
  ['uri', 35],
  ['otitis', 12],
  ['gastroenteritis', 15],
  ['tonsillitis', 20],
  ['influenza', 10],
  ['covid', 8],
]);
const GP_ACUTE_ADULT_F = table([
  ['uri', 22],
  ['bronchitis', 9],
  ['sinusitis', 9],
  ['lowBackPain', 14],
  ['gastroenteritis', 9],
  ['influenza', 8],
  ['covid', 8],
  ['uti', 14],
  ['tonsillitis', 5],
]);
const GP_ACUTE_ADULT_M = table([
  ['uri', 24],
  ['bronchitis', 10],
  ['sinusitis', 9],
  ['lowBackPain', 18],
  ['gastroenteritis', 10],
  ['influenza', 9],
  ['covid', 9],
  ['uti', 2],
  ['tonsillitis', 5],
]);
const ER_CHILD = table([
  ['gastroenteritis', 25],
  ['wristFracture', 20],
  ['abdominalPain', 20],
  ['otitis', 10],
  ['ankleSprain', 15],
  ['bronchiolitis', 10],
]);
const ER_ADULT = table([
  ['abdominalPain', 20],
  ['chestPain', 14],
  ['lowBackPain', 10],
  ['ankleSprain', 12],
  ['wristFracture', 8],
  ['renalColic', 8],
  ['syncope', 6],
  ['uti', 6],
  ['pneumonia', 6],
  ['covid', 4],
]);
const ER_ELDERLY = table([
  ['hipFracture', 16],
  ['pneumonia', 18],
  ['syncope', 12],
  ['chestPain', 14],
  ['abdominalPain', 10],
  ['wristFracture', 8],
  ['uti', 10],
  ['hfDecompensation', 6],
  ['covid', 6],
]);

/** Where an emergency visit for each reason goes, and what is done there. */
interface EmergencyPlan {
  readonly procedures: readonly ProcedureKey[];
  readonly admit: (
    age: number,
    rng: Rng,
  ) => false | { readonly days: number; readonly procedures: readonly ProcedureKey[] };
}

const noAdmit = (): false => false;
const EMERGENCY: Partial<Record<AcuteKey, EmergencyPlan>> = {
  chestPain: { procedures: ['ecg', 'chestXray'], admit: noAdmit },
  syncope: {
    procedures: ['ecg'],
    admit: (age, rng) => age > 70 && rng.chance(0.3) && { days: 3, procedures: ['echocardiography'] },
  },
  pneumonia: {
    procedures: ['chestXray'],
    admit: (age, rng) => (age > 65 || rng.chance(0.2)) && { days: rng.range(4, 10), procedures: [] },
  },
  hipFracture: {
    procedures: ['chestXray'],
    admit: (_age, rng) => ({ days: rng.range(6, 14), procedures: ['hipFractureSurgery'] }),
  },
  abdominalPain: { procedures: ['abdominalUltrasound'], admit: noAdmit },
  wristFracture: { procedures: [], admit: noAdmit },
  renalColic: { procedures: ['abdominalCt'], admit: noAdmit },
  hfDecompensation: {
    procedures: ['chestXray', 'ecg'],
    admit: (_age, rng) => ({ days: rng.range(5, 12), procedures: ['echocardiography'] }),
  },
};

/** Hospital care a chronic condition leads to: complications, elective surgery, endoscopy. */
interface ChronicEvent {
  readonly kind: 'stay' | 'day';
  readonly reason?: AcuteKey;
  readonly days?: readonly [number, number];
  readonly procedures: readonly ProcedureKey[];
  /** Probability per year of the window… */
  readonly yearly?: number;
  /** …or probability over the whole window. */
  readonly once?: number;
  readonly maxCount?: number;
  readonly minAge?: number;
}

const CHRONIC_EVENTS: Partial<Record<ChronicKey, readonly ChronicEvent[]>> = {
  chd: [
    {
      kind: 'stay',
      reason: 'myocardialInfarction',
      days: [4, 8],
      procedures: ['ecg', 'coronaryAngiography', 'echocardiography'],
      yearly: 0.03,
    },
  ],
  af: [
    { kind: 'stay', reason: 'stroke', days: [7, 15], procedures: ['brainMri'], yearly: 0.012, minAge: 60 },
  ],
  hypertension: [
    { kind: 'stay', reason: 'stroke', days: [7, 15], procedures: ['brainMri'], yearly: 0.006, minAge: 60 },
  ],
  hf: [
    {
      kind: 'stay',
      reason: 'hfDecompensation',
      days: [5, 12],
      procedures: ['echocardiography', 'chestXray'],
      yearly: 0.2,
    },
  ],
  copd: [
    {
      kind: 'stay',
      reason: 'copdExacerbation',
      days: [4, 10],
      procedures: ['chestXray', 'spirometry'],
      yearly: 0.12,
    },
  ],
  coxarthrosis: [{ kind: 'stay', days: [3, 6], procedures: ['hipReplacement'], yearly: 0.03, maxCount: 1 }],
  gonarthrosis: [{ kind: 'stay', days: [3, 7], procedures: ['kneeReplacement'], yearly: 0.025, maxCount: 1 }],
  cataract: [{ kind: 'day', procedures: ['cataractSurgery'], once: 0.5 }],
  gerd: [{ kind: 'day', procedures: ['gastroscopy'], once: 0.15 }],
};

const CHEMOTHERAPY: ReadonlySet<ChronicKey> = new Set(['breastCancer', 'colorectalCancer', 'lungCancer']);

// ---------------------------------------------------------------- the history builder

interface DrugPlan {
  readonly key: DrugKey;
  readonly condition: ChronicCondition;
  readonly startDay: number;
  lastPrescribed: number | undefined;
  firstRequestId: string | undefined;
}

interface Visit {
  readonly at: Moment;
  readonly kind: 'gp' | 'er' | 'stay' | 'day' | 'screen' | 'vaccine';
  readonly reason?: AcuteKey;
  readonly chronic?: readonly ChronicCondition[];
  readonly procedures?: readonly ProcedureKey[];
  readonly days?: number;
  readonly vaccine?: VaccineKey;
  readonly death?: boolean;
  readonly fromEmergency?: boolean;
  /** The chronic condition an admission is about (a stroke of a hypertensive, a cancer treatment). */
  readonly about?: ChronicCondition;
  /** Why a screening visit takes place (no Condition is recorded for it). */
  readonly screening?: Coded;
}

/** Builds every resource of one person, in chronological order, Patient first. */
export function personRecords(ctx: PopulationContext, person: Person): GeneratedRecord[] {
  return new History(ctx, person).build();
}

class History {
  private readonly rng: Rng;
  private readonly records: GeneratedRecord[] = [];
  private readonly counters: Record<string, number> = {};
  private readonly subject: Reference;
  private readonly windowStart: number;
  private readonly drugs: DrugPlan[] = [];
  /** Condition resource of each chronic condition, once written. */
  private readonly conditionIds = new Map<ChronicKey, string>();
  private readonly physiology: Physiology;
  private smokingRecorded = false;
  private heightRecorded = false;

  constructor(
    private readonly ctx: PopulationContext,
    private readonly person: Person,
  ) {
    this.rng = rngFor(ctx.seed, STREAM.clinical, person.index);
    this.subject = reference('Patient', person.id);
    this.windowStart = Math.max(person.birthDay, addYears(REFERENCE_DAY, -HISTORY_YEARS) + 1);
    this.physiology = new Physiology(person, this.rng);
  }

  build(): GeneratedRecord[] {
    const { person } = this;
    const visits = this.plan();
    this.patient(visits);
    for (const c of person.conditions) {
      if (c.onsetDay < this.windowStart) {
        this.chronicCondition(c, undefined);
      }
    }
    this.allergies();
    for (const v of visits) {
      this.visit(v);
    }
    this.statements(visits);
    return this.records;
  }

  private id(letter: string): string {
    const n = (this.counters[letter] ?? 0) + 1;
    this.counters[letter] = n;
    return `${this.person.id}-${letter}${n}`;
  }

  private push(type: SynthResourceType, resource: FhirResource): void {
    this.records.push({ type, resource });
  }

  private has(key: ChronicKey, day: number): boolean {
    return this.person.conditions.some((c) => c.def.key === key && c.onsetDay <= day);
  }

  private ageAt(day: number): number {
    return ageOn(this.person.birthDay, day);
  }

  // ------------------------------------------------------------ planning

  private plan(): Visit[] {
    const { person, rng } = this;
    const visits: Visit[] = [];
    const span = person.lastDay - this.windowStart + 1;
    if (span <= 0) {
      return visits;
    }
    const years = span / 365.25;
    const randomDay = (): number => this.windowStart + rng.int(span);
    const gpTime = (day: number): Moment => [day, 8 * 60 + 15 * rng.int(44)];

    this.planTreatments();

    // General practice: routine follow-up, acute illness, new chronic diagnoses.
    const age = person.age;
    // Visits recorded by the synthetic hospital's shared record: fewer than a GP really sees, to keep
    // the output of large populations to a manageable size.
    const base = age < 2 ? 4 : age < 6 ? 2 : age < 18 ? 1 : age < 60 ? 1.2 : age < 75 ? 1.8 : 2.5;
    const rate = Math.min(4, base + 0.4 * person.conditions.length);
    const gpCount = Math.round(rate * years * (0.5 + rng.next()));
    for (let i = 0; i < gpCount; i++) {
      const day = randomDay();
      const reason = rng.chance(0.4) ? this.gpAcute(day) : undefined;
      visits.push(
        reason === undefined ? { at: gpTime(day), kind: 'gp' } : { at: gpTime(day), kind: 'gp', reason },
      );
    }
    const diagnosedByDay = new Map<number, ChronicCondition[]>();
    for (const c of person.conditions) {
      if (c.onsetDay < this.windowStart) {
        continue;
      }
      const list = diagnosedByDay.get(c.onsetDay) ?? [];
      list.push(c);
      diagnosedByDay.set(c.onsetDay, list);
    }
    for (const [day, list] of diagnosedByDay) {
      visits.push({ at: gpTime(day), kind: 'gp', chronic: list });
    }

    // Emergencies, some of them admitted.
    const erRate = age < 5 ? 0.3 : age < 15 ? 0.15 : age < 75 ? 0.12 : 0.35;
    const erCount = Math.round(erRate * years * 2 * rng.next());
    for (let i = 0; i < erCount; i++) {
      const day = randomDay();
      const a = this.ageAt(day);
      const reason = rng.weighted(a < 15 ? ER_CHILD : a < 75 ? ER_ADULT : ER_ELDERLY);
      this.planEmergency(
        visits,
        [day, rng.int(1440)],
        reason === 'covid' && !covidYear(day) ? 'pneumonia' : reason,
      );
    }

    this.planChronicEvents(visits, years, randomDay);
    this.planPregnancies(visits);
    this.planScreening(visits);
    this.planVaccines(visits);
    this.planDeath(visits);

    // Nothing happens after death but the end of the final stay.
    const last = person.deathDay === undefined ? person.lastDay : person.deathDay - 1;
    return visits
      .filter((v) => v.at[0] >= this.windowStart && (v.at[0] <= last || v.death === true))
      .map((v, i) => ({ v, i }))
      .sort((x, y) => x.v.at[0] - y.v.at[0] || x.v.at[1] - y.v.at[1] || x.i - y.i)
      .map(({ v }) => v);
  }

  private gpAcute(day: number): AcuteKey {
    const a = this.ageAt(day);
    const t =
      a < 3
        ? GP_ACUTE_INFANT
        : a < 15
          ? GP_ACUTE_CHILD
          : this.person.sex === 'female'
            ? GP_ACUTE_ADULT_F
            : GP_ACUTE_ADULT_M;
    const reason = this.rng.weighted(t);
    return reason === 'covid' && !covidYear(day) ? 'uri' : reason;
  }

  private planEmergency(visits: Visit[], at: Moment, reason: AcuteKey): void {
    const { rng } = this;
    let chosen = reason;
    if (reason === 'abdominalPain') {
      const a = this.ageAt(at[0]);
      if (a >= 8 && a < 50 && rng.chance(0.15)) {
        chosen = 'appendicitis';
      } else if (a >= 30 && rng.chance(0.1)) {
        chosen = 'gallstones';
      }
    }
    if (chosen === 'appendicitis' || chosen === 'gallstones') {
      const surgery: ProcedureKey = chosen === 'appendicitis' ? 'appendectomy' : 'cholecystectomy';
      visits.push({
        at,
        kind: 'stay',
        reason: chosen,
        days: rng.range(1, 4),
        procedures: ['abdominalUltrasound', surgery],
        fromEmergency: true,
      });
      return;
    }
    const plan = EMERGENCY[chosen];
    const admit = plan?.admit(this.ageAt(at[0]), rng) ?? false;
    if (admit) {
      visits.push({
        at,
        kind: 'stay',
        reason: chosen,
        days: admit.days,
        procedures: [...(plan?.procedures ?? []), ...admit.procedures],
        fromEmergency: true,
      });
    } else {
      visits.push({ at, kind: 'er', reason: chosen, procedures: plan?.procedures ?? [] });
    }
  }

  private planChronicEvents(visits: Visit[], years: number, randomDay: () => number): void {
    const { person, rng } = this;
    const yearly = (p: number): number => {
      let n = 0;
      for (let y = 0; y < Math.ceil(years); y++) {
        if (rng.chance(p * Math.min(1, years - y))) {
          n++;
        }
      }
      return n;
    };
    for (const c of person.conditions) {
      for (const event of CHRONIC_EVENTS[c.def.key] ?? []) {
        if (person.age < (event.minAge ?? 0)) {
          continue;
        }
        const count = Math.min(
          event.maxCount ?? Infinity,
          event.yearly !== undefined ? yearly(event.yearly) : rng.chance(event.once ?? 0) ? 1 : 0,
        );
        for (let i = 0; i < count; i++) {
          const day = randomDay();
          if (day <= c.onsetDay) {
            continue;
          }
          const days = event.days === undefined ? undefined : rng.range(event.days[0], event.days[1]);
          visits.push({
            at: [day, 8 * 60 + 30 * rng.int(24)],
            kind: event.kind,
            procedures: event.procedures,
            about: c,
            fromEmergency: event.reason !== undefined && rng.chance(0.7),
            ...(event.reason === undefined ? {} : { reason: event.reason }),
            ...(days === undefined ? {} : { days }),
          });
        }
      }
      // A cancer diagnosed within the window is followed by chemotherapy sessions every three weeks.
      if (CHEMOTHERAPY.has(c.def.key) && c.onsetDay >= this.windowStart) {
        const sessions = rng.range(3, 6);
        for (let s = 1; s <= sessions; s++) {
          visits.push({
            at: [c.onsetDay + 21 * s, 8 * 60 + 30 * rng.int(20)],
            kind: 'day',
            reason: 'chemotherapy',
            about: c,
          });
        }
      }
    }
  }

  private planPregnancies(visits: Visit[]): void {
    const { person, rng } = this;
    if (person.sex !== 'female') {
      return;
    }
    let lastBirth = -Infinity;
    for (let year = civil(this.windowStart).year; year <= civil(person.lastDay).year; year++) {
      const day = Math.max(this.windowStart, addYears(REFERENCE_DAY, year - 2025) - rng.int(365));
      const a = this.ageAt(day);
      const p = a < 18 ? 0 : a < 25 ? 0.05 : a < 35 ? 0.12 : a < 40 ? 0.06 : a < 45 ? 0.01 : 0;
      if (day - lastBirth > 600 && rng.chance(p)) {
        lastBirth = day;
        const caesarean = rng.chance(0.2);
        visits.push({
          at: [day, rng.int(1440)],
          kind: 'stay',
          reason: caesarean ? 'caesarean' : 'delivery',
          days: caesarean ? rng.range(4, 6) : rng.range(2, 4),
          procedures: [caesarean ? 'caesareanSection' : 'vaginalDelivery'],
        });
      }
    }
  }

  private planScreening(visits: Visit[]): void {
    const { person, rng } = this;
    for (let day = this.windowStart + rng.int(365); day <= person.lastDay; day += 730) {
      const a = this.ageAt(day);
      if (person.sex === 'female' && a >= 50 && a < 75 && rng.chance(0.5)) {
        visits.push({
          at: [day, 9 * 60 + 15 * rng.int(32)],
          kind: 'screen',
          procedures: ['mammography'],
          screening: SCREENING.breast,
        });
      }
      if (a >= 50 && a < 75 && rng.chance(0.05)) {
        visits.push({
          at: [day + 30, 8 * 60 + 30 * rng.int(16)],
          kind: 'day',
          procedures: ['colonoscopy'],
          screening: SCREENING.colon,
        });
      }
    }
  }

  private planVaccines(visits: Visit[]): void {
    const { person, rng } = this;
    const b = person.birthDay;
    const dose = (day: number, vaccine: VaccineKey): void => {
      visits.push({ at: [day, 9 * 60 + 15 * rng.int(36)], kind: 'vaccine', vaccine });
    };
    // Infant schedule (French calendar): hexavalent and pneumococcal at 2, 4, 11 months, MMR at 12 and 16.
    if (rng.chance(0.95)) {
      for (const m of [2, 4, 11]) {
        dose(addMonths(b, m) + rng.int(14), 'hexavalent');
        dose(addMonths(b, m) + rng.int(14), 'pneumococcalConjugate');
      }
      dose(addMonths(b, 5) + rng.int(14), 'meningococcalC');
      dose(addMonths(b, 12) + rng.int(14), 'meningococcalC');
      dose(addMonths(b, 12) + rng.int(20), 'mmr');
      dose(addMonths(b, 16) + rng.int(30), 'mmr');
      dose(addYears(b, 6) + rng.int(60), 'dtapIpv');
      dose(addYears(b, 11) + rng.int(365), 'dtapIpv');
    }
    const hpvEligible = person.sex === 'female' || civil(b).year >= 2010;
    if (hpvEligible && rng.chance(0.45)) {
      const first = addYears(b, 11) + rng.int(3 * 365);
      dose(first, 'hpv');
      dose(addMonths(first, 6) + rng.int(30), 'hpv');
    }
    if (rng.chance(0.5)) {
      for (const a of [25, 45, 65, 75, 85, 95]) {
        dose(addYears(b, a) + rng.int(365), 'dtp');
      }
    }

    // Seasonal influenza (October–December) for the elderly and the chronically ill.
    const chronicRisk = ['copd', 'asthma', 'diabetes', 'hf', 'chd'].some((k) =>
      this.has(k as ChronicKey, person.lastDay),
    );
    for (let year = civil(this.windowStart).year; year <= 2025; year++) {
      const day = addYears(REFERENCE_DAY, year - 2025) - 10 - rng.int(70);
      const a = this.ageAt(day);
      if ((a >= 65 && rng.chance(0.55)) || (chronicRisk && a >= 18 && rng.chance(0.35))) {
        dose(day, 'influenza');
      }
    }
    // COVID-19: primary series in 2021, then boosters for those at risk.
    if (person.age >= 12 && rng.chance(0.82)) {
      const first = addMonths(REFERENCE_DAY, -56) + rng.int(150);
      dose(first, 'covid19');
      dose(first + 21 + rng.int(21), 'covid19');
      if (rng.chance(0.7)) {
        dose(first + 180 + rng.int(120), 'covid19');
      }
      if (person.age >= 65 || chronicRisk) {
        for (const yearsAgo of [3, 2, 1]) {
          if (rng.chance(0.35)) {
            dose(addYears(REFERENCE_DAY, -yearsAgo) - 60 - rng.int(60), 'covid19');
          }
        }
      }
    }
    if (person.age >= 65 && rng.chance(0.06)) {
      dose(REFERENCE_DAY - rng.int(700), 'zoster');
    }
  }

  private planDeath(visits: Visit[]): void {
    const { person, rng } = this;
    if (person.deathDay === undefined || person.deathDay - this.windowStart < 2 || !rng.chance(0.6)) {
      return;
    }
    const severe = person.conditions.filter((c) => c.def.severe);
    const days = rng.range(2, 15);
    const start = Math.max(this.windowStart, person.deathDay - days);
    const about = severe.length > 0 ? rng.pick(severe) : undefined;
    const reason: AcuteKey | undefined =
      about !== undefined
        ? undefined
        : rng.pick<AcuteKey>(['pneumonia', 'stroke', 'myocardialInfarction', 'pneumonia']);
    visits.push({
      at: [start, 8 * 60 + 30 * rng.int(24)],
      kind: 'stay',
      days: person.deathDay - start,
      death: true,
      fromEmergency: rng.chance(0.7),
      ...(reason === undefined ? {} : { reason }),
      ...(about === undefined ? {} : { about }),
    });
  }

  private planTreatments(): void {
    const { person, rng } = this;
    const chosen = new Set<DrugKey>();
    for (const c of person.conditions) {
      const lines = c.def.treatments;
      if (lines.length === 0 || !rng.chance(c.def.treated)) {
        continue;
      }
      lines.forEach((line, i) => {
        if (i > 0 && !rng.chance(c.def.addOn)) {
          return;
        }
        const key = rng.pick(line);
        if (chosen.has(key)) {
          return;
        }
        chosen.add(key);
        const startDay = Math.min(person.lastDay, c.onsetDay + (i === 0 ? rng.int(45) : 180 + rng.int(720)));
        this.drugs.push({
          key,
          condition: c,
          startDay,
          lastPrescribed: undefined,
          firstRequestId: undefined,
        });
      });
    }
  }

  // ------------------------------------------------------------ resources

  private patient(visits: readonly Visit[]): void {
    const { person } = this;
    const names: NonNullable<Patient['name']> = [
      { use: 'official', family: person.family, given: [...person.given] },
    ];
    if (person.usualFamily !== undefined) {
      names.push({ use: 'usual', family: person.usualFamily, given: [person.given[0]!] });
    }
    const telecom: NonNullable<Patient['telecom']> = person.phones.map((p) => ({
      system: 'phone',
      value: p.value,
      use: p.use,
    }));
    for (const e of person.emails) {
      telecom.push({ system: 'email', value: e, use: 'home' });
    }
    const resource: Patient = {
      resourceType: 'Patient',
      id: person.id,
      extension: [
        {
          url: IDENTITY_RELIABILITY,
          extension: [
            {
              url: 'identityStatus',
              valueCoding: coding(IDENTITY_STATUS_SYSTEM, 'QUAL', 'Identité qualifiée'),
            },
          ],
        },
      ],
      identifier: [
        {
          use: 'official',
          type: single(FR_CORE_IDENTIFIER_TYPE_SYSTEM, 'INS-NIR', 'NIR définitif'),
          system: INS_NIR_SYSTEM,
          value: person.nir,
        },
        {
          use: 'usual',
          type: single('http://terminology.hl7.org/CodeSystem/v2-0203', 'PI', 'Patient internal identifier'),
          system: IPP_SYSTEM,
          value: person.ipp,
        },
      ],
      active: true,
      name: names,
      ...(telecom.length > 0 ? { telecom } : {}),
      gender: person.sex,
      birthDate: formatDate(person.birthDay),
      address: [
        {
          use: 'home',
          type: 'physical',
          line: [...person.address.lines],
          city: person.address.city,
          postalCode: person.address.postalCode,
          country: 'FRA',
        },
      ],
    };
    if (person.deathDay !== undefined) {
      const deathStay = visits.find((v) => v.death === true);
      const minutes =
        deathStay !== undefined ? 10 * 60 + 7 * (person.index % 60) : 6 * 60 + ((person.index * 37) % 900);
      resource.deceasedDateTime = formatDateTime(person.deathDay, minutes);
    }
    this.push('Patient', resource);
  }

  private chronicCondition(c: ChronicCondition, encounterId: string | undefined): string {
    const id = this.id('c');
    const resource: Condition = {
      resourceType: 'Condition',
      id,
      clinicalStatus: CONDITION_ACTIVE,
      verificationStatus: CONDITION_CONFIRMED,
      category: CATEGORY_PROBLEM,
      code: icd(c.def.icd10),
      subject: this.subject,
      ...(encounterId === undefined ? {} : { encounter: reference('Encounter', encounterId) }),
      onsetDateTime: formatDate(c.onsetDay),
      recordedDate: formatDate(
        Math.max(c.onsetDay, encounterId === undefined ? this.windowStart : c.onsetDay),
      ),
    };
    this.push('Condition', resource);
    this.conditionIds.set(c.def.key, id);
    return id;
  }

  private acuteCondition(reason: AcuteKey, encounterId: string, at: Moment): string {
    const def = ACUTE[reason];
    const id = this.id('c');
    const abatement = at[0] + def.lasts;
    const resolved = abatement <= this.person.lastDay && reason !== 'chemotherapy';
    const resource: Condition = {
      resourceType: 'Condition',
      id,
      clinicalStatus: resolved ? CONDITION_RESOLVED : CONDITION_ACTIVE,
      verificationStatus: CONDITION_CONFIRMED,
      category: CATEGORY_DIAGNOSIS,
      code: icd(def.icd10),
      subject: this.subject,
      encounter: reference('Encounter', encounterId),
      onsetDateTime: dt(at),
      ...(resolved ? { abatementDateTime: formatDate(abatement) } : {}),
      recordedDate: dt(at),
    };
    this.push('Condition', resource);
    return id;
  }

  private encounter(
    cls: EncounterClass,
    start: Moment,
    end: Moment,
    reasons: readonly CodeableConcept[],
    stay?: {
      readonly fromEmergency: boolean;
      readonly discharge: CodeableConcept;
      readonly diagnoses: readonly string[];
    },
  ): string {
    const id = this.id('e');
    const resource: Encounter = {
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: ENCOUNTER_CLASS[cls],
      subject: this.subject,
      period: { start: dt(start), end: dt(end) },
      ...(reasons.length > 0 ? { reasonCode: [...reasons] } : {}),
    };
    if (stay !== undefined) {
      if (stay.diagnoses.length > 0) {
        resource.diagnosis = stay.diagnoses.map((d, i) => ({
          condition: reference('Condition', d),
          rank: i + 1,
        }));
      }
      resource.hospitalization = {
        ...(stay.fromEmergency ? { admitSource: ADMIT_FROM_EMERGENCY } : {}),
        dischargeDisposition: stay.discharge,
      };
    }
    this.push('Encounter', resource);
    return id;
  }

  private visit(v: Visit): void {
    switch (v.kind) {
      case 'gp':
        this.gpVisit(v);
        break;
      case 'er':
        this.emergency(v);
        break;
      case 'stay':
      case 'day':
        this.stay(v);
        break;
      case 'screen':
        this.screening(v);
        break;
      case 'vaccine':
        this.immunization(v);
        break;
    }
  }

  private gpVisit(v: Visit): void {
    const { rng, person } = this;
    const day = v.at[0];
    const end = later(v.at, 15 + 5 * rng.int(4));
    const reasons: CodeableConcept[] = [];
    if (v.reason !== undefined) {
      reasons.push(icd(ACUTE[v.reason].icd10));
    }
    for (const c of v.chronic ?? []) {
      reasons.push(icd(c.def.icd10));
    }
    const enc = this.encounter('AMB', v.at, end, reasons);
    for (const c of v.chronic ?? []) {
      if (!this.conditionIds.has(c.def.key)) {
        this.chronicCondition(c, enc);
      }
    }
    if (v.reason !== undefined) {
      this.acuteCondition(v.reason, enc, v.at);
    }

    const age = this.ageAt(day);
    const obsAt = later(v.at, 5);
    const acute = v.reason === undefined ? undefined : ACUTE[v.reason];
    if (age >= 15 && !this.smokingRecorded && person.smoking !== undefined) {
      this.smokingRecorded = true;
      this.observation(enc, obsAt, 'social', vital('smoking'), {
        valueCodeableConcept: SMOKING_CODES.get(person.smoking)!,
      });
    }
    if (age >= 18) {
      if (rng.chance(this.has('hypertension', day) ? 0.9 : 0.5)) {
        this.bloodPressure(enc, obsAt, rng.chance(0.3));
      }
      if (rng.chance(0.3)) {
        this.bodySize(enc, obsAt, day);
      }
    } else if (rng.chance(0.5)) {
      this.bodySize(enc, obsAt, day);
    }
    if (acute?.fever === true || (acute !== undefined && rng.chance(0.3))) {
      this.observation(enc, obsAt, 'vitals', vital('temperature'), {
        valueQuantity: quantity(this.physiology.temperature(acute?.fever), 'Cel'),
      });
    }
    if (
      v.reason === 'bronchitis' ||
      v.reason === 'influenza' ||
      v.reason === 'covid' ||
      (this.has('copd', day) && rng.chance(0.5))
    ) {
      this.observation(enc, obsAt, 'vitals', vital('spo2'), {
        valueQuantity: quantity(this.physiology.spo2(day, v.reason), '%'),
      });
    }
    if (rng.chance(0.04) && age >= 45) {
      this.procedure('ecg', enc, later(v.at, 10), undefined);
    }

    this.labsAtVisit(enc, v.at);
    const requests: [DrugKey, boolean][] = [];
    for (const plan of this.drugs) {
      if (plan.startDay <= day && (plan.lastPrescribed === undefined || day - plan.lastPrescribed >= 170)) {
        requests.push([plan.key, true]);
      }
    }
    for (const k of acute?.drugs ?? []) {
      if (!requests.some(([r]) => r === k)) {
        requests.push([k, false]);
      }
    }
    for (const [key, chronic] of requests) {
      this.medicationRequest(key, enc, end, chronic);
    }
  }

  private emergency(v: Visit): void {
    const { rng } = this;
    const end = later(v.at, 120 + 30 * rng.int(12));
    const reason = v.reason!;
    const enc = this.encounter('EMER', v.at, end, [icd(ACUTE[reason].icd10)]);
    this.acuteCondition(reason, enc, v.at);
    this.emergencyVitals(enc, later(v.at, 20), reason);
    if (reason !== 'ankleSprain' && reason !== 'wristFracture' && rng.chance(0.6)) {
      const labAt = later(v.at, 45);
      this.panel('cbc', enc, labAt, reason);
      this.panel('crp', enc, labAt, reason);
      if (rng.chance(0.6)) {
        this.panel('metabolic', enc, labAt, reason);
      }
    }
    for (const p of v.procedures ?? []) {
      this.procedure(p, enc, later(v.at, 60), undefined);
    }
    for (const k of ACUTE[reason].drugs) {
      this.medicationRequest(k, enc, end, false);
    }
  }

  private stay(v: Visit): void {
    const { rng, person } = this;
    const dayCase = v.kind === 'day';
    const end: Moment =
      v.death === true
        ? [person.deathDay!, 10 * 60 + 7 * (person.index % 60)]
        : dayCase
          ? later(v.at, 240 + 30 * rng.int(10))
          : [v.at[0] + Math.max(1, v.days ?? 1), 10 * 60 + 30 * rng.int(12)];
    if (end[0] > person.lastDay) {
      return;
    }

    // The encounter references its diagnoses, so the Conditions are built first; the Encounter is then
    // inserted before them so that a reader meets it before its content.
    const position = this.records.length;
    const encId = this.id('e');
    const diagnoses: string[] = [];
    let acuteId: string | undefined;
    if (v.reason !== undefined && v.reason !== 'chemotherapy') {
      acuteId = this.acuteCondition(v.reason, encId, v.at);
      diagnoses.push(acuteId);
    }
    if (v.about !== undefined) {
      const known = this.conditionIds.get(v.about.def.key);
      diagnoses.push(known ?? this.chronicCondition(v.about, encId));
    }
    const reasons: CodeableConcept[] = [];
    if (v.reason !== undefined) {
      reasons.push(icd(ACUTE[v.reason].icd10));
    }
    if (v.about !== undefined) {
      reasons.push(icd(v.about.def.icd10));
    }
    if (v.screening !== undefined) {
      reasons.push(icd(v.screening));
    }
    const discharge =
      v.death === true
        ? DISCHARGE_EXPIRED
        : v.reason === 'hipFracture' || v.reason === 'stroke'
          ? DISCHARGE_REHAB
          : DISCHARGE_HOME;
    const resource: Encounter = {
      resourceType: 'Encounter',
      id: encId,
      status: 'finished',
      class: ENCOUNTER_CLASS[dayCase ? 'SS' : 'IMP'],
      subject: this.subject,
      period: { start: dt(v.at), end: dt(end) },
      ...(reasons.length > 0 ? { reasonCode: reasons } : {}),
      ...(diagnoses.length > 0
        ? { diagnosis: diagnoses.map((d, i) => ({ condition: reference('Condition', d), rank: i + 1 })) }
        : {}),
      hospitalization: {
        ...(v.fromEmergency === true ? { admitSource: ADMIT_FROM_EMERGENCY } : {}),
        dischargeDisposition: discharge,
      },
    };
    this.records.splice(position, 0, { type: 'Encounter', resource });

    const obsAt = later(v.at, 30);
    if (!dayCase) {
      this.emergencyVitals(encId, obsAt, v.reason);
      const labAt = later(v.at, 60);
      this.panel('cbc', encId, labAt, v.reason);
      this.panel('metabolic', encId, labAt, v.reason);
      if (v.reason === 'hfDecompensation') {
        this.panel('ntprobnp', encId, labAt, v.reason);
      }
      if (v.reason === 'pneumonia' || v.reason === 'copdExacerbation' || v.reason === 'appendicitis') {
        this.panel('crp', encId, labAt, v.reason);
      }
    } else if (v.reason === 'chemotherapy') {
      this.panel('cbc', encId, later(v.at, 20), v.reason);
    }
    const procAt = dayCase
      ? later(v.at, 90)
      : ([Math.min(end[0], v.at[0] + 1), 9 * 60 + 30 * rng.int(12)] as Moment);
    for (const p of v.procedures ?? []) {
      this.procedure(p, encId, procAt, diagnoses[0]);
    }
    if (v.death !== true) {
      const drugs = new Set<DrugKey>(v.reason === undefined ? [] : ACUTE[v.reason].drugs);
      if (v.procedures?.some((p) => p === 'hipReplacement' || p === 'kneeReplacement') === true) {
        drugs.add('enoxaparin');
      }
      for (const k of drugs) {
        this.medicationRequest(k, encId, end, false);
      }
    }
  }

  private screening(v: Visit): void {
    const end = later(v.at, 20);
    const enc = this.encounter('AMB', v.at, end, v.screening === undefined ? [] : [icd(v.screening)]);
    for (const p of v.procedures ?? []) {
      this.procedure(p, enc, later(v.at, 5), undefined);
    }
  }

  // ------------------------------------------------------------ observations

  private observation(
    encounterId: string,
    at: Moment,
    category: 'vitals' | 'lab' | 'social',
    code: CodeableConcept,
    value: Partial<Observation>,
  ): string {
    const id = this.id('o');
    const resource: Observation = {
      resourceType: 'Observation',
      id,
      status: 'final',
      category: category === 'vitals' ? CATEGORY_VITALS : category === 'lab' ? CATEGORY_LAB : CATEGORY_SOCIAL,
      code,
      subject: this.subject,
      encounter: reference('Encounter', encounterId),
      effectiveDateTime: dt(at),
      ...value,
    };
    this.push('Observation', resource);
    return id;
  }

  private bloodPressure(enc: string, at: Moment, withHeartRate: boolean): void {
    const [sys, dia] = this.physiology.bloodPressure(at[0]);
    this.observation(enc, at, 'vitals', vital('bpPanel'), {
      component: [
        { code: vital('systolic'), valueQuantity: quantity(sys, 'mm[Hg]') },
        { code: vital('diastolic'), valueQuantity: quantity(dia, 'mm[Hg]') },
      ],
    });
    if (withHeartRate) {
      this.observation(enc, at, 'vitals', vital('heartRate'), {
        valueQuantity: quantity(this.physiology.heartRate(at[0]), '/min'),
      });
    }
  }

  private bodySize(enc: string, at: Moment, day: number): void {
    const { weight, height, bmi } = this.physiology.bodySize(day);
    const age = this.ageAt(day);
    if (age < 18 || !this.heightRecorded) {
      this.heightRecorded = true;
      this.observation(enc, at, 'vitals', vital('height'), { valueQuantity: quantity(height, 'cm') });
    }
    this.observation(enc, at, 'vitals', vital('weight'), { valueQuantity: quantity(weight, 'kg') });
    if (age >= 2) {
      this.observation(enc, at, 'vitals', vital('bmi'), { valueQuantity: quantity(bmi, 'kg/m2') });
    }
  }

  private emergencyVitals(enc: string, at: Moment, reason: AcuteKey | undefined): void {
    const { physiology } = this;
    const fever = reason !== undefined && ACUTE[reason].fever;
    if (this.ageAt(at[0]) >= 12) {
      this.bloodPressure(enc, at, true);
    }
    this.observation(enc, at, 'vitals', vital('temperature'), {
      valueQuantity: quantity(physiology.temperature(fever), 'Cel'),
    });
    this.observation(enc, at, 'vitals', vital('spo2'), {
      valueQuantity: quantity(physiology.spo2(at[0], reason), '%'),
    });
    this.observation(enc, at, 'vitals', vital('respiratoryRate'), {
      valueQuantity: quantity(physiology.respiratoryRate(reason), '/min'),
    });
  }

  private readonly lastPanel = new Map<PanelKey, number>();

  private labsAtVisit(enc: string, at: Moment): void {
    const { person, rng } = this;
    const day = at[0];
    const age = this.ageAt(day);
    if (age < 18) {
      return;
    }
    const due = (panel: PanelKey, every: number): boolean => {
      const last = this.lastPanel.get(panel);
      return last === undefined ? rng.chance(0.5) : day - last >= every;
    };
    const diabetic = this.has('diabetes', day);
    const cardio = diabetic || this.has('dyslipidemia', day) || this.has('chd', day);
    const renal = this.has('hypertension', day) || this.has('ckd', day) || this.has('hf', day) || diabetic;
    const wanted: PanelKey[] = [];
    if (diabetic && due('hba1c', 170)) {
      wanted.push('hba1c');
    }
    if ((cardio && due('lipids', 360)) || (age >= 40 && due('lipids', 1100))) {
      wanted.push('lipids');
    }
    if ((renal && due('metabolic', 360)) || (age >= 50 && due('metabolic', 1100))) {
      wanted.push('metabolic');
    }
    if (age >= 40 && due('cbc', 1100)) {
      wanted.push('cbc');
    }
    if (this.has('hypothyroidism', day) && due('tsh', 330)) {
      wanted.push('tsh');
    }
    if (this.has('hf', day) && due('ntprobnp', 330)) {
      wanted.push('ntprobnp');
    }
    if (person.sex === 'male' && age >= 50 && age < 75 && due('psa', 700) && rng.chance(0.4)) {
      wanted.push('psa');
    }
    const labAt = later(at, 10);
    for (const p of wanted) {
      this.panel(p, enc, labAt, undefined);
    }
  }

  private panel(key: PanelKey, enc: string, at: Moment, reason: AcuteKey | undefined): void {
    this.lastPanel.set(key, at[0]);
    const results: Reference[] = [];
    const values = this.physiology.panel(key, at[0], reason);
    for (const [lab, value] of values) {
      const def: LabDef = LABS[lab];
      const range: ObservationReferenceRange = {};
      if (def.low !== undefined) {
        range.low = quantity(def.low, def.unit);
      }
      if (def.high !== undefined) {
        range.high = quantity(def.high, def.unit);
      }
      // Every test of LABS has at least one bound, so the range is never an empty element.
      const high = def.high !== undefined && value > def.high;
      const low = def.low !== undefined && value < def.low;
      const id = this.observation(enc, at, 'lab', LAB_CODES.get(lab)!, {
        valueQuantity: quantity(value, def.unit),
        ...(high
          ? { interpretation: INTERPRETATION_HIGH }
          : low
            ? { interpretation: INTERPRETATION_LOW }
            : {}),
        referenceRange: [range],
      });
      results.push(reference('Observation', id));
    }
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: this.id('r'),
      status: 'final',
      category: REPORT_CATEGORY_LAB,
      code: PANEL_CODES.get(key)!,
      subject: this.subject,
      encounter: reference('Encounter', enc),
      effectiveDateTime: dt(at),
      issued: dt(later(at, 180)),
      result: results,
    };
    this.push('DiagnosticReport', report);
  }

  // ------------------------------------------------------------ procedures, drugs, vaccines, allergies

  private procedure(key: ProcedureKey, enc: string, at: Moment, reasonCondition: string | undefined): void {
    const resource: Procedure = {
      resourceType: 'Procedure',
      id: this.id('p'),
      status: 'completed',
      code: PROCEDURE_CODES.get(key)!,
      subject: this.subject,
      encounter: reference('Encounter', enc),
      performedDateTime: dt(at),
      ...(reasonCondition === undefined
        ? {}
        : { reasonReference: [reference('Condition', reasonCondition)] }),
    };
    this.push('Procedure', resource);
  }

  private medicationRequest(key: DrugKey, enc: string, at: Moment, chronic: boolean): void {
    const drug: Drug = DRUGS[key];
    const id = this.id('m');
    const supply = chronic ? 30 : 7;
    const resource: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id,
      status:
        chronic && at[0] + 180 > this.person.lastDay && this.person.deathDay === undefined
          ? 'active'
          : 'completed',
      intent: 'order',
      medicationCodeableConcept: DRUG_CODES.get(key)!,
      subject: this.subject,
      encounter: reference('Encounter', enc),
      authoredOn: dt(at),
      dosageInstruction: [{ text: drug.sig }],
      dispenseRequest: {
        numberOfRepeatsAllowed: chronic ? 5 : 0,
        quantity: { value: Math.max(1, Math.ceil(drug.perDay * supply)), unit: 'unité' },
        expectedSupplyDuration: { value: supply, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
      },
    };
    this.push('MedicationRequest', resource);
    if (chronic) {
      const plan = this.drugs.find((d) => d.key === key)!;
      plan.lastPrescribed = at[0];
      plan.firstRequestId ??= id;
    }
  }

  private statements(visits: readonly Visit[]): void {
    const { person } = this;
    const gpDays = visits.filter((v) => v.kind === 'gp').map((v) => v.at[0]);
    const asserted = gpDays.length > 0 ? gpDays[gpDays.length - 1]! : person.lastDay;
    for (const plan of this.drugs) {
      if (plan.startDay > person.lastDay || plan.startDay > asserted) {
        continue;
      }
      const resource: MedicationStatement = {
        resourceType: 'MedicationStatement',
        id: this.id('s'),
        status: person.deathDay === undefined ? 'active' : 'completed',
        medicationCodeableConcept: DRUG_CODES.get(plan.key)!,
        subject: this.subject,
        effectivePeriod: {
          start: formatDate(plan.startDay),
          ...(person.deathDay === undefined ? {} : { end: formatDate(person.deathDay) }),
        },
        dateAsserted: formatDate(asserted),
        ...(plan.firstRequestId === undefined
          ? {}
          : { derivedFrom: [reference('MedicationRequest', plan.firstRequestId)] }),
        reasonCode: [icd(plan.condition.def.icd10)],
      };
      this.push('MedicationStatement', resource);
    }
  }

  private immunization(v: Visit): void {
    const resource: Immunization = {
      resourceType: 'Immunization',
      id: this.id('i'),
      status: 'completed',
      vaccineCode: VACCINE_CODES.get(v.vaccine!)!,
      patient: this.subject,
      occurrenceDateTime: dt(v.at),
      primarySource: true,
    };
    this.push('Immunization', resource);
  }

  private allergies(): void {
    const { person, rng } = this;
    let count = 0;
    for (const a of ALLERGENS) {
      if (count >= 2 || !rng.chance(a.prevalence)) {
        continue;
      }
      count++;
      const severe = rng.chance(a.category === 'food' ? 0.2 : 0.05);
      const manifestation = severe
        ? REACTIONS.anaphylaxis
        : a.category === 'environment'
          ? rng.chance(0.7)
            ? REACTIONS.rhinitis
            : REACTIONS.itching
          : rng.chance(0.6)
            ? REACTIONS.urticaria
            : REACTIONS.rash;
      const recorded = Math.max(person.birthDay + 200, this.windowStart - rng.int(3650));
      if (recorded > person.lastDay) {
        continue;
      }
      const resource: AllergyIntolerance = {
        resourceType: 'AllergyIntolerance',
        id: this.id('a'),
        clinicalStatus: ALLERGY_ACTIVE,
        verificationStatus: ALLERGY_CONFIRMED,
        type: 'allergy',
        category: [a.category],
        criticality: severe ? 'high' : 'low',
        code: single(a.system === 'atc' ? ATC_SYSTEM : SNOMED_SYSTEM, a.code, a.display),
        patient: this.subject,
        recordedDate: formatDate(recorded),
        reaction: [
          {
            manifestation: [single(SNOMED_SYSTEM, manifestation.code, manifestation.display)],
            severity: severe ? 'severe' : 'mild',
          },
        ],
      };
      this.push('AllergyIntolerance', resource);
    }
  }
}

function covidYear(day: number): boolean {
  const y = civil(day).year;
  return y >= 2020 && y <= 2023;
}

// ---------------------------------------------------------------- physiology: plausible values

/** A person's stable baselines, from which every measured value is drawn with visit-to-visit noise. */
class Physiology {
  private readonly sysBase: number;
  private readonly hrBase: number;
  private readonly cholBase: number;
  private readonly hdlBase: number;
  private readonly tgBase: number;
  private readonly a1cBase: number;
  private readonly hbBase: number;
  private readonly creatBase: number;

  constructor(
    private readonly person: Person,
    private readonly rng: Rng,
  ) {
    const male = person.sex === 'male';
    this.sysBase = rng.normal(male ? 5 : 0, 7);
    this.hrBase = rng.normal(72, 7);
    this.cholBase = rng.normal(5.3, 0.85);
    this.hdlBase = rng.normal(male ? 1.3 : 1.6, 0.28);
    this.tgBase = Math.max(0.45, rng.normal(1.25, 0.45));
    this.a1cBase = rng.normal(5.35, 0.22);
    this.hbBase = rng.normal(male ? 14.8 : 13.4, 0.9);
    this.creatBase = rng.normal(male ? 84 : 66, 11);
  }

  private has(key: ChronicKey, day: number): boolean {
    return this.person.conditions.some((c) => c.def.key === key && c.onsetDay <= day);
  }

  private treated(key: ChronicKey, day: number): boolean {
    // Treated once diagnosed for at least two months; most diagnosed people are.
    return this.person.conditions.some((c) => c.def.key === key && c.onsetDay + 60 <= day);
  }

  private age(day: number): number {
    return ageOn(this.person.birthDay, day);
  }

  bloodPressure(day: number): [number, number] {
    const { rng } = this;
    const age = this.age(day);
    let sys = 108 + 0.5 * Math.max(0, age - 20) + this.sysBase;
    if (this.has('hypertension', day)) {
      sys += this.treated('hypertension', day) ? 12 : 24;
    } else if (this.person.conditions.some((c) => c.def.key === 'hypertension' && c.onsetDay - 400 <= day)) {
      sys += 12;
    }
    if (age < 12) {
      sys = 95 + 1.5 * age + this.sysBase * 0.5;
    }
    sys = Math.round(Math.min(230, Math.max(80, rng.normal(sys, 8))));
    const dia = Math.round(
      Math.min(135, Math.max(40, rng.normal(0.45 * sys + 20 - 0.1 * Math.max(0, age - 50), 5))),
    );
    return [sys, dia];
  }

  heartRate(day: number): number {
    const age = this.age(day);
    let hr = this.hrBase + (age < 12 ? 30 - 2.5 * age : 0);
    if (this.has('af', day)) {
      hr += 12;
    }
    return Math.round(Math.min(180, Math.max(40, this.rng.normal(hr, 6))));
  }

  temperature(fever: boolean): number {
    return round(fever ? this.rng.normal(38.6, 0.45) : this.rng.normal(36.8, 0.25), 1);
  }

  spo2(day: number, reason: AcuteKey | undefined): number {
    let mean = 97.5;
    if (this.has('copd', day)) {
      mean -= 4;
    }
    if (
      reason === 'pneumonia' ||
      reason === 'covid' ||
      reason === 'copdExacerbation' ||
      reason === 'hfDecompensation'
    ) {
      mean -= 5;
    }
    return Math.round(Math.min(100, Math.max(75, this.rng.normal(mean, 1.2))));
  }

  respiratoryRate(reason: AcuteKey | undefined): number {
    const high =
      reason === 'pneumonia' ||
      reason === 'copdExacerbation' ||
      reason === 'hfDecompensation' ||
      reason === 'covid';
    return Math.round(Math.max(10, this.rng.normal(high ? 24 : 16, 2)));
  }

  bodySize(day: number): { weight: number; height: number; bmi: number } {
    const { person } = this;
    const age = this.age(day);
    const yearsBefore = (REFERENCE_DAY - day) / 365.25;
    let height = person.heightCm;
    if (age < 18) {
      const growth = age < 2 ? 15 : age < 12 ? 6 : 5;
      height = Math.max(48, person.heightCm - growth * yearsBefore);
    }
    const bmi = round(
      Math.max(12, this.rng.normal(person.bmi - (age >= 18 ? 0.1 * yearsBefore : 0), 0.4)),
      1,
    );
    const m = height / 100;
    return { weight: round(bmi * m * m, 1), height: Math.round(height), bmi };
  }

  panel(key: PanelKey, day: number, reason: AcuteKey | undefined): [LabKey, number][] {
    const out: [LabKey, number][] = [];
    for (const lab of PANELS[key].labs) {
      out.push([lab, round(this.lab(lab, day, reason), LABS[lab].decimals)]);
    }
    const get = (k: LabKey): number => out.find(([l]) => l === k)![1];
    if (key === 'lipids') {
      // LDL is calculated (Friedewald, mmol/L) from the values just drawn.
      const ldl = Math.max(0.5, get('cholesterol') - get('hdl') - get('triglycerides') / 2.2);
      out[out.findIndex(([l]) => l === 'ldl')] = ['ldl', round(ldl, 2)];
    }
    if (key === 'metabolic') {
      // eGFR is estimated from the creatinine just drawn: inversely proportional to it and falling
      // with age, a linear stand-in for CKD-EPI (whose powers and exponentials are avoided on purpose).
      const reference = this.person.sex === 'male' ? 84 : 66;
      const age = this.age(day);
      const egfr =
        (105 * reference) / get('creatinine') - 0.45 * Math.max(0, age - 30) + this.rng.normal(0, 4);
      out[out.findIndex(([l]) => l === 'egfr')] = ['egfr', Math.round(Math.min(140, Math.max(8, egfr)))];
    }
    return out;
  }

  private lab(lab: LabKey, day: number, reason: AcuteKey | undefined): number {
    const { rng, person } = this;
    const age = this.age(day);
    const male = person.sex === 'male';
    const diabetic = this.has('diabetes', day);
    const ckd = this.has('ckd', day);
    const infection = reason !== undefined && (ACUTE[reason].fever || reason === 'appendicitis');
    const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
    switch (lab) {
      case 'hba1c':
        return clamp(
          diabetic ? rng.normal(7.3, 0.9) : this.a1cBase + 0.006 * (age - 40) + rng.normal(0, 0.12),
          4.2,
          13.5,
        );
      case 'glucose':
        return clamp(diabetic ? rng.normal(8.4, 1.8) : rng.normal(5.0 + 0.005 * (age - 40), 0.45), 3.2, 25);
      case 'cholesterol':
        return clamp(
          this.cholBase +
            (this.has('dyslipidemia', day) ? 0.6 : 0) +
            (this.treated('dyslipidemia', day) ? -1.1 : 0) +
            rng.normal(0, 0.3),
          2.5,
          10,
        );
      case 'hdl':
        return clamp(this.hdlBase - (diabetic ? 0.15 : 0) + rng.normal(0, 0.08), 0.5, 3);
      case 'triglycerides':
        return clamp(
          this.tgBase + (diabetic || this.has('obesity', day) ? 0.6 : 0) + rng.normal(0, 0.25),
          0.3,
          8,
        );
      case 'ldl':
        // Replaced by the Friedewald estimate (see panel()).
        return 0;
      case 'creatinine':
        return clamp(
          ckd
            ? rng.normal(male ? 155 : 130, 25)
            : this.creatBase + 0.25 * Math.max(0, age - 50) + rng.normal(0, 5),
          30,
          600,
        );
      case 'egfr':
        // Replaced by a value derived from the panel's creatinine (see panel()).
        return 0;
      case 'sodium':
        return clamp(rng.normal(140, 2.2), 125, 152);
      case 'potassium':
        return clamp(rng.normal(ckd ? 4.7 : 4.3, 0.35), 2.8, 6.5);
      case 'hemoglobin':
        return clamp(
          this.hbBase - (ckd ? 1.2 : 0) - (reason === 'chemotherapy' ? 1.5 : 0) + rng.normal(0, 0.4),
          6,
          19,
        );
      case 'leukocytes':
        return clamp(rng.normal(infection ? 13 : 6.8, infection ? 3 : 1.4), 1.5, 35);
      case 'platelets':
        return clamp(rng.normal(250, 50), 40, 700);
      case 'tsh':
        return clamp(this.has('hypothyroidism', day) ? rng.normal(2.6, 1.1) : rng.normal(1.8, 0.6), 0.05, 30);
      case 'ntprobnp':
        return clamp(
          this.has('hf', day)
            ? rng.normal(
                reason === 'hfDecompensation' ? 4500 : 1400,
                reason === 'hfDecompensation' ? 1500 : 600,
              )
            : rng.normal(60 + 3 * Math.max(0, age - 60), 30),
          5,
          35000,
        );
      case 'psa':
        return clamp(
          this.has('prostateCancer', day)
            ? rng.normal(9, 4)
            : rng.normal(1 + 0.04 * (age - 50) + (this.has('bph', day) ? 1.6 : 0), 0.6),
          0.05,
          200,
        );
      case 'crp':
        return clamp(infection ? rng.normal(70, 35) : rng.normal(2.5, 1.2), 0.2, 400);
    }
  }
}
