/**
 * The identifying facts of each synthetic patient, as written to `identities.ndjson`: what a
 * "no identifier survives" test searches for in pseudonymised output.
 * @module
 */
import { INS_NIR_SYSTEM } from './nir.js';
import type { Person } from './person.js';
import { IPP_SYSTEM } from './timeline.js';
import { formatDate } from './dates.js';
import type { FaultKind } from './faults.js';

export interface SynthIdentity {
  readonly patientId: string;
  readonly index: number;
  /** The 15-character NIR (13-character body + 2-digit key), as carried by the INS. */
  readonly nir: string;
  readonly ins: { readonly system: string; readonly value: string };
  /** Hospital patient number. */
  readonly ipp: { readonly system: string; readonly value: string };
  readonly family: string;
  readonly usualFamily?: string;
  readonly given: readonly string[];
  readonly addressLines: readonly string[];
  readonly city: string;
  readonly postalCode: string;
  /** E.164 telephone numbers, exactly as in `Patient.telecom`. */
  readonly phones: readonly string[];
  readonly emails: readonly string[];
  readonly gender: 'male' | 'female';
  readonly birthDate: string;
  readonly deceasedDate?: string;
  /** Set on the identity of a malformed Patient injected by `--faults` (its id ends in `-x`). */
  readonly fault?: FaultKind;
}

export function identityOf(person: Person): SynthIdentity {
  return {
    patientId: person.id,
    index: person.index,
    nir: person.nir,
    ins: { system: INS_NIR_SYSTEM, value: person.nir },
    ipp: { system: IPP_SYSTEM, value: person.ipp },
    family: person.family,
    ...(person.usualFamily === undefined ? {} : { usualFamily: person.usualFamily }),
    given: person.given,
    addressLines: person.address.lines,
    city: person.address.city,
    postalCode: person.address.postalCode,
    phones: person.phones.map((p) => p.value),
    emails: person.emails,
    gender: person.sex,
    birthDate: formatDate(person.birthDay),
    ...(person.deathDay === undefined ? {} : { deceasedDate: formatDate(person.deathDay) }),
  };
}

/**
 * Every string of an identity that must not appear in pseudonymised output: NIR/INS, hospital number,
 * names, address lines, telephone numbers and e-mail addresses. City, postal code and dates are
 * quasi-identifiers that a profile may keep in coarsened form, so they are not listed.
 * @example identifyingStrings(identity).some((s) => tableText.includes(s)) // must be false
 */
export function identifyingStrings(identity: SynthIdentity): string[] {
  const out = [identity.nir, identity.ins.value, identity.ipp.value, identity.family, ...identity.given];
  if (identity.usualFamily !== undefined) {
    out.push(identity.usualFamily);
  }
  out.push(...identity.addressLines, ...identity.phones, ...identity.emails);
  return [...new Set(out)];
}
