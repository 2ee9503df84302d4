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
      : m === 4 || m === 6 || m === 9 || m === 11
        ? 30
        : 31;
  return d <= days;
}

/** Why a JSON value does not fit one primitive type, or undefined when it fits. */
export type PrimitiveCheck = (value: unknown) => string | undefined;

const notString = 'must be a JSON string';

/** A check for text matching `re` (and, for dates, the calendar), with the type's message. */
function textCheck(re: RegExp, what: string, calendar: boolean): PrimitiveCheck {
  return (value) => {
    if (typeof value !== 'string') {
      return notString;
    }
    return re.test(value) && (!calendar || calendarValid(value)) ? undefined : `"${clip(value)}" ${what}`;
  };
}

const nonEmpty: PrimitiveCheck = (value) =>
  typeof value !== 'string' ? notString : value.length > 0 ? undefined : 'must not be empty';

function buildCheck(type: string): PrimitiveCheck {
  switch (type) {
    case 'boolean':
    case 'System.Boolean':
      return (value) => (typeof value === 'boolean' ? undefined : 'must be a JSON boolean');
    case 'integer':
    case 'System.Integer':
      return (value) =>
        Number.isInteger(value) && Math.abs(value as number) <= 2147483647 ? undefined : 'must be an integer';
    case 'positiveInt':
      return (value) =>
        Number.isInteger(value) && (value as number) >= 1 ? undefined : 'must be an integer ≥ 1';
    case 'unsignedInt':
      return (value) =>
        Number.isInteger(value) && (value as number) >= 0 ? undefined : 'must be an integer ≥ 0';
    case 'decimal':
    case 'System.Decimal':
      return (value) =>
        typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a JSON number';
    case 'date':
    case 'System.Date':
      return textCheck(DATE_RE, 'is not a FHIR date', true);
    case 'dateTime':
    case 'System.DateTime':
      return textCheck(DATETIME_RE, 'is not a FHIR dateTime', true);
    case 'instant':
      return textCheck(INSTANT_RE, 'is not a FHIR instant', true);
    case 'time':
    case 'System.Time':
      return textCheck(TIME_RE, 'is not a FHIR time', false);
    case 'code':
      return textCheck(CODE_RE, 'is not a FHIR code (no leading, trailing or double spaces)', false);
    case 'id':
      return textCheck(ID_RE, 'is not a FHIR id', false);
    case 'oid':
      return textCheck(OID_RE, 'is not a FHIR oid', false);
    case 'uuid':
      return textCheck(UUID_RE, 'is not a FHIR uuid', false);
    case 'base64Binary':
      return (value) =>
        typeof value !== 'string' ? notString : BASE64_RE.test(value) ? undefined : 'is not base64';
    default:
      // string, markdown, uri, url, canonical, xhtml, System.String: any non-empty text.
      return nonEmpty;
  }
}

const checks = new Map<string, PrimitiveCheck>();

/**
 * The check of a FHIR primitive type (`date`, `System.String`, …; unknown names accept any non-empty
 * text), built once per type so that validating a value does not go through the type's name again.
 */
export function primitiveCheck(type: string): PrimitiveCheck {
  let check = checks.get(type);
  if (check === undefined) {
    check = buildCheck(type);
    checks.set(type, check);
  }
  return check;
}

/**
 * Checks a JSON value against a FHIR primitive type; returns why it does not fit, or undefined.
 * `type` is the model's type name (`date`, `System.String`, …). Unknown names are accepted.
 */
export function primitiveProblem(type: string, value: unknown): string | undefined {
  return primitiveCheck(type)(value);
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
