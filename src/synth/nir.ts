/**
 * The French NIR (numéro d'inscription au répertoire, "numéro de sécurité sociale") and the INS
 * (identifiant national de santé) that carries it in FHIR. Pure functions, no I/O: the ingestion
 * validator uses them to decide whether a record is quarantined.
 *
 * Layout (15 characters): `S AA MM DD CCC NNN KK` — sex, year of birth, month of birth, département
 * of birth (2A/2B for Corsica; 97x/98x overseas take 3 characters and leave 2 for the commune; 99
 * for abroad, followed by the country code), commune, order number, then the key
 * `97 − (N mod 97)` where N is the 13-character body read as an integer, Corsica's `2A` read as `19`
 * and `2B` as `18`.
 * @module
 */
import { SynthErrors } from './errors.js';

/** INS-NIR assigning authority (FR Core `fr-core-patient-ins`). */
export const INS_NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
/** INS-NIA: temporary number of people born abroad awaiting a NIR. */
export const INS_NIA_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.9';
/** Test and demonstration INS authorities: never valid in production. */
export const INS_NIR_TEST_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.10';
export const INS_NIR_DEMO_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.11';
/** Identifier-type code system of FR Core (codes `INS-NIR`, `INS-NIA`, …). */
export const FR_CORE_IDENTIFIER_TYPE_SYSTEM = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';

/**
 * Sex digit 1–8 (1/2 definitive; 3–8 provisional or NIA-type numbers seen in SNDS), month 01–12 or
 * the INSEE special values for incomplete civil records (20, 30–42, 50), département 01–99 or 2A/2B.
 * Kept permissive on purpose: rejecting a real person's number is worse than accepting an odd one.
 */
const BODY = /^[1-8]\d{2}(0[1-9]|1[0-2]|20|3\d|4[0-2]|50)(0[1-9]|[1-9]\d|2A|2B)\d{6}$/;

/** Why a NIR is refused: its shape, or a key that does not match the body. */
export type NirProblem = 'format' | 'key';

export interface NirParts {
  /** 1 male, 2 female; 3–8 provisional numbers. */
  readonly sex: number;
  /** Two-digit year of birth (the century is not in the NIR). */
  readonly year: string;
  readonly month: string;
  /** Département of birth: `75`, `2A`, `971`, or `99` for abroad. */
  readonly place: string;
  /** Commune code within the département (3 digits, 2 overseas), or the country code abroad. */
  readonly commune: string;
  readonly order: string;
  readonly key: string;
}

export type NirCheck =
  | { readonly ok: true; readonly nir: string; readonly parts: NirParts }
  | { readonly ok: false; readonly problem: NirProblem; readonly message: string };

/** Upper-cases and removes spaces, the only liberties people take when typing a NIR. */
export function normalizeNir(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/** True when `body` (13 characters, already normalised) has the NIR layout. */
export function isNirBody(body: string): boolean {
  return BODY.test(body);
}

/**
 * The key of a 13-character NIR body.
 * @throws SYNTH_NIR_MALFORMED when the body does not have the NIR layout
 * @example nirKey('2600588154002') // 33
 * @example nirKey('180122A004123') // 25 (2A read as 19)
 */
export function nirKey(body: string): number {
  const b = normalizeNir(body);
  if (!BODY.test(b)) {
    throw SynthErrors.SYNTH_NIR_MALFORMED(`NIR body "${body}" is not 13 characters S AA MM DD CCC NNN`);
  }
  const dep = b.slice(5, 7);
  const numeric =
    dep === '2A' ? `${b.slice(0, 5)}19${b.slice(7)}` : dep === '2B' ? `${b.slice(0, 5)}18${b.slice(7)}` : b;
  // 13 digits stay below 2^53, so plain arithmetic is exact; split to keep intermediate values small.
  const high = Number(numeric.slice(0, 7));
  const low = Number(numeric.slice(7));
  return 97 - (((high % 97) * (1_000_000 % 97) + low) % 97);
}

function partsOf(nir: string): NirParts {
  const overseas = nir.startsWith('97', 5) || nir.startsWith('98', 5);
  return {
    sex: Number(nir[0]),
    year: nir.slice(1, 3),
    month: nir.slice(3, 5),
    place: overseas ? nir.slice(5, 8) : nir.slice(5, 7),
    commune: overseas ? nir.slice(8, 10) : nir.slice(7, 10),
    order: nir.slice(10, 13),
    key: nir.slice(13, 15),
  };
}

/**
 * Checks a 15-character NIR (spaces and lower-case `2a`/`2b` tolerated) and says what is wrong.
 * @example checkNir('2 60 05 88 154 002 33') // { ok: true, nir: '260058815400233', parts: … }
 */
export function checkNir(text: string): NirCheck {
  const nir = normalizeNir(text);
  if (nir.length !== 15) {
    return { ok: false, problem: 'format', message: `NIR has ${nir.length} characters, 15 expected` };
  }
  const body = nir.slice(0, 13);
  if (!BODY.test(body)) {
    return { ok: false, problem: 'format', message: 'NIR body does not have the layout S AA MM DD CCC NNN' };
  }
  if (!/^\d{2}$/.test(nir.slice(13))) {
    return { ok: false, problem: 'format', message: 'NIR key is not two digits' };
  }
  const expected = nirKey(body);
  if (Number(nir.slice(13)) !== expected) {
    return { ok: false, problem: 'key', message: 'NIR key does not match its body' };
  }
  return { ok: true, nir, parts: partsOf(nir) };
}

/**
 * True for a well-formed NIR whose key matches.
 * @example isValidNir('260058815400233') // true
 */
export function isValidNir(text: string): boolean {
  return checkNir(text).ok;
}

export interface MakeNirInput {
  readonly sex: number;
  /** Year of birth, four digits or the last two. */
  readonly year: number;
  readonly month: number;
  /** `01`–`95`, `2A`, `2B`, `20`, `971`–`976`, `99`. */
  readonly place: string;
  /** Commune (or country) code: 3 digits, or 2 when `place` has 3. */
  readonly commune: number;
  /** 1–999. */
  readonly order: number;
}

/**
 * Builds a valid 15-character NIR from its parts.
 * @throws SYNTH_NIR_MALFORMED when a part is out of range
 * @example makeNir({ sex: 2, year: 1960, month: 5, place: '88', commune: 154, order: 2 }) // '260058815400233'
 */
export function makeNir(input: MakeNirInput): string {
  const { sex, year, month, place, commune, order } = input;
  const placeOk = /^(\d{2}|2A|2B|9[78]\d)$/.test(place);
  const communeDigits = place.length === 3 ? 2 : 3;
  if (!placeOk) {
    throw SynthErrors.SYNTH_NIR_MALFORMED(`NIR place "${place}" is not a département code`);
  }
  if (!Number.isInteger(commune) || commune < 0 || commune >= 10 ** communeDigits) {
    throw SynthErrors.SYNTH_NIR_MALFORMED(`NIR commune ${commune} does not fit in ${communeDigits} digits`);
  }
  if (!Number.isInteger(order) || order < 1 || order > 999) {
    throw SynthErrors.SYNTH_NIR_MALFORMED(`NIR order number ${order} is not in 1–999`);
  }
  if (!Number.isInteger(year) || year < 0) {
    throw SynthErrors.SYNTH_NIR_MALFORMED(`NIR year ${year} is not a year`);
  }
  const body =
    String(sex) +
    String(year % 100).padStart(2, '0') +
    String(month).padStart(2, '0') +
    place +
    String(commune).padStart(communeDigits, '0') +
    String(order).padStart(3, '0');
  return body + String(nirKey(body)).padStart(2, '0');
}

export interface InsCheck {
  readonly ok: boolean;
  /** `system`: not an INS authority; `format`/`key`: see {@link NirProblem}. */
  readonly problem?: 'system' | NirProblem;
  readonly message?: string;
}

/**
 * Checks an INS carried as a FHIR Identifier: the INS-NIR system (or, when `allowTestSystems`, the
 * test and demonstration systems) and a valid 15-character NIR (13-character body + 2-digit key) as
 * value.
 * @example checkIns({ system: INS_NIR_SYSTEM, value: '260058815400233' }) // { ok: true }
 */
export function checkIns(
  identifier: { readonly system?: string | undefined; readonly value?: string | undefined },
  options: { readonly allowTestSystems?: boolean } = {},
): InsCheck {
  const systems = options.allowTestSystems
    ? [INS_NIR_SYSTEM, INS_NIR_TEST_SYSTEM, INS_NIR_DEMO_SYSTEM]
    : [INS_NIR_SYSTEM];
  if (identifier.system === undefined || !systems.includes(identifier.system)) {
    return {
      ok: false,
      problem: 'system',
      message: `identifier system ${identifier.system ?? '(none)'} is not INS-NIR`,
    };
  }
  if (typeof identifier.value !== 'string') {
    return { ok: false, problem: 'format', message: 'INS identifier has no string value' };
  }
  // The INS value is exact: no spaces, upper-case; anything else is a format problem.
  if (identifier.value !== normalizeNir(identifier.value)) {
    return { ok: false, problem: 'format', message: 'INS value holds spaces or lower-case letters' };
  }
  const nir = checkNir(identifier.value);
  return nir.ok ? { ok: true } : { ok: false, problem: nir.problem, message: nir.message };
}
