/**
 * One synthetic person: identity (NIR, names, address, telephone), demographics (sex, birth, death)
 * and health profile (body size, smoking, chronic conditions with their onset). A pure function of
 * (seed, index): the clinical timeline is built from it in timeline.ts.
 * @module
 */
import { CHRONIC, bandIndex, type ChronicDef, type ChronicKey } from './data/clinical.js';
import { AGE_PYRAMID, annualMortality } from './data/demography.js';
import {
  ADDRESS_COMPLEMENTS,
  COHORT_START_YEARS,
  FAMILY_NAMES,
  FEMALE_GIVEN,
  MALE_GIVEN,
  STREET_NAMES,
  STREET_TYPES,
} from './data/names.js';
import { BIRTH_COUNTRIES, COMMUNES, OVERSEAS_BIRTH_SLOTS, phonePlan, type Commune } from './data/places.js';
import { NIR_SLOTS, STREAM, type PopulationContext } from './context.js';
import { REFERENCE_DAY, ageOn, civil } from './dates.js';
import { makeNir } from './nir.js';
import { rngFor, weightedTable, type Rng, type WeightedTable } from './prng.js';

export type Sex = 'male' | 'female';
export type Smoking = 'current' | 'former' | 'never';

export interface PersonAddress {
  readonly lines: readonly string[];
  readonly city: string;
  readonly postalCode: string;
  /** Département of residence. */
  readonly dep: string;
}

export interface Phone {
  /** E.164: `+33612345678`. */
  readonly value: string;
  readonly use: 'mobile' | 'home';
}

export interface ChronicCondition {
  readonly def: ChronicDef;
  readonly onsetDay: number;
}

export interface Person {
  readonly index: number;
  readonly id: string;
  readonly sex: Sex;
  readonly birthDay: number;
  readonly deathDay: number | undefined;
  /** Death day, or the reference day for the living. */
  readonly lastDay: number;
  /** Age on {@link lastDay}. */
  readonly age: number;
  readonly nir: string;
  readonly ipp: string;
  /** Birth (official) family name. */
  readonly family: string;
  /** Usual family name when it differs (a spouse's name). */
  readonly usualFamily: string | undefined;
  readonly given: readonly string[];
  readonly address: PersonAddress;
  readonly phones: readonly Phone[];
  readonly emails: readonly string[];
  /** Adult height, or height at the reference day for children. */
  readonly heightCm: number;
  readonly bmi: number;
  readonly smoking: Smoking | undefined;
  readonly conditions: readonly ChronicCondition[];
}

const DAYS_PER_YEAR = 365.2425;
/** Slots of the NIR permutation that stand for births in metropolitan France; the rest are listed below. */
const METRO_SLOTS = 950;

const rankWeights = (items: readonly string[], offset: number): WeightedTable<string> =>
  weightedTable(items.map((item, rank) => [item, 1 / (rank + offset)] as const));

const PYRAMID = weightedTable(AGE_PYRAMID.map(([from, share]) => [from, share] as const));
const COMMUNE_TABLE = weightedTable(COMMUNES.map((c) => [c, c.weight] as const));
const METRO_BIRTH_DEPS = (() => {
  const byDep = new Map<string, number>();
  for (const c of COMMUNES) {
    if (c.dep.length === 2) {
      byDep.set(c.dep, (byDep.get(c.dep) ?? 0) + c.weight + 30);
    }
  }
  return weightedTable([...byDep.entries()]);
})();
const MALE_TABLES = MALE_GIVEN.map((names) => rankWeights(names, 4));
const FEMALE_TABLES = FEMALE_GIVEN.map((names) => rankWeights(names, 4));
const FAMILY_TABLE = rankWeights(FAMILY_NAMES, 12);
const STREET_TYPE_TABLE = weightedTable(STREET_TYPES);

/** Birth places of the non-metropolitan NIR slots: overseas communes first, then countries. */
const OTHER_BIRTH_SLOTS: readonly (readonly [place: string, commune: number])[] = [
  ...OVERSEAS_BIRTH_SLOTS.flatMap(([dep, n]) =>
    Array.from({ length: n }, (_, i) => [dep, 1 + i * 3] as const),
  ),
  ...BIRTH_COUNTRIES.map(([code]) => ['99', Number(code)] as const),
];
if (METRO_SLOTS + OTHER_BIRTH_SLOTS.length !== NIR_SLOTS) {
  throw new Error(
    `NIR birth slots must add up to ${NIR_SLOTS}, got ${METRO_SLOTS + OTHER_BIRTH_SLOTS.length}`,
  );
}

function cohort(birthYear: number): number {
  let i = COHORT_START_YEARS.length - 1;
  while (birthYear < COHORT_START_YEARS[i]!) {
    i--;
  }
  return i;
}

function birthPlace(rng: Rng, slot: number, residence: Commune, birthYear: number): [string, number] {
  if (slot >= METRO_SLOTS) {
    const [place, commune] = OTHER_BIRTH_SLOTS[slot - METRO_SLOTS]!;
    return [place, commune];
  }
  let dep = residence.dep.length === 2 && rng.chance(0.55) ? residence.dep : rng.weighted(METRO_BIRTH_DEPS);
  // Before 1976 Corsica was one département, numbered 20.
  if ((dep === '2A' || dep === '2B') && birthYear < 1976) {
    dep = '20';
  }
  return [dep, slot + 1];
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += String(rng.int(10));
  }
  return s;
}

function asciiLower(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/œ/g, 'oe')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '');
}

function pickGiven(rng: Rng, table: WeightedTable<string>, taken: readonly string[]): string {
  for (let i = 0; i < 4; i++) {
    const name = rng.weighted(table);
    if (!taken.includes(name)) {
      return name;
    }
  }
  return rng.pick(table.items.filter((n) => !taken.includes(n)));
}

function address(rng: Rng, commune: Commune): PersonAddress {
  const n = rng.chance(0.7) ? rng.range(1, 40) : rng.range(41, 180);
  const suffix = rng.chance(0.05) ? (rng.chance(0.7) ? ' bis' : ' ter') : '';
  const line = `${n}${suffix} ${rng.weighted(STREET_TYPE_TABLE)} ${rng.pick(STREET_NAMES)}`;
  const lines = rng.chance(0.12) ? [line, rng.pick(ADDRESS_COMPLEMENTS)] : [line];
  return { lines, city: commune.name, postalCode: rng.pick(commune.postalCodes), dep: commune.dep };
}

function phones(rng: Rng, dep: string, age: number): Phone[] {
  const plan = phonePlan(dep);
  const out: Phone[] = [];
  if (age >= 12 && rng.chance(age >= 80 ? 0.55 : 0.92)) {
    out.push({ value: plan.country + rng.pick(plan.mobile) + digits(rng, plan.mobileDigits), use: 'mobile' });
  }
  if (rng.chance(age >= 60 ? 0.7 : 0.3)) {
    out.push({ value: plan.country + plan.landline + digits(rng, plan.landlineDigits), use: 'home' });
  }
  return out;
}

function smoking(rng: Rng, age: number, sex: Sex): Smoking | undefined {
  if (age < 15) {
    return undefined;
  }
  const current = age < 25 ? 0.24 : age < 55 ? (sex === 'male' ? 0.32 : 0.26) : age < 70 ? 0.18 : 0.07;
  const former = age < 25 ? 0.05 : age < 55 ? 0.25 : 0.38;
  const u = rng.next();
  return u < current ? 'current' : u < current + former ? 'former' : 'never';
}

function body(rng: Rng, sex: Sex, birthYear: number, age: number): { heightCm: number; bmi: number } {
  const male = sex === 'male';
  const secular = Math.max(0, 1985 - birthYear) * 0.07;
  const adult = rng.normal(male ? 176 : 163.5, male ? 7 : 6.3) - secular;
  if (age >= 18) {
    const mean = 24.2 + (Math.min(age, 70) - 18) * 0.07 + (male ? 0.5 : 0);
    // Right-skewed like real BMI: a small quadratic term stretches the upper tail.
    const z = rng.normal(0, 1);
    return { heightCm: Math.round(adult), bmi: Math.round((mean + 4.1 * z + 0.55 * z * z - 0.55) * 10) / 10 };
  }
  // Children: a rough growth curve reaching the adult height around 18.
  const atAge = age < 1 ? 50 + 25 * age : age < 2 ? 75 + 12 * (age - 1) : age < 12 ? 87 + 6 * (age - 2) : 147;
  const teen = age >= 12 ? ((adult - 147) * (age - 12)) / 6 : 0;
  const bmi = 16 + Math.max(0, age - 6) * 0.35 + rng.normal(0, 1.6);
  return {
    heightCm: Math.round(atAge + teen + (age >= 12 ? 0 : rng.normal(0, 3))),
    bmi: Math.round(bmi * 10) / 10,
  };
}

type RiskRule = (has: (k: ChronicKey) => boolean, smoke: Smoking | undefined) => number;

const current = (smoke: Smoking | undefined, ifCurrent: number, ifFormer: number, ifNever: number): number =>
  smoke === 'current' ? ifCurrent : smoke === 'former' ? ifFormer : ifNever;

/** Multipliers of a condition's prevalence given what the person already has (obesity, smoking, …). */
const RISK: Partial<Record<ChronicKey, RiskRule>> = {
  diabetes: (has) => (has('obesity') ? 2.5 : 1),
  hypertension: (has) => (has('obesity') ? 1.6 : 1) * (has('diabetes') ? 1.5 : 1),
  dyslipidemia: (has) => (has('obesity') ? 1.2 : 1) * (has('diabetes') ? 1.5 : 1),
  copd: (_has, smoke) => current(smoke, 2.5, 1.8, 0.35),
  lungCancer: (_has, smoke) => current(smoke, 5, 3, 0.3),
  chd: (has, smoke) =>
    (smoke === 'current' ? 1.5 : 1) * (has('diabetes') ? 1.8 : 1) * (has('hypertension') ? 1.4 : 1),
  af: (has) => (has('hypertension') ? 1.3 : 1),
  hf: (has) => (has('hypertension') ? 1.5 : 1) * (has('chd') ? 2.5 : 1),
  ckd: (has) => (has('diabetes') ? 2 : 1) * (has('hypertension') ? 1.5 : 1),
  gonarthrosis: (has) => (has('obesity') ? 1.5 : 1),
};

/** Builds person `index` of the population; the same (seed, index) always gives the same person. */
export function makePerson(ctx: PopulationContext, index: number): Person {
  const rng = rngFor(ctx.seed, STREAM.person, index);
  const sex: Sex = rng.chance(0.515) ? 'female' : 'male';
  const bandStart = rng.weighted(PYRAMID);
  const ageDays = Math.floor((bandStart + rng.next() * 5) * DAYS_PER_YEAR);
  const birthDay = REFERENCE_DAY - ageDays;
  const birth = civil(birthDay);
  const refAge = ageOn(birthDay, REFERENCE_DAY);

  const commune = rng.weighted(COMMUNE_TABLE);
  const { slot, order } = ctx.nirSlot(index);
  const [place, communeCode] = birthPlace(rng, slot, commune, birth.year);
  const nir = makeNir({
    sex: sex === 'male' ? 1 : 2,
    year: birth.year,
    month: birth.month,
    place,
    commune: communeCode,
    order,
  });

  const c = cohort(birth.year);
  const givenTable = (sex === 'male' ? MALE_TABLES : FEMALE_TABLES)[c]!;
  const given: string[] = [rng.weighted(givenTable)];
  if (rng.chance(0.6)) {
    given.push(pickGiven(rng, givenTable, given));
  }
  if (given.length === 2 && rng.chance(0.25)) {
    given.push(pickGiven(rng, givenTable, given));
  }
  const family = rng.weighted(FAMILY_TABLE);
  const usualFamily =
    sex === 'female' && refAge >= 23 && rng.chance(0.55) ? rng.weighted(FAMILY_TABLE) : undefined;

  const home = address(rng, commune);
  const phoneList = phones(rng, commune.dep, refAge);
  const emails: string[] = [];
  if (refAge >= 15 && rng.chance(refAge >= 75 ? 0.25 : 0.6)) {
    const local = `${asciiLower(given[0]!)}.${asciiLower(usualFamily ?? family)}`;
    emails.push(`${local}${rng.chance(0.5) ? String(rng.range(1, 99)) : ''}@example.org`);
  }

  const smoke = smoking(rng, refAge, sex);
  const size = body(rng, sex, birth.year, refAge);

  // Conditions are drawn at the age reached on the reference day, then given onsets before death.
  const drawn: ChronicDef[] = [];
  const has = (k: ChronicKey): boolean => drawn.some((d) => d.key === k);
  const band = bandIndex(refAge);
  for (const def of CHRONIC) {
    if (def.key === 'obesity') {
      if (refAge >= 18 && size.bmi >= 30 && rng.chance(0.6)) {
        drawn.push(def);
      }
      continue;
    }
    const base = (sex === 'male' ? def.male : def.female)[band]!;
    if (base > 0 && rng.chance(Math.min(0.95, base * (RISK[def.key]?.(has, smoke) ?? 1)))) {
      drawn.push(def);
    }
  }

  let deathDay: number | undefined;
  const severe = drawn.filter((d) => d.severe).length;
  for (let y = 3; y >= 1 && deathDay === undefined; y--) {
    const start = REFERENCE_DAY - y * 365;
    if (birthDay > start) {
      continue;
    }
    const p = Math.min(0.9, annualMortality(ageOn(birthDay, start), sex === 'male') * (1 + 0.6 * severe));
    if (rng.chance(p)) {
      deathDay = start + rng.range(1, 365);
    }
  }
  const lastDay = deathDay ?? REFERENCE_DAY;
  const age = ageOn(birthDay, lastDay);

  const conditions: ChronicCondition[] = [];
  for (const def of drawn) {
    if (def.onsetFrom > age) {
      continue;
    }
    const u = rng.next();
    const onsetAge = age - Math.floor(u * u * (age - def.onsetFrom + 1));
    const onsetDay = Math.min(lastDay - 1, birthDay + Math.floor(onsetAge * DAYS_PER_YEAR) + rng.int(365));
    conditions.push({ def, onsetDay: Math.max(birthDay + 1, onsetDay) });
  }

  return {
    index,
    id: ctx.patientId(index),
    sex,
    birthDay,
    deathDay,
    lastDay,
    age,
    nir,
    ipp: ctx.ipp(index),
    family,
    usualFamily,
    given,
    address: home,
    phones: phoneList,
    emails,
    heightCm: size.heightCm,
    bmi: size.bmi,
    smoking: smoke,
    conditions,
  };
}
