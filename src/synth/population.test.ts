import type { Condition, FhirResource, Observation, Patient } from 'fhir/r4.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { ATC_SYSTEM, CCAM_SYSTEM, ICD10_SYSTEM, LOINC_SYSTEM, codeFormatCheck } from './code-formats.js';
import { COMMUNES, phonePlan } from './data/places.js';
import { REFERENCE_DATE } from './dates.js';
import { checkIns, checkNir, INS_NIR_SYSTEM } from './nir.js';
import { populationPatients, populationResources, type SynthPatient } from './population.js';
import { SYNTH_RESOURCE_TYPES } from './timeline.js';

async function collect(options: Parameters<typeof populationPatients>[0]): Promise<SynthPatient[]> {
  const out: SynthPatient[] = [];
  for await (const p of populationPatients(options)) {
    out.push(p);
  }
  return out;
}

/** Every `reference` string anywhere in a resource. */
function references(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) {
      references(n, out);
    }
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'reference' && typeof v === 'string') {
        out.push(v);
      } else {
        references(v, out);
      }
    }
  }
  return out;
}

/** Every Coding of a resource, with the path it sits at. */
function codings(
  node: unknown,
  out: { system?: string; code?: string }[] = [],
): { system?: string; code?: string }[] {
  if (Array.isArray(node)) {
    for (const n of node) {
      codings(n, out);
    }
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string' && !('value' in o)) {
      out.push(o);
    }
    for (const v of Object.values(o)) {
      codings(v, out);
    }
  }
  return out;
}

const ageAtReference = (birthDate: string): number => {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  return 2025 - y - (m > 12 || (m === 12 && d > 31) ? 1 : 0);
};

describe('determinism', () => {
  it('gives identical patients for the same seed, different ones for another seed', async () => {
    const a = JSON.stringify(await collect({ patients: 150, seed: 'same' }));
    const b = JSON.stringify(await collect({ patients: 150, seed: 'same' }));
    const c = JSON.stringify(await collect({ patients: 150, seed: 'other' }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('makes patient i the same whatever slice of the population is generated', async () => {
    const full = await collect({ patients: 120, seed: 7 });
    const slice = await collect({ patients: 20, seed: '7', startIndex: 100 });
    expect(JSON.stringify(slice)).toBe(JSON.stringify(full.slice(100)));
  });

  it('rejects bad options with every problem named', async () => {
    const run = async (): Promise<unknown> => collect({ patients: 0, seed: '', startIndex: -1, faults: 2 });
    await expect(run()).rejects.toSatisfy(
      (err: unknown) =>
        isHdhError(err, 'SYNTH_INVALID_OPTIONS') &&
        /patients/.test(err.message) &&
        /seed/.test(err.message) &&
        /startIndex/.test(err.message) &&
        /faults/.test(err.message),
    );
    await expect(collect({ patients: 1, seed: 's', faults: 0.5 })).rejects.toSatisfy((err: unknown) =>
      isHdhError(err, 'SYNTH_INVALID_OPTIONS'),
    );
  });

  it('stops when the signal fires', async () => {
    const controller = new AbortController();
    let n = 0;
    const run = async (): Promise<void> => {
      for await (const record of populationResources({
        patients: 100_000,
        seed: 's',
        signal: controller.signal,
      })) {
        if (record.type === 'Patient' && ++n === 50) {
          controller.abort();
        }
      }
    };
    await expect(run()).rejects.toSatisfy((err: unknown) => isHdhError(err, 'OPERATION_ABORTED'));
  });
});

describe('places', () => {
  it('have postal codes of their département and a telephone plan', () => {
    const deps = new Set<string>();
    for (const c of COMMUNES) {
      deps.add(c.dep);
      expect(() => phonePlan(c.dep)).not.toThrow();
      for (const pc of c.postalCodes) {
        expect(pc, c.name).toMatch(/^\d{5}$/);
        const expected = c.dep === '2A' || c.dep === '2B' ? '20' : c.dep;
        expect(pc.startsWith(expected), `${c.name} ${pc}`).toBe(true);
      }
    }
    // Every metropolitan département (01–95 without 20, plus 2A and 2B) has at least one commune.
    const metro = [...deps].filter((d) => d.length === 2);
    expect(metro).toHaveLength(96);
  });
});

describe('a population of 6,000', () => {
  const N = 6000;
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < 20) {
      problems.push(text);
    }
  };
  const stats = {
    female: 0,
    over65: 0,
    deceased: 0,
    deathAges: [] as number[],
    byAge: { over60: 0, adults: 0, over40: 0, children: 0 },
    hypertension60: 0,
    diabetes60: 0,
    copd40: 0,
    asthmaChildren: 0,
    depression: { male: 0, female: 0, males: 0, females: 0 },
    a1c: [] as number[],
    glucose: { diabetic: [] as number[], other: [] as number[] },
    systolic: { hypertensive: [] as number[], other: [] as number[] },
    bmi: [] as number[],
    places: new Set<string>(),
    nirs: new Set<string>(),
    types: new Set<string>(),
  };

  beforeAll(async () => {
    for await (const p of populationPatients({ patients: N, seed: 'prevalence' })) {
      const patient = p.records[0]!.resource as Patient;
      if (patient.resourceType !== 'Patient') {
        problem(`first record of ${p.identity.patientId} is not the Patient`);
      }
      const age = ageAtReference(patient.birthDate!);
      const female = patient.gender === 'female';
      if (female) {
        stats.female++;
      }
      if (age >= 65) {
        stats.over65++;
      }
      if (patient.deceasedDateTime !== undefined) {
        stats.deceased++;
        stats.deathAges.push(
          Number(patient.deceasedDateTime.slice(0, 4)) - Number(patient.birthDate!.slice(0, 4)),
        );
      }

      // Identity: INS valid, NIR consistent with sex and birth date, unique.
      const ins = patient.identifier!.find((i) => i.system === INS_NIR_SYSTEM)!;
      if (!checkIns(ins).ok) {
        problem(`invalid INS ${ins.value}`);
      }
      const nir = checkNir(ins.value!);
      if (nir.ok) {
        if (nir.parts.sex !== (female ? 2 : 1)) {
          problem(`NIR ${ins.value} sex digit vs ${patient.gender}`);
        }
        if (
          nir.parts.year !== patient.birthDate!.slice(2, 4) ||
          nir.parts.month !== patient.birthDate!.slice(5, 7)
        ) {
          problem(`NIR ${ins.value} vs birth date ${patient.birthDate}`);
        }
        stats.places.add(nir.parts.place);
      }
      if (stats.nirs.has(ins.value!)) {
        problem(`NIR ${ins.value} repeated`);
      }
      stats.nirs.add(ins.value!);
      if (p.identity.nir !== ins.value) {
        problem('identity NIR differs from the Patient');
      }
      const address = patient.address![0]!;
      if (
        !address.postalCode!.startsWith(address.city === undefined ? '' : address.postalCode!.slice(0, 2))
      ) {
        problem('postal code');
      }
      for (const t of patient.telecom ?? []) {
        if (t.system === 'phone' && !/^\+(33|590|596|594|262)\d{9}$/.test(t.value!)) {
          problem(`phone ${t.value}`);
        }
      }

      // References resolve within the patient's own records; ids are unique; dates are not in the future.
      const ids = new Set<string>();
      for (const r of p.records) {
        const res = r.resource as FhirResource;
        stats.types.add(r.type);
        if (res.resourceType !== r.type) {
          problem(`record type ${r.type} holds ${res.resourceType}`);
        }
        const key = `${res.resourceType}/${res.id!}`;
        if (ids.has(key)) {
          problem(`duplicate ${key}`);
        }
        ids.add(key);
      }
      const deathDate = patient.deceasedDateTime?.slice(0, 10);
      for (const r of p.records) {
        for (const ref of references(r.resource)) {
          if (!ids.has(ref)) {
            problem(`${r.type} references missing ${ref}`);
          }
        }
        for (const c of codings(r.resource)) {
          const check = codeFormatCheck(c.system!);
          if (check !== undefined && !check(c.code!)) {
            problem(`bad ${c.system} code ${c.code}`);
          }
        }
        const text = JSON.stringify(r.resource);
        for (const m of text.matchAll(/"(\d{4}-\d{2}-\d{2})(T[^"]*)?"/g)) {
          const date = m[1]!;
          if (date > REFERENCE_DATE) {
            problem(`${r.type} dated ${date} after the reference date`);
          }
          if (r.type !== 'Patient' && date < patient.birthDate!) {
            problem(`${r.type} dated ${date} before birth`);
          }
          if (deathDate !== undefined && r.type !== 'AllergyIntolerance' && date > deathDate) {
            problem(`${r.type} ${String(r.resource?.id)} dated ${date} after death ${deathDate}`);
          }
        }
      }

      // Prevalence and values.
      const conditions = p.records
        .filter((r) => r.type === 'Condition')
        .map((r) => (r.resource as Condition).code!.coding![0]!.code!);
      const has = (code: string): boolean => conditions.includes(code);
      if (age >= 60) {
        stats.byAge.over60++;
        if (has('I10')) {
          stats.hypertension60++;
        }
        if (has('E11.9')) {
          stats.diabetes60++;
        }
      }
      if (age >= 40) {
        stats.byAge.over40++;
        if (has('J44.9')) {
          stats.copd40++;
        }
      }
      if (age < 18) {
        stats.byAge.children++;
        if (has('J45.9')) {
          stats.asthmaChildren++;
        }
      }
      if (age >= 18) {
        stats.byAge.adults++;
        if (female) {
          stats.depression.females++;
          if (has('F32.9')) {
            stats.depression.female++;
          }
        } else {
          stats.depression.males++;
          if (has('F32.9')) {
            stats.depression.male++;
          }
        }
      }
      if (has('C50.9') && !female) {
        problem('breast cancer in a man');
      }
      if (has('C61') && female) {
        problem('prostate cancer in a woman');
      }
      if ((has('O80') || has('O82')) && (!female || age < 15)) {
        problem('delivery of a man or a child');
      }
      for (const r of p.records) {
        if (r.type !== 'Observation') {
          continue;
        }
        const obs = r.resource as Observation;
        const code = obs.code.coding![0]!.code;
        if (obs.valueQuantity !== undefined && obs.valueQuantity.system !== 'http://unitsofmeasure.org') {
          problem('unit not UCUM');
        }
        if (code === '4548-4') {
          if (has('E11.9')) {
            stats.a1c.push(obs.valueQuantity!.value!);
          } else {
            problem('HbA1c measured in a patient without diabetes');
          }
        }
        if (code === '14749-6') {
          (has('E11.9') ? stats.glucose.diabetic : stats.glucose.other).push(obs.valueQuantity!.value!);
        }
        if (code === '85354-9' && age >= 18) {
          const sys = obs.component!.find((c) => c.code.coding![0]!.code === '8480-6')!.valueQuantity!.value!;
          (has('I10') ? stats.systolic.hypertensive : stats.systolic.other).push(sys);
        }
        if (code === '39156-5' && age >= 25) {
          stats.bmi.push(obs.valueQuantity!.value!);
        }
      }
    }
  }, 120_000);

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

  it('holds well-formed, self-consistent records', () => {
    expect(problems).toEqual([]);
    expect([...stats.types].sort()).toEqual([...SYNTH_RESOURCE_TYPES].sort());
  });

  it('has valid, unique NIRs born in every kind of place, Corsica included', () => {
    expect(stats.nirs.size).toBe(N);
    for (const place of ['75', '99']) {
      expect(stats.places.has(place), place).toBe(true);
    }
    expect(['2A', '2B'].some((p) => stats.places.has(p))).toBe(true);
    expect([...stats.places].some((p) => p.startsWith('97'))).toBe(true);
  });

  it('looks like the French population', () => {
    expect(stats.female / N).toBeGreaterThan(0.45);
    expect(stats.female / N).toBeLessThan(0.58);
    expect(stats.over65 / N).toBeGreaterThan(0.14);
    expect(stats.over65 / N).toBeLessThan(0.3);
    // About 0.9 % of the French die each year; deaths are drawn over the last three years.
    expect(stats.deceased / N).toBeGreaterThan(0.01);
    expect(stats.deceased / N).toBeLessThan(0.07);
    expect(mean(stats.deathAges)).toBeGreaterThan(65);
  });

  it('has plausible prevalence of chronic conditions', () => {
    expect(stats.hypertension60 / stats.byAge.over60).toBeGreaterThan(0.25);
    expect(stats.hypertension60 / stats.byAge.over60).toBeLessThan(0.75);
    expect(stats.diabetes60 / stats.byAge.over60).toBeGreaterThan(0.05);
    expect(stats.diabetes60 / stats.byAge.over60).toBeLessThan(0.35);
    expect(stats.copd40 / stats.byAge.over40).toBeGreaterThan(0.01);
    expect(stats.copd40 / stats.byAge.over40).toBeLessThan(0.15);
    expect(stats.asthmaChildren / stats.byAge.children).toBeGreaterThan(0.03);
    expect(stats.asthmaChildren / stats.byAge.children).toBeLessThan(0.2);
    expect(stats.depression.female / stats.depression.females).toBeGreaterThan(
      stats.depression.male / stats.depression.males,
    );
  });

  it('has values that follow the conditions', () => {
    // Diabetics are followed with HbA1c around 7 %; their fasting glucose is well above the others'.
    expect(stats.a1c.length).toBeGreaterThan(20);
    expect(mean(stats.a1c)).toBeGreaterThan(6.5);
    expect(mean(stats.a1c)).toBeLessThan(8.5);
    expect(mean(stats.glucose.diabetic)).toBeGreaterThan(mean(stats.glucose.other) + 1.5);
    expect(mean(stats.systolic.hypertensive)).toBeGreaterThan(mean(stats.systolic.other) + 5);
    expect(mean(stats.bmi)).toBeGreaterThan(23);
    expect(mean(stats.bmi)).toBeLessThan(29);
  });

  it('uses the code systems the ingestion expects', async () => {
    const systems = new Set<string>();
    for await (const r of populationResources({ patients: 300, seed: 'systems' })) {
      for (const c of codings(r.resource)) {
        systems.add(c.system!);
      }
    }
    for (const s of [ICD10_SYSTEM, LOINC_SYSTEM, ATC_SYSTEM, CCAM_SYSTEM]) {
      expect(systems.has(s), s).toBe(true);
    }
  });
});
