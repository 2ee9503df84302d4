/**
 * The compliance report model. The hub gathers the facts (stores, what they hold, the sealed share
 * found by scanning, key custody, audit chain status); {@link buildReport} turns them into a report
 * that states, per store, the provider's profile and evidence, residency and sovereignty separately,
 * the decision for each class held with every reason, expired qualifications, and the violations:
 * data already stored that the current policy and provider entries do not allow. Violations are
 * shown, never accepted silently. Pure: the same facts give the same report.
 * @module
 */
import type { Evidence, ProviderEntry } from '../../core/index.js';
import { isEea, isEu } from '../countries.js';
import { DATA_CLASSES, type DataClass } from '../data-classes.js';
import { allowedClasses, evaluatePlacement, type Reason, type StoreSealing } from '../evaluate.js';
import type { Policy } from '../policy.js';
import { qualificationStatuses, type QualificationStatus } from '../qualifications.js';
import type { ProviderOrigin } from '../registry/registry.js';
import { REQUIREMENTS, type Requirement, type RequirementSource } from '../requirements.js';

/** Objects of one class (and dataset) in a store, from the hub's records. */
export interface StoreHolding {
  /** `unclassified` for objects that carry no class (e.g. in a legacy store). */
  readonly dataClass: DataClass | 'unclassified';
  /** The dataset the objects belong to; absent for objects outside any dataset. */
  readonly dataset?: string;
  readonly objects: number;
  readonly bytes: number;
  /** How many of them the scan found sealed, when the scan counts by class. */
  readonly sealedObjects?: number;
}

export interface StoreFacts {
  readonly name: string;
  /** Backend kind: fs, s3, azure-blob, memory. */
  readonly kind: string;
  /** The registry entry of the store's provider, as the hub resolved it. */
  readonly provider: ProviderEntry;
  readonly providerOrigin?: ProviderOrigin;
  /** Written by another system: read-only for the hub, objects not sealed by it. */
  readonly legacy: boolean;
  /** How the hub writes to this store. */
  readonly sealing: StoreSealing;
  readonly holdings: readonly StoreHolding[];
  /** What scanning the store found: objects with a valid sealed header, out of all objects. */
  readonly scan: { readonly sealedObjects: number; readonly totalObjects: number };
}

/** Where the master key lives and who can use it (the fields of the kms KeyProviderInfo the report shows). */
export interface KeyCustody {
  readonly kind: string;
  readonly location: string;
  readonly extractable: boolean;
  readonly access: string;
}

export type AuditChainStatus =
  | { readonly ok: true; readonly entries: number }
  | {
      readonly ok: false;
      readonly entries?: number;
      readonly firstBadEntry: string | number;
      readonly message: string;
    };

export interface ReportFacts {
  readonly stores: readonly StoreFacts[];
  readonly keys: KeyCustody;
  readonly audit: AuditChainStatus;
  readonly policy: Policy;
  readonly now: Date;
  readonly hub?: { readonly name?: string; readonly version?: string };
}

/** Stored data that the current policy and provider entries do not allow. */
export interface Violation {
  readonly store: string;
  readonly dataClass: DataClass | 'unclassified';
  readonly objects: number;
  readonly bytes: number;
  readonly datasets: readonly string[];
  readonly requirement: Requirement;
  readonly message: string;
}

export interface ProviderFact {
  readonly fact: string;
  /** The value as text, or `unknown`. */
  readonly value: string;
  readonly evidence: readonly Evidence[];
}

export interface ClassHolding {
  readonly dataClass: DataClass | 'unclassified';
  readonly objects: number;
  readonly bytes: number;
  readonly sealedObjects?: number;
  readonly datasets: readonly { readonly name: string; readonly objects: number; readonly bytes: number }[];
}

export interface ClassDecision {
  readonly dataClass: DataClass;
  readonly allowed: boolean;
  readonly reasons: readonly Reason[];
}

export interface StoreReport {
  readonly name: string;
  readonly kind: string;
  readonly legacy: boolean;
  readonly provider: {
    readonly id: string;
    readonly name: string;
    readonly provider: string;
    readonly service: string;
    readonly region: string;
    readonly kind: ProviderEntry['kind'];
    readonly origin: ProviderOrigin;
    readonly notes: readonly string[];
  };
  /** The provider's profile, fact by fact, with the evidence of each. */
  readonly facts: readonly ProviderFact[];
  /** Where the data centres are. */
  readonly residency: {
    readonly countries: readonly string[] | 'unknown';
    readonly area: 'EU' | 'EEA' | 'outside the EEA' | 'unknown';
    readonly statement: string;
  };
  /** Who controls the provider and which non-EU laws reach it. */
  readonly sovereignty: {
    readonly control: 'EU' | 'non-EU' | 'unknown';
    readonly controller?: string;
    readonly controllerCountry?: string;
    readonly extraterritorialLaws: readonly string[] | 'unknown';
    readonly statement: string;
  };
  readonly qualifications: readonly QualificationStatus[];
  /** Qualifications past their expiry (or not yet valid): they count as absent. */
  readonly expiredQualifications: readonly string[];
  readonly holdings: readonly ClassHolding[];
  readonly sealing: {
    readonly writesSealed: boolean;
    readonly keyHolder: StoreSealing['keyHolder'];
    readonly sealedObjects: number;
    readonly totalObjects: number;
    /** sealedObjects / totalObjects, or null for an empty store. */
    readonly sealedShare: number | null;
  };
  /** The classes the hub may write to this store now. */
  readonly allowedClasses: readonly DataClass[];
  /** For each class the store holds: may it hold that data, with every reason. */
  readonly decisions: readonly ClassDecision[];
  readonly violations: readonly Violation[];
  readonly restsOnOperatorAttestation: boolean;
  readonly compliant: boolean;
}

export interface Report {
  readonly format: 'hdh-sovereignty-report';
  readonly version: 1;
  readonly generatedAt: string;
  readonly hub?: { readonly name?: string; readonly version?: string };
  readonly summary: {
    readonly compliant: boolean;
    readonly stores: number;
    readonly compliantStores: number;
    readonly violations: number;
    readonly objects: number;
    readonly bytes: number;
    readonly sealedObjects: number;
    readonly expiredQualifications: number;
    readonly restsOnOperatorAttestation: boolean;
    readonly statement: string;
  };
  readonly keys: KeyCustody & { readonly statement: string };
  readonly audit: AuditChainStatus & { readonly statement: string };
  readonly stores: readonly StoreReport[];
  readonly violations: readonly Violation[];
  readonly policy: Policy;
  /** The source of every requirement the report cites. */
  readonly requirements: Readonly<Partial<Record<Requirement, RequirementSource>>>;
}

/**
 * Builds the compliance report from facts the hub gathered.
 *
 * @example
 * const report = buildReport({ stores, keys: await keyProvider.describe(), audit, policy, now: new Date() });
 */
export function buildReport(facts: ReportFacts): Report {
  const stores = [...facts.stores]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => storeReport(s, facts));
  const violations = stores.flatMap((s) => s.violations);
  const cited = new Set<Requirement>();
  for (const s of stores) {
    for (const d of s.decisions) {
      for (const r of d.reasons) {
        cited.add(r.requirement);
      }
    }
    for (const v of s.violations) {
      cited.add(v.requirement);
    }
  }
  const objects = sum(facts.stores.map((s) => s.scan.totalObjects));
  const sealedObjects = sum(facts.stores.map((s) => s.scan.sealedObjects));
  const compliantStores = stores.filter((s) => s.compliant).length;
  const expired = sum(stores.map((s) => s.expiredQualifications.length));
  const attested = stores.some((s) => s.restsOnOperatorAttestation);
  const compliant = violations.length === 0 && facts.audit.ok;
  return {
    format: 'hdh-sovereignty-report',
    version: 1,
    generatedAt: facts.now.toISOString(),
    ...(facts.hub !== undefined ? { hub: facts.hub } : {}),
    summary: {
      compliant,
      stores: stores.length,
      compliantStores,
      violations: violations.length,
      objects,
      bytes: sum(facts.stores.flatMap((s) => s.holdings.map((h) => h.bytes))),
      sealedObjects,
      expiredQualifications: expired,
      restsOnOperatorAttestation: attested,
      statement: summaryStatement(
        compliant,
        stores.length,
        compliantStores,
        violations.length,
        facts.audit.ok,
        attested,
      ),
    },
    keys: { ...pickKeys(facts.keys), statement: keyStatement(facts.keys) },
    audit: { ...facts.audit, statement: auditStatement(facts.audit) },
    stores,
    violations,
    policy: facts.policy,
    requirements: Object.fromEntries([...cited].sort().map((r) => [r, REQUIREMENTS[r]])),
  };
}

function storeReport(store: StoreFacts, facts: ReportFacts): StoreReport {
  const { provider } = store;
  const { policy, now } = facts;
  const holdings = classHoldings(store.holdings);
  const unsealedByClass = unsealedCounts(store, holdings);
  const decisions: ClassDecision[] = [];
  const violations: Violation[] = [];
  for (const h of holdings) {
    if (h.dataClass === 'unclassified' || h.objects === 0) {
      continue;
    }
    const unsealed = unsealedByClass.get(h.dataClass);
    // What is stored is judged by what the scan found, not by how the hub writes today.
    const decision = evaluatePlacement({
      provider,
      dataClass: h.dataClass,
      policy,
      store: { sealed: unsealed === 0, keyHolder: store.sealing.keyHolder },
      now,
    });
    const reasons = decision.reasons.map((r) =>
      r.requirement === 'EHDS Art. 73(1)(b)' && !r.ok
        ? { ...r, message: unsealedMessage(store, h, unsealed) }
        : r,
    );
    decisions.push({ dataClass: h.dataClass, allowed: decision.allowed, reasons });
    for (const r of reasons) {
      if (!r.ok) {
        violations.push(violation(store.name, h, r.requirement, r.message));
      }
    }
  }
  const allowed = allowedClasses(provider, policy, store.sealing, now);
  const unclassified = holdings.find((h) => h.dataClass === 'unclassified');
  if (unclassified !== undefined && unclassified.objects > 0 && allowed.length < DATA_CLASSES.length) {
    const refused = DATA_CLASSES.filter((c) => !allowed.includes(c));
    violations.push(
      violation(
        store.name,
        unclassified,
        'hdh data classes',
        `${unclassified.objects} object(s) carry no data class, so hdh cannot show this store may hold them (it may not hold ${refused.join(', ')}); classify them (e.g. with a class map when migrating)`,
      ),
    );
  }
  const statuses = qualificationStatuses(provider, now);
  const attested = decisions.some((d) => d.reasons.some((r) => r.ok && r.attestation === 'operator'));
  return {
    name: store.name,
    kind: store.kind,
    legacy: store.legacy,
    provider: {
      id: provider.id,
      name: provider.name,
      provider: provider.provider,
      service: provider.service,
      region: provider.region,
      kind: provider.kind,
      origin: store.providerOrigin ?? 'shipped',
      notes: provider.notes ?? [],
    },
    facts: providerFacts(provider),
    residency: residency(provider),
    sovereignty: sovereignty(provider),
    qualifications: statuses,
    expiredQualifications: statuses
      .filter((s) => s.state === 'expired' || s.state === 'not-yet-valid')
      .map((s) => s.summary),
    holdings,
    sealing: {
      writesSealed: store.sealing.sealed,
      keyHolder: store.sealing.keyHolder,
      sealedObjects: store.scan.sealedObjects,
      totalObjects: store.scan.totalObjects,
      sealedShare: store.scan.totalObjects === 0 ? null : store.scan.sealedObjects / store.scan.totalObjects,
    },
    allowedClasses: allowed,
    decisions,
    violations,
    restsOnOperatorAttestation: attested,
    compliant: violations.length === 0,
  };
}

/** Holdings summed by class (sensitivity order, unclassified last), datasets listed under each. */
function classHoldings(rows: readonly StoreHolding[]): ClassHolding[] {
  const byClass = new Map<DataClass | 'unclassified', StoreHolding[]>();
  for (const r of rows) {
    byClass.set(r.dataClass, [...(byClass.get(r.dataClass) ?? []), r]);
  }
  const order = (c: DataClass | 'unclassified') =>
    c === 'unclassified' ? DATA_CLASSES.length : DATA_CLASSES.indexOf(c);
  return [...byClass.entries()]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([dataClass, list]) => {
      const datasets = new Map<string, { objects: number; bytes: number }>();
      for (const r of list) {
        if (r.dataset === undefined) {
          continue;
        }
        const d = datasets.get(r.dataset) ?? { objects: 0, bytes: 0 };
        datasets.set(r.dataset, { objects: d.objects + r.objects, bytes: d.bytes + r.bytes });
      }
      const sealedKnown = list.every((r) => r.sealedObjects !== undefined);
      return {
        dataClass,
        objects: sum(list.map((r) => r.objects)),
        bytes: sum(list.map((r) => r.bytes)),
        ...(sealedKnown ? { sealedObjects: sum(list.map((r) => r.sealedObjects ?? 0)) } : {}),
        datasets: [...datasets.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, d]) => ({ name, objects: d.objects, bytes: d.bytes })),
      };
    });
}

/**
 * Unsealed objects per class: from the per-class scan counts when the hub gave them; otherwise 0
 * for every class when the whole store scanned sealed, and unknown (undefined) when it did not.
 */
function unsealedCounts(
  store: StoreFacts,
  holdings: readonly ClassHolding[],
): Map<DataClass, number | undefined> {
  const storeAllSealed = store.scan.sealedObjects >= store.scan.totalObjects;
  const out = new Map<DataClass, number | undefined>();
  for (const h of holdings) {
    if (h.dataClass === 'unclassified') {
      continue;
    }
    out.set(
      h.dataClass,
      h.sealedObjects !== undefined ? h.objects - h.sealedObjects : storeAllSealed ? 0 : undefined,
    );
  }
  return out;
}

function unsealedMessage(store: StoreFacts, h: ClassHolding, unsealed: number | undefined): string {
  if (unsealed !== undefined) {
    return `the scan found ${unsealed} of ${h.objects} ${h.dataClass} object(s) not sealed by the hub; this data must be sealed before it leaves the hub`;
  }
  const n = store.scan.totalObjects - store.scan.sealedObjects;
  return `the scan found ${n} of ${store.scan.totalObjects} object(s) in this store not sealed (not counted by class), so ${h.dataClass} data cannot be shown sealed`;
}

function violation(store: string, h: ClassHolding, requirement: Requirement, message: string): Violation {
  return {
    store,
    dataClass: h.dataClass,
    objects: h.objects,
    bytes: h.bytes,
    datasets: h.datasets.map((d) => d.name),
    requirement,
    message,
  };
}

function providerFacts(p: ProviderEntry): ProviderFact[] {
  const known = <T>(
    fact: string,
    f: 'unknown' | { value: T; evidence: readonly Evidence[] } | undefined,
    show: (v: T) => string,
  ): ProviderFact =>
    f === undefined || f === 'unknown'
      ? { fact, value: 'unknown', evidence: [] }
      : { fact, value: show(f.value), evidence: f.evidence };
  const facts: ProviderFact[] = [
    known('Legal entity', p.legalEntity, (v) => v),
    known('Headquarters country', p.headquartersCountry, (v) => v),
    known('Control', p.control, (c) =>
      [
        `${c.jurisdiction}: ${c.controller} (${c.controllerCountry})`,
        c.nonEuLargestSharePercent !== undefined
          ? `largest non-EU holding ${c.nonEuLargestSharePercent} %`
          : undefined,
        c.nonEuTotalSharePercent !== undefined
          ? `non-EU holdings ${c.nonEuTotalSharePercent} % together`
          : undefined,
        c.nonEuVeto !== undefined ? (c.nonEuVeto ? 'non-EU veto' : 'no non-EU veto') : undefined,
        c.nonEuBoardMajority !== undefined
          ? c.nonEuBoardMajority
            ? 'non-EU board majority'
            : 'no non-EU board majority'
          : undefined,
        c.notes,
      ]
        .filter((x) => x !== undefined)
        .join('; '),
    ),
    known('Laws with extraterritorial reach', p.extraterritorialLaws, (laws) =>
      laws.length === 0
        ? 'none'
        : laws.map((l) => `${l.name}${l.citation !== undefined ? ` (${l.citation})` : ''}`).join(', '),
    ),
    known('Data-centre countries', p.dataCentreCountries, (c) => c.join(', ')),
  ];
  if (p.jurisdictions !== undefined) {
    facts.push(
      known('Declared jurisdictions', p.jurisdictions, (j) =>
        [
          j.governingLaw !== undefined ? `governing law ${j.governingLaw.join(', ') || 'none'}` : undefined,
          j.subcontractors !== undefined
            ? `subcontractors ${j.subcontractors.join(', ') || 'none'}`
            : undefined,
          j.dataTransfers !== undefined
            ? `data transfers ${j.dataTransfers.join(', ') || 'none'}`
            : undefined,
        ]
          .filter((x) => x !== undefined)
          .join('; '),
      ),
    );
  }
  return facts;
}

function residency(p: ProviderEntry): StoreReport['residency'] {
  const dc = p.dataCentreCountries;
  if (dc === 'unknown') {
    return {
      countries: 'unknown',
      area: 'unknown',
      statement:
        p.kind === 'on-premises'
          ? "The operator's own site: its location rests on the operator's attestation (no country recorded)."
          : 'Data-centre countries are not recorded: residency cannot be shown.',
    };
  }
  const c = dc.value;
  const area = c.every(isEu) ? 'EU' : c.every(isEea) ? 'EEA' : 'outside the EEA';
  const where =
    area === 'EU'
      ? 'inside the EU'
      : area === 'EEA'
        ? 'inside the EEA, partly outside the EU'
        : 'partly outside the EEA';
  return { countries: c, area, statement: `Data centres in ${c.join(', ')}: ${where}.` };
}

function sovereignty(p: ProviderEntry): StoreReport['sovereignty'] {
  const laws =
    p.extraterritorialLaws === 'unknown'
      ? 'unknown'
      : p.extraterritorialLaws.value.map(
          (l) => `${l.name}${l.citation !== undefined ? ` (${l.citation})` : ''}`,
        );
  const lawText =
    laws === 'unknown'
      ? 'exposure to non-EU law is not recorded'
      : laws.length === 0
        ? 'exposed to no law with extraterritorial reach'
        : `exposed to ${laws.join(', ')}`;
  if (p.control === 'unknown') {
    const statement =
      p.kind === 'on-premises'
        ? `Run by the operator on its own site: its control and immunity from non-EU law rest on the operator's attestations${laws === 'unknown' ? '' : `; ${lawText}`}.`
        : `Who controls the provider is not recorded; ${lawText}: sovereignty cannot be shown.`;
    return { control: 'unknown', extraterritorialLaws: laws, statement };
  }
  const c = p.control.value;
  const inside = c.jurisdiction === 'EU' && isEu(c.controllerCountry);
  const residesInEu = p.dataCentreCountries !== 'unknown' && p.dataCentreCountries.value.every(isEu);
  const notSovereign = !inside || (laws !== 'unknown' && laws.length > 0);
  const caveat =
    residesInEu && notSovereign
      ? ' Residency is not sovereignty: the data centres are in the EU, yet non-EU law reaches the provider.'
      : '';
  return {
    control: inside ? 'EU' : 'non-EU',
    controller: c.controller,
    controllerCountry: c.controllerCountry,
    extraterritorialLaws: laws,
    statement: `Controlled by ${c.controller} (${c.controllerCountry}), ${inside ? 'inside' : 'outside'} the EU; ${lawText}.${caveat}`,
  };
}

function pickKeys(k: KeyCustody): KeyCustody {
  return { kind: k.kind, location: k.location, extractable: k.extractable, access: k.access };
}

function keyStatement(k: KeyCustody): string {
  const container =
    k.kind === 'pkcs11'
      ? 'an HSM'
      : k.kind === 'local'
        ? 'a passphrase-sealed keyring file'
        : `a ${k.kind} key provider`;
  return `The master key is held in ${container} (${k.location}); it ${k.extractable ? 'can' : 'cannot'} be read out of it; usable by ${k.access}.`;
}

function auditStatement(a: AuditChainStatus): string {
  return a.ok
    ? `The audit chain verifies: ${a.entries} entr${a.entries === 1 ? 'y' : 'ies'}, none changed, removed or inserted.`
    : `The audit chain is broken at entry ${a.firstBadEntry}: ${a.message}.`;
}

function summaryStatement(
  compliant: boolean,
  stores: number,
  compliantStores: number,
  violations: number,
  auditOk: boolean,
  attested: boolean,
): string {
  const parts = [
    compliant
      ? `All ${stores} store(s) hold only data the policy allows there, and the audit chain verifies.`
      : `${compliantStores} of ${stores} store(s) comply; ${violations} violation(s)${auditOk ? '' : '; the audit chain is broken'}.`,
  ];
  if (attested) {
    parts.push("Some placements rest on the operator's attestations for its own site.");
  }
  return parts.join(' ');
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
