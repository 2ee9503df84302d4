/**
 * A small deterministic French-like population for ingestion tests and the bench: Patients with
 * valid INS-NIR, names, addresses, phones and e-mails — placed also where identifiers leak in real
 * data (narratives, notes, reference displays) — and their encounters, conditions (ICD-10),
 * observations (LOINC, with valid check digits), prescriptions (ATC and CIP13), procedures (CCAM),
 * vaccinations, allergies, reports, medication statements and documents. Written as Bulk Data NDJSON (one file
 * per type) or as transaction Bundles, streamed to disk.
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { ean13CheckDigit } from '../code-systems.js';
import { INS_SYSTEMS, withNirKey } from '../identifiers.js';

/** The identifying traits of one synthetic person, as written into the inputs. */
export interface SyntheticPerson {
  readonly id: string;
  readonly nir: string;
  readonly family: string;
  readonly given: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female';
  readonly line: string;
  readonly city: string;
  readonly postalCode: string;
  readonly phone: string;
  readonly email: string;
}

export interface PopulationOptions {
  readonly patients: number;
  readonly seed: number;
  readonly format?: 'ndjson' | 'bundle';
  /** Observations per patient besides the vital signs panel (default 3). */
  readonly observationsPerPatient?: number;
  /** Prefix of resource ids (default `p`), to build a second source with other ids. */
  readonly idPrefix?: string;
  /** Returns the persons written (default true; turn off for large populations). */
  readonly keepPersons?: boolean;
  /** Use these persons (e.g. from another source) instead of drawing new ones, for linkage tests. */
  readonly persons?: readonly SyntheticPerson[];
}

export interface Population {
  readonly dir: string;
  readonly files: readonly string[];
  readonly persons: readonly SyntheticPerson[];
  readonly resources: number;
}

const FAMILY = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefebvre',
  'Michel',
  'Garcia',
  'Fournier',
];
const GIVEN_F = ['Camille', 'Léa', 'Manon', 'Chloé', 'Inès', 'Jeanne', 'Louise', 'Alice', 'Margaux', 'Zoé'];
const GIVEN_M = ['Lucas', 'Hugo', 'Louis', 'Gabriel', 'Arthur', 'Jules', 'Nathan', 'Raphaël', 'Théo', 'Paul'];
const STREETS = [
  'rue de la République',
  'avenue Jean Jaurès',
  'rue Victor Hugo',
  'boulevard Pasteur',
  'place du Marché',
  'chemin des Vignes',
];
const COMMUNES: readonly (readonly [string, string, string])[] = [
  ['Paris', '75013', '75'],
  ['Lyon', '69003', '69'],
  ['Marseille', '13005', '13'],
  ['Ajaccio', '20000', '2A'],
  ['Bastia', '20200', '2B'],
  ['Saint-Denis', '97400', '974'],
  ['Rennes', '35000', '35'],
  ['Lille', '59000', '59'],
];
const ICD10 = ['E11.9', 'I10', 'J45.9', 'E78.5', 'F32.9', 'M54.5', 'K21.9', 'N18.3'];
const VITALS: readonly (readonly [string, string, number, number])[] = [
  ['29463-7', 'kg', 50, 110],
  ['8302-2', 'cm', 150, 195],
  ['8867-4', '/min', 50, 110],
  ['8310-5', 'Cel', 36, 39],
  ['2339-0', 'mg/dL', 70, 180],
  ['2093-3', 'mg/dL', 120, 280],
  ['4548-4', '%', 4.5, 10],
  ['718-7', 'g/dL', 10, 17],
];
const DRUGS: readonly (readonly [string, string])[] = [
  ['A10BA02', '340093000001'],
  ['C09AA05', '340093000002'],
  ['C10AA05', '340093000003'],
  ['N02BE01', '340093000004'],
  ['R03AC02', '340093000005'],
];
const CCAM = ['DEQP003', 'YYYY600', 'ZCQM001', 'HHFA001', 'EBQM001'];
const VACCINES = ['J07BB02', 'J07BX03', 'J07AL02'];

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function cip13(first12: string): string {
  return first12 + String(ean13CheckDigit(first12));
}

function drawPerson(rand: () => number, index: number, idPrefix: string): SyntheticPerson {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const female = rand() < 0.5;
  // Born before 2006, so no birth date can equal a (shifted) care date from 2014 on.
  const year = 1930 + Math.floor(rand() * 76);
  const month = 1 + Math.floor(rand() * 12);
  const day = 1 + Math.floor(rand() * 28);
  const [city, postalCode, dep] = pick(COMMUNES);
  const commune =
    dep.length === 3 ? pad(1 + Math.floor(rand() * 90), 2) : pad(1 + Math.floor(rand() * 900), 3);
  // Unique order numbers keep NIRs distinct within a population.
  const order = pad(1 + (index % 999), 3);
  const body = `${female ? 2 : 1}${pad(year % 100, 2)}${pad(month, 2)}${dep}${commune}${order}`;
  return {
    id: `${idPrefix}${index}`,
    nir: withNirKey(body),
    family: pick(FAMILY),
    given: female ? pick(GIVEN_F) : pick(GIVEN_M),
    birthDate: `${year}-${pad(month, 2)}-${pad(day, 2)}`,
    gender: female ? 'female' : 'male',
    line: `${1 + Math.floor(rand() * 120)} ${pick(STREETS)}`,
    city,
    postalCode,
    phone: `+33 6 ${pad(Math.floor(rand() * 100), 2)} ${pad(Math.floor(rand() * 100), 2)} ${pad(Math.floor(rand() * 100), 2)} ${pad(index % 100, 2)}`,
    email: `${idPrefix}${index}.contact@example.org`,
  };
}

/** The identifying strings of a person that must never appear in pseudonymised output. */
export function identifyingStrings(p: SyntheticPerson): string[] {
  return [
    p.nir,
    p.family,
    p.given,
    `${p.given} ${p.family}`,
    p.line,
    p.city,
    p.phone,
    p.email,
    p.birthDate,
    p.postalCode,
  ];
}

function isoDay(base: number, days: number): string {
  return new Date(base + days * 86_400_000).toISOString().slice(0, 10);
}

/** All resources of one person, in an order where the Patient comes first. */
function personResources(
  p: SyntheticPerson,
  rand: () => number,
  observations: number,
): Record<string, unknown>[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const name = `${p.given} ${p.family}`;
  const subject = { reference: `Patient/${p.id}`, display: name };
  const base = Date.UTC(2015, 0, 1) + Math.floor(rand() * 3000) * 86_400_000;
  const out: Record<string, unknown>[] = [];
  out.push({
    resourceType: 'Patient',
    id: p.id,
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${name}, ${p.line} ${p.city}</div>`,
    },
    identifier: [
      { system: INS_SYSTEMS.nir, value: p.nir },
      { system: 'urn:oid:1.2.250.1.71.4.2.7', value: `IPP-${p.id}` },
    ],
    name: [{ use: 'official', family: p.family, given: [p.given] }],
    telecom: [
      { system: 'phone', value: p.phone },
      { system: 'email', value: p.email },
    ],
    gender: p.gender,
    birthDate: p.birthDate,
    address: [{ line: [p.line], city: p.city, postalCode: p.postalCode, country: 'FR' }],
    maritalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }],
    },
  });
  const encounters = [0, 10 + Math.floor(rand() * 60)].map((offset, i) => {
    const id = `${p.id}-enc${i}`;
    out.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: i === 0 ? 'AMB' : 'IMP' },
      subject,
      period: {
        start: `${isoDay(base, offset)}T09:30:00+01:00`,
        end: `${isoDay(base, offset + i * 3)}T17:00:00+01:00`,
      },
      participant: [{ individual: { display: 'Dr Jean Dupont' } }],
    });
    return { id, day: offset };
  });
  const enc = (i: number): { reference: string } => ({ reference: `Encounter/${encounters[i]!.id}` });
  out.push({
    resourceType: 'Condition',
    id: `${p.id}-cond`,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    code: {
      coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: pick(ICD10) }],
      text: `diagnostic de ${name}`,
    },
    subject,
    encounter: enc(0),
    onsetDateTime: isoDay(base, -100),
    recordedDate: isoDay(base, 0),
    note: [{ text: `Patient ${name} joignable au ${p.phone}` }],
  });
  out.push({
    resourceType: 'Observation',
    id: `${p.id}-bp`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    subject,
    encounter: enc(0),
    effectiveDateTime: `${isoDay(base, 0)}T10:00:00+01:00`,
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        valueQuantity: {
          value: 110 + Math.floor(rand() * 50),
          unit: 'mmHg',
          system: 'http://unitsofmeasure.org',
          code: 'mm[Hg]',
        },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
        valueQuantity: {
          value: 60 + Math.floor(rand() * 30),
          unit: 'mmHg',
          system: 'http://unitsofmeasure.org',
          code: 'mm[Hg]',
        },
      },
    ],
  });
  for (let i = 0; i < observations; i++) {
    const [code, unit, lo, hi] = pick(VITALS);
    out.push({
      resourceType: 'Observation',
      id: `${p.id}-obs${i}`,
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject,
      encounter: enc(i % 2),
      effectiveDateTime: `${isoDay(base, encounters[i % 2]!.day)}T11:${pad(i % 60, 2)}:00+01:00`,
      issued: `${isoDay(base, encounters[i % 2]!.day + 1)}T08:00:00+01:00`,
      valueQuantity: {
        value: Math.round((lo + rand() * (hi - lo)) * 10) / 10,
        unit,
        system: 'http://unitsofmeasure.org',
        code: unit,
      },
      performer: [{ display: 'Laboratoire Dupont' }],
      note: [{ text: `prélevé chez ${name}, ${p.line}` }],
    });
  }
  const [atc, cip] = pick(DRUGS);
  out.push({
    resourceType: 'MedicationRequest',
    id: `${p.id}-rx`,
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [
        { system: 'http://data.esante.gouv.fr/ansm/medicament/codeCIP13', code: cip13(cip) },
        { system: 'http://www.whocc.no/atc', code: atc },
      ],
    },
    subject,
    encounter: enc(1),
    authoredOn: isoDay(base, encounters[1]!.day),
    dosageInstruction: [{ text: `1 comprimé le matin pour ${p.given}` }],
    dispenseRequest: {
      numberOfRepeatsAllowed: 2,
      quantity: { value: 30, unit: 'comprimé' },
      expectedSupplyDuration: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
    },
  });
  out.push({
    resourceType: 'MedicationStatement',
    id: `${p.id}-ms`,
    status: 'active',
    medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: atc }] },
    subject,
    effectivePeriod: { start: isoDay(base, -30), end: isoDay(base, 60) },
  });
  out.push({
    resourceType: 'Procedure',
    id: `${p.id}-proc`,
    status: 'completed',
    code: { coding: [{ system: 'https://smt.esante.gouv.fr/terminologie-ccam', code: pick(CCAM) }] },
    subject,
    encounter: enc(1),
    performedDateTime: `${isoDay(base, encounters[1]!.day)}T14:00:00+01:00`,
  });
  out.push({
    resourceType: 'Immunization',
    id: `${p.id}-vac`,
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://www.whocc.no/atc', code: pick(VACCINES) }] },
    patient: subject,
    occurrenceDateTime: isoDay(base, -200),
    lotNumber: `LOT-${p.id}`,
  });
  out.push({
    resourceType: 'AllergyIntolerance',
    id: `${p.id}-allergy`,
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
      ],
    },
    type: 'allergy',
    category: ['medication'],
    criticality: 'low',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005' }], text: 'allergie pénicilline' },
    patient: subject,
    recordedDate: isoDay(base, 5),
  });
  // A type no analytic table holds: it lands in fhir_other as pseudonymised JSON.
  out.push({
    resourceType: 'DocumentReference',
    id: `${p.id}-doc`,
    status: 'current',
    type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
    subject,
    date: `${isoDay(base, encounters[1]!.day + 2)}T10:00:00+01:00`,
    description: `Compte rendu de ${name}, né(e) le ${p.birthDate}`,
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          title: `CR ${p.family}`,
          data: Buffer.from(`${name} ${p.nir}`).toString('base64'),
        },
      },
    ],
  });
  out.push({
    resourceType: 'DiagnosticReport',
    id: `${p.id}-report`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }] },
    subject,
    encounter: enc(1),
    effectiveDateTime: isoDay(base, encounters[1]!.day),
    issued: `${isoDay(base, encounters[1]!.day + 1)}T09:00:00+01:00`,
    conclusion: `Bilan de ${name} sans particularité`,
  });
  return out;
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) {
    await once(stream, 'drain');
  }
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Writes a population under `dir` and returns what it wrote. */
export async function writePopulation(dir: string, options: PopulationOptions): Promise<Population> {
  await mkdir(dir, { recursive: true });
  const rand = prng(options.seed);
  const format = options.format ?? 'ndjson';
  const idPrefix = options.idPrefix ?? 'p';
  const keep = options.keepPersons ?? true;
  const persons: SyntheticPerson[] = [];
  const streams = new Map<string, WriteStream>();
  const files: string[] = [];
  let resources = 0;
  const streamFor = (name: string): WriteStream => {
    let s = streams.get(name);
    if (s === undefined) {
      const file = join(dir, name);
      s = createWriteStream(file);
      streams.set(name, s);
      files.push(file);
    }
    return s;
  };
  const count = options.persons?.length ?? options.patients;
  for (let i = 0; i < count; i++) {
    const given = options.persons?.[i];
    const person = given ? { ...given, id: `${idPrefix}${i}` } : drawPerson(rand, i, idPrefix);
    if (keep) {
      persons.push(person);
    }
    const list = personResources(person, rand, options.observationsPerPatient ?? 3);
    resources += list.length;
    if (format === 'ndjson') {
      for (const r of list) {
        await write(streamFor(`${r['resourceType'] as string}.ndjson`), `${JSON.stringify(r)}\n`);
      }
    } else {
      const entries = list.map((r) => ({
        fullUrl: `urn:uuid:${uuidFor(`${idPrefix}:${r['resourceType'] as string}/${r['id'] as string}`)}`,
        resource: r,
        request: { method: 'POST', url: r['resourceType'] },
      }));
      const byKey = new Map(
        entries.map((e) => [
          `${e.resource['resourceType'] as string}/${e.resource['id'] as string}`,
          e.fullUrl,
        ]),
      );
      // Transaction Bundles refer to their entries by fullUrl.
      const json = JSON.stringify(
        { resourceType: 'Bundle', type: 'transaction', entry: entries },
        (key, value: unknown) =>
          key === 'reference' && typeof value === 'string' && byKey.has(value) ? byKey.get(value) : value,
      );
      const s = streamFor(`bundle-${pad(i, 6)}.json`);
      await write(s, json);
      await close(s);
      streams.delete(`bundle-${pad(i, 6)}.json`);
    }
  }
  for (const s of streams.values()) {
    await close(s);
  }
  return { dir, files, persons, resources };
}

/** A stable UUID-shaped string for a name (not a real UUID version: test data only). */
function uuidFor(name: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < name.length; i++) {
    h1 = Math.imul(h1 ^ name.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ name.charCodeAt(i), 2246822519) >>> 0;
  }
  const hex = [h1, h2, (h1 ^ h2) >>> 0, Math.imul(h1, 31) >>> 0]
    .map((h) => h.toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
