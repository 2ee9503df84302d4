/**
 * French person identifiers: the NIR (numéro d'inscription au répertoire, "numéro de sécurité
 * sociale") and the INS matricule, which is the person's own NIR or NIA and has the same layout.
 *
 * Layout `S AA MM DD CCC NNN KK`: 13-character body then a 2-digit key = 97 − (N mod 97), N being the
 * body read as an integer after replacing the Corsican départements 2A by 19 and 2B by 18.
 * @module
 */
import { CoreErrors } from '../core/index.js';

/** OIDs of the INS matricule systems (FR Core `fr-core-patient-ins`). */
export const INS_SYSTEMS = {
  /** INS-NIR: the person's own NIR. */
  nir: 'urn:oid:1.2.250.1.213.1.4.8',
  /** INS-NIA: the number given while a NIR is awaited (people born abroad). */
  nia: 'urn:oid:1.2.250.1.213.1.4.9',
  /** Test and demonstration matricules: valid shapes, never real people. */
  nirTest: 'urn:oid:1.2.250.1.213.1.4.10',
  nirDemo: 'urn:oid:1.2.250.1.213.1.4.11',
} as const;

// Sex digit 1–8: 1/2 definitive, 3–8 provisional or NIA-type numbers seen in SNDS; months and
// communes are not range-checked because INSEE uses special values for incomplete civil records.
const NIR_SHAPE = /^[1-8]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}$/;

/** Upper-cases and removes spaces, dots and dashes people type into a NIR. */
export function normalizeNir(value: string): string {
  return value.replace(/[\s.-]/g, '').toUpperCase();
}

/** The 2-digit key of a 13-character NIR body, or undefined when the body is malformed. */
export function nirKey(body13: string): number | undefined {
  const body = normalizeNir(body13);
  if (!/^[1-8]\d{4}(?:\d{2}|2A|2B)\d{6}$/.test(body)) {
    return undefined;
  }
  const dep = body.slice(5, 7);
  const numeric =
    dep === '2A'
      ? `${body.slice(0, 5)}19${body.slice(7)}`
      : dep === '2B'
        ? `${body.slice(0, 5)}18${body.slice(7)}`
        : body;
  // 13 digits stay below 2^53, so plain numbers are exact.
  return 97 - (Number(numeric) % 97);
}

/** Why a NIR is invalid, or undefined when it is valid. */
export function nirProblem(value: string): string | undefined {
  const nir = normalizeNir(value);
  if (nir.length !== 15) {
    return `has ${nir.length} characters instead of 15`;
  }
  if (!NIR_SHAPE.test(nir)) {
    return 'does not have the NIR layout (sex digit 1–8, 2A/2B for Corsica, digits elsewhere)';
  }
  const expected = nirKey(nir.slice(0, 13));
  if (expected !== Number(nir.slice(13))) {
    return 'has a wrong key (97 − N mod 97)';
  }
  return undefined;
}

/** True for a 15-character NIR or INS matricule whose key matches. */
export function isValidNir(value: string): boolean {
  return nirProblem(value) === undefined;
}

/** Appends the key to a 13-character body: handy for generating test identities. */
export function withNirKey(body13: string): string {
  const key = nirKey(body13);
  if (key === undefined) {
    throw CoreErrors.INPUT_INVALID(`"${body13}" is not a 13-character NIR body`);
  }
  return normalizeNir(body13) + String(key).padStart(2, '0');
}
