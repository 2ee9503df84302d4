/**
 * Reading Gaia-X compliance credentials (W3C Verifiable Credentials in JSON-LD) into a provider
 * registry entry. Field names differ between Gaia-X releases (Tagus `gx:headquarterAddress` with
 * `gx:countrySubdivisionCode`, Loire `gx:headquartersAddress` with `gx:countryCode`), and JSON-LD
 * may write a term with its prefix, as a full IRI or bare: fields are matched by their local name,
 * so all of these read the same.
 *
 * What is read: the legal person (legal name, headquarters, parent organisations: a non-EU parent
 * makes the control non-EU), data centres and other physical resources (their location countries),
 * service offerings (name, subcontractor jurisdictions, governing-law countries, third-country data
 * transfers), label credentials (`gx:labelLevel` SC/L1/L2/L3 with the credential's validity), and
 * certification subjects hdh recognises by scheme name (SecNumCloud, HDS, ISO/IEC 27001) with their
 * version, scope, activities and validity. A credential never says which non-EU laws reach a
 * provider, so that fact stays `unknown`.
 * @module
 */
import type { Evidence, GaiaXLevel, ProviderEntry, ProviderOverride } from '../../core/index.js';
import { isEu } from '../countries.js';
import { SovereigntyErrors } from '../errors.js';
import { dayOf } from '../qualifications.js';
import { validateProviderEntry } from '../registry/registry.js';
import {
  issuerOf,
  verifyCredential,
  type VerifiedCredential,
  type VerifyCredentialOptions,
} from './verify.js';

type Node = Record<string, unknown>;
type Qualifications = NonNullable<ProviderOverride['qualifications']>;

export interface GaiaXReadOptions {
  /** The registry id the entry gets. */
  readonly id: string;
  /** When the credentials were read: the evidence date. */
  readonly now: Date;
  /** Who imported them, for the evidence (e.g. `operator via hdh sovereignty import-credential`). */
  readonly checkedBy: string;
  /** Where the credentials came from (a file name), for the evidence. */
  readonly source: string;
  /** How each credential was verified, in the same order, to state it in the evidence. */
  readonly verification?: readonly (VerifiedCredential | undefined)[];
  readonly region?: string;
}

export interface GaiaXReadResult {
  /** A whole registry entry: facts the credentials carry, `unknown` for the rest. */
  readonly entry: ProviderEntry;
  /**
   * Only the facts the credentials carry, to merge over an existing entry under
   * `sovereignty.providers.<id>` without erasing what it already records.
   */
  readonly override: ProviderOverride;
}

/**
 * Reads Gaia-X credentials (each a JSON-LD credential object) into a registry entry. Pure: it checks
 * no signature (see {@link importGaiaXCredentials}). Throws SOVEREIGNTY_CREDENTIAL_INVALID when the
 * credentials carry nothing hdh can use, and SOVEREIGNTY_REGISTRY_INVALID naming the field when what
 * they carry does not make a valid entry (a country code that is not one, say).
 */
export function readGaiaXCredentials(
  credentials: readonly Readonly<Node>[],
  options: GaiaXReadOptions,
): GaiaXReadResult {
  const facts = new Facts();
  credentials.forEach((credential, index) => {
    const evidence = evidenceFor(credential, index, options);
    const types = typesOf(credential);
    for (const subject of subjectsOf(credential)) {
      readSubject(subject, types, credential, evidence, facts, 0);
    }
  });
  const override = facts.toOverride();
  if (Object.keys(override).length === 0) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
      `${options.source}: no Gaia-X participant, service offering, data centre, label or certification that hdh reads was found`,
    );
  }
  const entry = {
    id: options.id,
    kind: 'cloud',
    name: override.name ?? facts.legalName ?? options.id,
    provider: facts.legalName ?? override.name ?? options.id,
    service: facts.service ?? 'unspecified',
    region: options.region ?? 'unspecified',
    legalEntity: 'unknown',
    headquartersCountry: 'unknown',
    control: 'unknown',
    extraterritorialLaws: 'unknown',
    dataCentreCountries: 'unknown',
    ...override,
    qualifications: {
      secNumCloud: 'unknown',
      hds: 'unknown',
      iso27001: 'unknown',
      gaiaX: 'unknown',
      ...(override.qualifications ?? {}),
    },
  };
  return { entry: validateProviderEntry(entry, { file: options.source }), override };
}

export interface ImportGaiaXOptions extends Omit<GaiaXReadOptions, 'verification'> {
  /** Public keys the operator trusts, by key id or issuer DID (see {@link verifyCredential}). */
  readonly keys?: VerifyCredentialOptions['keys'];
  /** Read credentials that carry no signature (their evidence says so). Off by default. */
  readonly allowUnsigned?: boolean;
}

/**
 * Verifies and reads a Gaia-X credential document: one credential (JSON-LD object or VC-JWT), a list
 * of them, or a Verifiable Presentation holding them (also as `EnvelopedVerifiableCredential`
 * `data:application/vc+jwt,…` entries). Every credential must verify; one bad signature refuses the
 * whole import.
 *
 * @example
 * const { entry, override } = await importGaiaXCredentials(text, { id: 'my-provider', now: new Date(),
 *   checkedBy: 'operator', source: 'provider-credentials.json' });
 */
export async function importGaiaXCredentials(
  input: unknown,
  options: ImportGaiaXOptions,
): Promise<GaiaXReadResult & { readonly verified: readonly (VerifiedCredential | undefined)[] }> {
  const items = credentialsIn(input, options.source);
  const verified: (VerifiedCredential | undefined)[] = [];
  const credentials: Node[] = [];
  for (const [i, item] of items.entries()) {
    const name = `${options.source} credential #${i + 1}`;
    const unsigned = isRecord(item) && item['proof'] === undefined;
    if (unsigned && options.allowUnsigned === true) {
      verified.push(undefined);
      credentials.push(item);
      continue;
    }
    const v = await verifyCredential(item, {
      now: options.now,
      name,
      ...(options.keys !== undefined ? { keys: options.keys } : {}),
    });
    verified.push(v);
    credentials.push({ ...v.credential });
  }
  return { ...readGaiaXCredentials(credentials, { ...options, verification: verified }), verified };
}

/** The credentials a document holds, unwrapping presentations and enveloped VC-JWTs. */
function credentialsIn(input: unknown, source: string): unknown[] {
  let doc = input;
  if (typeof doc === 'string') {
    const text = doc.trim();
    if (!text.startsWith('{') && !text.startsWith('[')) {
      return [text];
    }
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(
        `${source} is not JSON: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const list = Array.isArray(doc) ? doc : [doc];
  const out: unknown[] = [];
  for (const item of list) {
    if (isRecord(item) && typesOf(item).includes('VerifiablePresentation')) {
      out.push(...asArray(item['verifiableCredential']).map(unwrapEnveloped));
    } else {
      out.push(unwrapEnveloped(item));
    }
  }
  if (out.length === 0) {
    throw SovereigntyErrors.SOVEREIGNTY_CREDENTIAL_INVALID(`${source} holds no credential`);
  }
  return out;
}

function unwrapEnveloped(item: unknown): unknown {
  if (
    isRecord(item) &&
    typesOf(item).includes('EnvelopedVerifiableCredential') &&
    typeof item['id'] === 'string'
  ) {
    const m = /^data:application\/(?:vc\+jwt|vc-ld\+jwt|jwt)[^,]*,(.+)$/.exec(item['id']);
    if (m !== null) {
      return m[1];
    }
  }
  return item;
}

/** What the credentials say, gathered across subjects. */
class Facts {
  legalName: string | undefined;
  service: string | undefined;
  private offeringName: string | undefined;
  private legalEntity: { value: string; evidence: Evidence } | undefined;
  private headquarters: { value: string; evidence: Evidence } | undefined;
  private nonEuParent: { name: string; country: string; evidence: Evidence } | undefined;
  private readonly dataCentres = new Map<string, Evidence>();
  private readonly governingLaw = new Set<string>();
  private readonly subcontractors = new Set<string>();
  private readonly transfers = new Set<string>();
  private jurisdictionEvidence: Evidence | undefined;
  private readonly qualifications: Qualifications = {};

  setLegalPerson(name: string | undefined, hq: string | undefined, evidence: Evidence, depth: number): void {
    if (depth > 0) {
      return;
    }
    if (name !== undefined && this.legalEntity === undefined) {
      this.legalEntity = { value: name, evidence };
      this.legalName = name;
    }
    if (hq !== undefined && this.headquarters === undefined) {
      this.headquarters = { value: hq, evidence };
    }
  }

  setParent(name: string, country: string, evidence: Evidence): void {
    if (!isEu(country) && this.nonEuParent === undefined) {
      this.nonEuParent = { name, country, evidence };
    }
  }

  setOffering(name: string | undefined, service: string | undefined): void {
    this.offeringName ??= name;
    this.service ??= service;
  }

  addDataCentre(country: string, evidence: Evidence): void {
    if (!this.dataCentres.has(country)) {
      this.dataCentres.set(country, evidence);
    }
  }

  addJurisdictions(
    kind: 'governingLaw' | 'subcontractors' | 'transfers',
    countries: readonly string[],
    evidence: Evidence,
  ): void {
    const set =
      kind === 'governingLaw'
        ? this.governingLaw
        : kind === 'subcontractors'
          ? this.subcontractors
          : this.transfers;
    for (const c of countries) {
      set.add(c);
    }
    this.jurisdictionEvidence ??= evidence;
  }

  setQualification<K extends keyof Qualifications>(scheme: K, value: Qualifications[K]): void {
    this.qualifications[scheme] ??= value;
  }

  toOverride(): ProviderOverride {
    const o: Record<string, unknown> = {};
    if (this.offeringName !== undefined) {
      o['name'] = this.offeringName;
    }
    if (this.legalName !== undefined) {
      o['provider'] = this.legalName;
    }
    if (this.service !== undefined) {
      o['service'] = this.service;
    }
    if (this.legalEntity !== undefined) {
      o['legalEntity'] = { value: this.legalEntity.value, evidence: [this.legalEntity.evidence] };
    }
    if (this.headquarters !== undefined) {
      o['headquartersCountry'] = { value: this.headquarters.value, evidence: [this.headquarters.evidence] };
    }
    if (this.nonEuParent !== undefined) {
      o['control'] = {
        value: {
          jurisdiction: 'non-EU',
          controller: this.nonEuParent.name,
          controllerCountry: this.nonEuParent.country,
          notes: 'Read from the parent organisation the credential names.',
        },
        evidence: [this.nonEuParent.evidence],
      };
    }
    if (this.dataCentres.size > 0) {
      o['dataCentreCountries'] = {
        value: [...this.dataCentres.keys()].sort(),
        evidence: unique([...this.dataCentres.values()]),
      };
    }
    if (this.jurisdictionEvidence !== undefined) {
      o['jurisdictions'] = {
        value: {
          ...(this.governingLaw.size > 0 ? { governingLaw: [...this.governingLaw].sort() } : {}),
          ...(this.subcontractors.size > 0 ? { subcontractors: [...this.subcontractors].sort() } : {}),
          ...(this.transfers.size > 0 ? { dataTransfers: [...this.transfers].sort() } : {}),
        },
        evidence: [this.jurisdictionEvidence],
      };
    }
    if (Object.keys(this.qualifications).length > 0) {
      o['qualifications'] = { ...this.qualifications };
    }
    return o;
  }
}

function readSubject(
  subject: Node,
  credentialTypes: readonly string[],
  credential: Node,
  evidence: Evidence,
  facts: Facts,
  depth: number,
): void {
  if (depth > 4) {
    return;
  }
  const types = [...typesOf(subject), ...(depth === 0 ? credentialTypes : [])];
  const has = (...names: string[]) => types.some((t) => names.includes(t));
  if (has('LegalPerson', 'LegalParticipant', 'Participant', 'Provider')) {
    const name = text(field(subject, 'legalName')) ?? text(field(subject, 'name'));
    const hq = countryOf(field(subject, 'headquartersAddress') ?? field(subject, 'headquarterAddress'));
    facts.setLegalPerson(name, hq, evidence, depth);
    for (const parent of [
      ...nodes(field(subject, 'subOrganisationOf')),
      ...nodes(field(subject, 'parentOrganization')),
    ]) {
      const country = countryOf(
        field(parent, 'headquartersAddress') ??
          field(parent, 'headquarterAddress') ??
          field(parent, 'legalAddress'),
      );
      const parentName =
        text(field(parent, 'legalName')) ?? text(field(parent, 'name')) ?? text(parent['id']);
      if (country !== undefined && parentName !== undefined) {
        facts.setParent(parentName, country, evidence);
      }
    }
  }
  if (has('ServiceOffering') || types.some((t) => t.endsWith('ServiceOffering'))) {
    facts.setOffering(text(field(subject, 'name')), serviceKind(types));
    const sub = nodes(field(subject, 'subContractors')).flatMap((s) =>
      countries(field(s, 'applicableJurisdiction')),
    );
    if (sub.length > 0) {
      facts.addJurisdictions('subcontractors', sub, evidence);
    }
    const law = nodes(field(subject, 'legalDocuments')).flatMap((d) =>
      countries(field(d, 'governingLawCountries')),
    );
    if (law.length > 0) {
      facts.addJurisdictions('governingLaw', law, evidence);
    }
    const transfers = nodes(field(subject, 'possiblePersonalDataTransfers')).flatMap((t) =>
      countries(field(t, 'country')),
    );
    if (transfers.length > 0) {
      facts.addJurisdictions('transfers', transfers, evidence);
    }
    for (const provider of nodes(field(subject, 'providedBy'))) {
      readSubject(provider, ['LegalPerson'], credential, evidence, facts, depth);
    }
    for (const resource of [
      ...nodes(field(subject, 'hostedOn')),
      ...nodes(field(subject, 'aggregationOfResources')),
    ]) {
      readSubject(resource, [], credential, evidence, facts, depth + 1);
    }
  }
  if (
    has('DataCenter', 'Datacenter', 'PhysicalResource', 'AvailabilityZone', 'Region') ||
    field(subject, 'location') !== undefined
  ) {
    for (const address of [
      ...nodes(field(subject, 'location')),
      ...nodes(field(subject, 'locationAddress')),
    ]) {
      const country = countryOf(address);
      if (country !== undefined) {
        facts.addDataCentre(country, evidence);
      }
    }
  }
  const level = text(field(subject, 'labelLevel'));
  if (level !== undefined) {
    readLabel(level, credential, evidence, facts);
  }
  if (types.some((t) => /certific/i.test(t))) {
    readCertification(subject, credential, evidence, facts);
  }
}

const LABEL_LEVELS: Readonly<Record<string, GaiaXLevel>> = {
  SC: 'standard-compliance',
  L1: 'level-1',
  L2: 'level-2',
  L3: 'level-3',
};

function readLabel(level: string, credential: Node, evidence: Evidence, facts: Facts): void {
  const mapped = LABEL_LEVELS[level.toUpperCase()];
  const validity = validityOf(credential, credential);
  if (mapped === undefined || validity === undefined) {
    return;
  }
  facts.setQualification('gaiaX', {
    status: 'held',
    level: mapped,
    ...(typeof credential['id'] === 'string' ? { credentialId: credential['id'] } : {}),
    ...validity,
    evidence: [evidence],
  });
}

function readCertification(subject: Node, credential: Node, evidence: Evidence, facts: Facts): void {
  const scheme =
    text(field(subject, 'certificationScheme')) ??
    text(field(subject, 'standard')) ??
    text(field(subject, 'name')) ??
    '';
  const validity = validityOf(subject, credential);
  if (validity === undefined) {
    return;
  }
  const scope = text(field(subject, 'scope')) ?? text(field(subject, 'serviceScope'));
  if (/secnumcloud/i.test(scheme)) {
    const version = text(field(subject, 'version')) ?? /(\d+(?:\.\d+)+)/.exec(scheme)?.[1];
    if (version === undefined || scope === undefined) {
      return;
    }
    facts.setQualification('secNumCloud', {
      status: 'held',
      version,
      scope,
      ...validity,
      evidence: [evidence],
    });
  } else if (/\bHDS\b|h[ée]bergeur de donn[ée]es de sant[ée]/i.test(scheme)) {
    const activities = asArray(field(subject, 'activities'))
      .map((a) => Number(unwrapValue(a)))
      .filter((a) => Number.isInteger(a) && a >= 1 && a <= 6);
    if (activities.length === 0) {
      return;
    }
    facts.setQualification('hds', {
      status: 'held',
      activities: [...new Set(activities)].sort((a, b) => a - b),
      ...(scope !== undefined ? { scope } : {}),
      ...validity,
      evidence: [evidence],
    });
  } else if (/27001/.test(scheme) && scope !== undefined) {
    facts.setQualification('iso27001', { status: 'held', scope, ...validity, evidence: [evidence] });
  }
}

/** Validity of a label or certificate: its own dates, else its credential's. */
function validityOf(subject: Node, credential: Node): { issued: string; expires: string } | undefined {
  const from =
    dateText(field(subject, 'validFrom')) ??
    dateText(credential['validFrom']) ??
    dateText(credential['issuanceDate']);
  const until =
    dateText(field(subject, 'validUntil')) ??
    dateText(credential['validUntil']) ??
    dateText(credential['expirationDate']);
  return from !== undefined && until !== undefined ? { issued: from, expires: until } : undefined;
}

function serviceKind(types: readonly string[]): string | undefined {
  const t = types.find((x) => x.endsWith('ServiceOffering') && x !== 'ServiceOffering');
  if (t === undefined) {
    return undefined;
  }
  return t
    .replace(/ServiceOffering$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .concat(' service');
}

function evidenceFor(credential: Node, index: number, options: GaiaXReadOptions): Evidence {
  const v = options.verification?.[index];
  const id = typeof credential['id'] === 'string' ? credential['id'] : `#${index + 1}`;
  const issuer = issuerOf(credential) ?? 'an unnamed issuer';
  const how =
    v === undefined
      ? 'unsigned credential: its signature was not verified'
      : `signature verified (${v.format}, ${v.algorithm}, key ${v.keyThumbprint}${v.keySource === 'embedded' ? ' carried by the credential: this proves it is intact, not who issued it' : ' supplied by the operator'})`;
  const label =
    typesOf(credential).includes('LabelCredential') ||
    subjectsOf(credential).some((s) => field(s, 'labelLevel') !== undefined);
  return {
    source: `Gaia-X credential ${id} issued by ${issuer} (${options.source})`,
    checkedBy: options.checkedBy,
    checkedOn: dayOf(options.now),
    note: how,
    assurance: label && v?.keySource === 'supplied' ? 'third-party' : 'self-declared',
  };
}

/** The local name of a JSON-LD term: `gx:legalName`, `https://…#legalName` and `legalName` all give `legalName`. */
function localName(key: string): string {
  return key.replace(/^.*[:#/]/, '');
}

function field(node: Node, name: string): unknown {
  if (name in node) {
    return node[name];
  }
  for (const [k, v] of Object.entries(node)) {
    if (localName(k) === name) {
      return v;
    }
  }
  return undefined;
}

function typesOf(node: Readonly<Node>): string[] {
  return [...asArray(node['type']), ...asArray(node['@type'])]
    .filter((t): t is string => typeof t === 'string')
    .map(localName);
}

function subjectsOf(credential: Readonly<Node>): Node[] {
  return nodes(credential['credentialSubject']);
}

function nodes(v: unknown): Node[] {
  return asArray(v).filter(isRecord);
}

function unwrapValue(v: unknown): unknown {
  return isRecord(v) && '@value' in v ? v['@value'] : v;
}

function text(v: unknown): string | undefined {
  const u = unwrapValue(Array.isArray(v) ? v[0] : v);
  return typeof u === 'string' && u.trim() !== '' ? u.trim() : undefined;
}

/** `FR`, `FR-75` (ISO 3166-2) or `fr` → `FR`. */
function countryCode(v: unknown): string | undefined {
  const t = text(v);
  const m = t === undefined ? null : /^([A-Za-z]{2})(?:-[A-Za-z0-9]{1,3})?$/.exec(t);
  return m === null ? undefined : m[1]!.toUpperCase();
}

function countries(v: unknown): string[] {
  return asArray(v)
    .map(countryCode)
    .filter((c): c is string => c !== undefined);
}

function countryOf(address: unknown): string | undefined {
  for (const a of nodes(address)) {
    const c = countryCode(field(a, 'countryCode')) ?? countryCode(field(a, 'countrySubdivisionCode'));
    if (c !== undefined) {
      return c;
    }
  }
  return undefined;
}

function dateText(v: unknown): string | undefined {
  const t = text(v);
  if (t === undefined) {
    return undefined;
  }
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : dayOf(d);
}

function unique(list: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = JSON.stringify(e);
    if (seen.has(k)) {
      return false;
    }
    seen.add(k);
    return true;
  });
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) {
    return [];
  }
  return Array.isArray(v) ? v : [v];
}

function isRecord(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
