/**
 * FHIR R4 primitive types: their JSON representation and the regular expressions of the specification
 * (hl7.org/fhir/R4/datatypes.html), plus a calendar check the regular expressions cannot express
 * (no 30 February).
 * @module
 */

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';

export const DATE_RE = new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`);
export const DATETIME_RE = new RegExp(`^${YEAR}(-${MONTH}(-${DAY}(T${TIME}${ZONE})?)?)?$`);
export const INSTANT_RE = new RegExp(`^${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}$`);
export const TIME_RE = new RegExp(`^${TIME}$`);
export const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
export const CODE_RE = /^[^\s]+( [^\s]+)*$/;
const OID_RE = /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/;
const UUID_RE = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64_RE = /^[A-Za-z0-9+/=\s]*$/;

/** True when the full date part of a FHIR date/dateTime/instant string exists in the calendar. */
export function calendarValid(value: string): boolean {
  if (value.length < 10) {
    return true;
  }
  const y = Number(value.slice(0, 4));
  const m = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  const days =
    m === 2
      ? y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
        ? 29
        : 28
      : [4, 6, 9, 11].includes(m)
        ? 30
        : 31;
  return d <= days;
}

/**
 * Checks a JSON value against a FHIR primitive type; returns why it does not fit, or undefined.
 * `type` is the model's type name (`date`, `System.String`, …). Unknown names are accepted.
 */
export function primitiveProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
    case 'System.Boolean':
      return typeof value === 'boolean' ? undefined : 'must be a JSON boolean';
    case 'integer':
    case 'System.Integer':
      return Number.isInteger(value) && Math.abs(value as number) <= 2147483647
        ? undefined
        : 'must be an integer';
    case 'positiveInt':
      return Number.isInteger(value) && (value as number) >= 1 ? undefined : 'must be an integer ≥ 1';
    case 'unsignedInt':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be an integer ≥ 0';
    case 'decimal':
    case 'System.Decimal':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a JSON number';
    default:
      break;
  }
  if (typeof value !== 'string') {
    return 'must be a JSON string';
  }
  switch (type) {
    case 'date':
    case 'System.Date':
      return DATE_RE.test(value) && calendarValid(value) ? undefined : `"${clip(value)}" is not a FHIR date`;
    case 'dateTime':
    case 'System.DateTime':
      return DATETIME_RE.test(value) && calendarValid(value)
        ? undefined
        : `"${clip(value)}" is not a FHIR dateTime`;
    case 'instant':
      return INSTANT_RE.test(value) && calendarValid(value)
        ? undefined
        : `"${clip(value)}" is not a FHIR instant`;
    case 'time':
    case 'System.Time':
      return TIME_RE.test(value) ? undefined : `"${clip(value)}" is not a FHIR time`;
    case 'code':
      return CODE_RE.test(value)
        ? undefined
        : `"${clip(value)}" is not a FHIR code (no leading, trailing or double spaces)`;
    case 'id':
      return ID_RE.test(value) ? undefined : `"${clip(value)}" is not a FHIR id`;
    case 'oid':
      return OID_RE.test(value) ? undefined : `"${clip(value)}" is not a FHIR oid`;
    case 'uuid':
      return UUID_RE.test(value) ? undefined : `"${clip(value)}" is not a FHIR uuid`;
    case 'base64Binary':
      return BASE64_RE.test(value) ? undefined : 'is not base64';
    case 'xhtml':
      return value.length > 0 ? undefined : 'must not be empty';
    default:
      // string, markdown, uri, url, canonical, System.String: any non-empty text.
      return value.length > 0 ? undefined : 'must not be empty';
  }
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

/** Names of the FHIR primitive types, as the model spells them. */
export const PRIMITIVE_TYPES = new Set([
  'boolean',
  'integer',
  'positiveInt',
  'unsignedInt',
  'decimal',
  'date',
  'dateTime',
  'instant',
  'time',
  'code',
  'id',
  'oid',
  'uuid',
  'uri',
  'url',
  'canonical',
  'string',
  'markdown',
  'base64Binary',
  'xhtml',
  'System.String',
  'System.Boolean',
  'System.Date',
  'System.DateTime',
  'System.Decimal',
  'System.Integer',
  'System.Time',
]);
