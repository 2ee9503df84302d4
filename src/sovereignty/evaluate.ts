/**
 * Placement evaluation: may this provider hold data of this class, under this policy, in a store
 * that seals (or not) under keys held by the operator (or not), on this day? Pure: the answer
 * depends only on the arguments. It lists every reason, passing and failing, each naming the
 * requirement it comes from; one failing reason refuses the placement.
 *
 * Unknown facts fail (fail closed): what the registry does not establish cannot be shown to an
 * auditor. The operator's own site (`on-premises`) is the exception the issue asks for: facts the
 * operator has not recorded rest on the operator's attestations, and the decision says so; facts it
 * has recorded are checked like any other.
 * @module
 */
import type { ClassRule, Evidence, ProviderEntry } from '../core/index.js';
import { isEu, locationArea } from './countries.js';
import { DATA_CLASSES, type DataClass } from './data-classes.js';
import { SovereigntyErrors } from './errors.js';
import type { Policy } from './policy.js';
import {
  compareVersions,
  gaiaXRank,
  qualificationStatus,
  type QualificationStatus,
} from './qualifications.js';
import type { Requirement } from './requirements.js';

/** How a store keeps objects: sealed by the hub or not, and who holds the sealing keys. */
export interface StoreSealing {
  readonly sealed: boolean;
  readonly keyHolder: 'operator' | 'provider';
}

export interface PlacementInput {
  readonly provider: ProviderEntry;
  readonly dataClass: DataClass;
  readonly policy: Policy;
  readonly store: StoreSealing;
  /** The day the decision is made for: qualifications past their expiry count as absent. */
  readonly now: Date;
}

/** One requirement checked, passing or failing. */
export interface Reason {
  readonly requirement: Requirement;
  readonly ok: boolean;
  readonly message: string;
  /** The evidence the check relied on, when it relied on a recorded fact. */
  readonly evidence?: readonly Evidence[];
  /** Set when the check passed only because the operator attests it for its own site. */
  readonly attestation?: 'operator';
}

export interface PlacementDecision {
  readonly allowed: boolean;
  readonly provider: string;
  readonly dataClass: DataClass;
  /** Every requirement the policy sets for the class, passing and failing. */
  readonly reasons: readonly Reason[];
  /** True when at least one passing reason rests on the operator's attestations. */
  readonly restsOnOperatorAttestation: boolean;
}

/**
 * Decides one placement.
 *
 * @example
 * const d = evaluatePlacement({ provider: registry.get('azure-france-central'), dataClass: 'pseudonymised-health',
 *   policy: DEFAULT_POLICY, store: { sealed: true, keyHolder: 'operator' }, now: new Date() });
 * d.allowed; // false — reasons name SecNumCloud 19.6 (US CLOUD Act) among others
 */
export function evaluatePlacement(input: PlacementInput): PlacementDecision {
  const { provider, dataClass, policy, store, now } = input;
  const rule = policy.classes[dataClass] as ClassRule | undefined;
  const reasons: Reason[] = [];
  if (rule === undefined) {
    // A policy without a rule for a class is a broken policy: refuse rather than allow.
    reasons.push({
      requirement: 'hdh policy',
      ok: false,
      message: `the policy has no rule for class ${dataClass}: placement refused`,
    });
  } else {
    const ctx: Context = { provider, onPremises: provider.kind === 'on-premises', now, dataClass };
    if (rule.operatorSiteOnly === true) {
      reasons.push(checkOperatorSite(ctx));
    }
    if (rule.location !== undefined) {
      reasons.push(...checkLocation(ctx, rule.location, locationRequirement(rule.location)));
    }
    if (rule.control === 'EU') {
      reasons.push(...checkControl(ctx));
    }
    if (rule.extraterritorialLaws === 'none') {
      reasons.push(...checkLaws(ctx));
    }
    if (rule.secNumCloud !== undefined) {
      reasons.push(checkSecNumCloud(ctx, rule.secNumCloud.minVersion));
    }
    if (rule.hds !== undefined) {
      reasons.push(checkHds(ctx, rule.hds.activities));
      if (rule.location !== 'EU' && rule.location !== 'EEA') {
        reasons.push(...checkLocation(ctx, 'EEA', 'HDS EXI 28'));
      } else if (rule.location === 'EU') {
        reasons.push(eeaFromEu(reasons));
      }
    }
    if (rule.iso27001 === true) {
      reasons.push(checkIso27001(ctx));
    }
    if (rule.gaiaX !== undefined) {
      reasons.push(checkGaiaX(ctx, rule.gaiaX.minLevel));
    }
    if (rule.sealed === true) {
      reasons.push(checkSealed(store, dataClass));
    }
    if (rule.keyHolder === 'operator') {
      reasons.push(checkKeyHolder(store, dataClass));
    }
    if (reasons.length === 0) {
      reasons.push({
        requirement: 'hdh policy',
        ok: true,
        message: `the policy sets no requirement for ${dataClass} data`,
      });
    }
  }
  return {
    allowed: reasons.every((r) => r.ok),
    provider: provider.id,
    dataClass,
    reasons,
    restsOnOperatorAttestation: reasons.some((r) => r.ok && r.attestation === 'operator'),
  };
}

/** The classes a store at `provider` may hold, from the least to the most sensitive. */
export function allowedClasses(
  provider: ProviderEntry,
  policy: Policy,
  store: StoreSealing,
  now: Date,
): DataClass[] {
  return DATA_CLASSES.filter(
    (dataClass) => evaluatePlacement({ provider, dataClass, policy, store, now }).allowed,
  );
}

/**
 * Throws SOVEREIGNTY_PLACEMENT_REFUSED (403) when `decision` refuses, with the failing reasons in the
 * message and every reason in `details.reasons`; the guard the hub wraps around stores calls it
 * before a byte is written.
 */
export function assertPlacementAllowed(
  decision: PlacementDecision,
  target: { store: string; key?: string },
): void {
  if (decision.allowed) {
    return;
  }
  const failing = decision.reasons.filter((r) => !r.ok);
  throw SovereigntyErrors.SOVEREIGNTY_PLACEMENT_REFUSED(
    `store ${target.store} (provider ${decision.provider}) may not hold ${decision.dataClass} data${target.key !== undefined ? ` (object ${target.key})` : ''}: ${failing.map((r) => `[${r.requirement}] ${r.message}`).join('; ')}`,
    {
      details: {
        store: target.store,
        ...(target.key !== undefined ? { key: target.key } : {}),
        provider: decision.provider,
        dataClass: decision.dataClass,
        reasons: decision.reasons,
      },
    },
  );
}

interface Context {
  readonly provider: ProviderEntry;
  readonly onPremises: boolean;
  readonly now: Date;
  readonly dataClass: DataClass;
}

const ATTESTED = "rests on the operator's attestation for its own site";

function locationRequirement(rule: ClassRule['location']): Requirement {
  if (rule === 'EU') {
    return 'SecNumCloud 19.2';
  }
  if (rule === 'EEA') {
    return 'HDS EXI 28';
  }
  return 'hdh policy';
}

function checkOperatorSite(ctx: Context): Reason {
  return ctx.onPremises
    ? {
        requirement: 'SecNumCloud 3.3.2',
        ok: true,
        message: `${ctx.dataClass} stays on the operator's own site (${ctx.provider.id}), outside any provider`,
      }
    : {
        requirement: 'SecNumCloud 3.3.2',
        ok: false,
        message: `${ctx.dataClass} must stay on the operator's own site, outside any provider; ${ctx.provider.id} is a cloud provider (${ctx.provider.provider})`,
      };
}

function checkLocation(
  ctx: Context,
  rule: NonNullable<ClassRule['location']>,
  requirement: Requirement,
): Reason[] {
  const area = locationArea(rule);
  const countries = ctx.provider.dataCentreCountries;
  const reasons: Reason[] = [];
  if (countries === 'unknown') {
    reasons.push(
      ctx.onPremises
        ? {
            requirement,
            ok: true,
            message: `data-centre location inside ${area.label} ${ATTESTED} (no country recorded)`,
            attestation: 'operator',
          }
        : {
            requirement,
            ok: false,
            message: `data-centre countries of ${ctx.provider.id} are not recorded, so location inside ${area.label} cannot be shown (record them under sovereignty.providers.${ctx.provider.id}.dataCentreCountries)`,
          },
    );
  } else {
    const outside = countries.value.filter((c) => !area.countries.has(c));
    reasons.push({
      requirement,
      ok: outside.length === 0,
      message:
        outside.length === 0
          ? `data centres in ${countries.value.join(', ')}: inside ${area.label}`
          : `data centres in ${outside.join(', ')}: outside ${area.label}`,
      evidence: countries.evidence,
    });
  }
  const j = ctx.provider.jurisdictions;
  if (j !== undefined && j !== 'unknown' && j.value.dataTransfers !== undefined) {
    const outside = j.value.dataTransfers.filter((c) => !area.countries.has(c));
    reasons.push({
      requirement,
      ok: outside.length === 0,
      message:
        outside.length === 0
          ? `declared data transfers stay inside ${area.label} (${j.value.dataTransfers.join(', ') || 'none'})`
          : `declared data transfers to ${outside.join(', ')}: outside ${area.label}`,
      evidence: j.evidence,
    });
  }
  return reasons;
}

/** HDS EXI 28 asks for the EEA; an EU location rule already checked it more strictly. */
function eeaFromEu(reasons: readonly Reason[]): Reason {
  const eu = reasons.filter((r) => r.requirement === 'SecNumCloud 19.2');
  const ok = eu.length > 0 && eu.every((r) => r.ok);
  const attested = eu.some((r) => r.attestation === 'operator');
  return {
    requirement: 'HDS EXI 28',
    ok,
    message: ok
      ? `inside the EEA, since the EU location requirement holds${attested ? ` (which ${ATTESTED})` : ''}`
      : 'location inside the EEA is not shown (see SecNumCloud 19.2)',
    ...(attested ? { attestation: 'operator' as const } : {}),
  };
}

function checkControl(ctx: Context): Reason[] {
  const { provider } = ctx;
  const reasons: Reason[] = [];
  const hq = provider.headquartersCountry;
  if (hq === 'unknown') {
    reasons.push(
      ctx.onPremises
        ? {
            requirement: 'SecNumCloud 19.6.a',
            ok: true,
            message: `the operator's seat in the EU ${ATTESTED}`,
            attestation: 'operator',
          }
        : {
            requirement: 'SecNumCloud 19.6.a',
            ok: false,
            message: `the headquarters country of ${provider.id} is not recorded, so a seat in the EU cannot be shown`,
          },
    );
  } else {
    reasons.push({
      requirement: 'SecNumCloud 19.6.a',
      ok: isEu(hq.value),
      message: isEu(hq.value)
        ? `headquartered in ${hq.value}, inside the EU`
        : `headquartered in ${hq.value}, outside the EU`,
      evidence: hq.evidence,
    });
  }
  const control = provider.control;
  if (control === 'unknown') {
    reasons.push(
      ctx.onPremises
        ? {
            requirement: 'SecNumCloud 19.6.b',
            ok: true,
            message: `control of the site by the operator ${ATTESTED}`,
            attestation: 'operator',
          }
        : {
            requirement: 'SecNumCloud 19.6.b',
            ok: false,
            message: `who controls ${provider.id} is not recorded, so EU control within the 19.6 caps cannot be shown`,
          },
    );
    return reasons;
  }
  const c = control.value;
  const failures: string[] = [];
  if (c.jurisdiction !== 'EU' || !isEu(c.controllerCountry)) {
    failures.push(`controlled by ${c.controller} (${c.controllerCountry}), outside the EU`);
  }
  if (c.nonEuLargestSharePercent !== undefined && c.nonEuLargestSharePercent > 24) {
    failures.push(`one non-EU entity holds ${c.nonEuLargestSharePercent} % (cap 24 %)`);
  }
  if (c.nonEuTotalSharePercent !== undefined && c.nonEuTotalSharePercent > 39) {
    failures.push(`non-EU entities hold ${c.nonEuTotalSharePercent} % together (cap 39 %)`);
  }
  if (c.nonEuVeto === true) {
    failures.push('a non-EU entity holds a veto');
  }
  if (c.nonEuBoardMajority === true) {
    failures.push('a non-EU entity can appoint a board majority');
  }
  if (failures.length > 0) {
    reasons.push({
      requirement: 'SecNumCloud 19.6.b',
      ok: false,
      message: failures.join('; '),
      evidence: control.evidence,
    });
    return reasons;
  }
  const capsRecorded =
    c.nonEuLargestSharePercent !== undefined &&
    c.nonEuTotalSharePercent !== undefined &&
    c.nonEuVeto !== undefined &&
    c.nonEuBoardMajority !== undefined;
  if (capsRecorded) {
    reasons.push({
      requirement: 'SecNumCloud 19.6.b',
      ok: true,
      message: `controlled by ${c.controller} (${c.controllerCountry}); non-EU holdings ${c.nonEuLargestSharePercent} % individually, ${c.nonEuTotalSharePercent} % together, no veto, no board majority`,
      evidence: control.evidence,
    });
    return reasons;
  }
  if (ctx.onPremises) {
    reasons.push({
      requirement: 'SecNumCloud 19.6.b',
      ok: true,
      message: `controlled by ${c.controller} (${c.controllerCountry}); ownership caps ${ATTESTED}`,
      evidence: control.evidence,
      attestation: 'operator',
    });
    return reasons;
  }
  // ANSSI checks the 19.6 ownership caps before qualifying: a current qualification vouches for
  // holdings the registry does not list.
  const snc = qualificationStatus(provider, 'secNumCloud', ctx.now);
  reasons.push(
    snc.state === 'current'
      ? {
          requirement: 'SecNumCloud 19.6.b',
          ok: true,
          message: `controlled by ${c.controller} (${c.controllerCountry}); non-EU holdings not recorded, vouched for by the current qualification (${snc.summary})`,
          evidence: [...control.evidence, ...snc.evidence],
        }
      : {
          requirement: 'SecNumCloud 19.6.b',
          ok: false,
          message: `controlled by ${c.controller} (${c.controllerCountry}), but non-EU holdings, veto and board rights are not recorded and no current SecNumCloud qualification vouches for them`,
          evidence: control.evidence,
        },
  );
  return reasons;
}

function checkLaws(ctx: Context): Reason[] {
  const { provider } = ctx;
  const reasons: Reason[] = [];
  const laws = provider.extraterritorialLaws;
  if (laws === 'unknown') {
    reasons.push(
      ctx.onPremises
        ? {
            requirement: 'SecNumCloud 19.6',
            ok: true,
            message: `immunity of the operator's site from non-EU law ${ATTESTED}`,
            attestation: 'operator',
          }
        : {
            requirement: 'SecNumCloud 19.6',
            ok: false,
            message: `exposure of ${provider.id} to non-EU law is not recorded, so immunity cannot be shown`,
          },
    );
  } else if (laws.value.length > 0) {
    reasons.push({
      requirement: 'SecNumCloud 19.6',
      ok: false,
      message: `exposed to ${laws.value.map((l) => `${l.name}${l.citation !== undefined ? ` (${l.citation})` : ''}`).join(', ')}: a non-EU authority can compel access to the data wherever it is stored`,
      evidence: laws.evidence,
    });
  } else {
    reasons.push({
      requirement: 'SecNumCloud 19.6',
      ok: true,
      message: 'exposed to no law with extraterritorial reach',
      evidence: laws.evidence,
    });
  }
  const j = provider.jurisdictions;
  if (j !== undefined && j !== 'unknown' && j.value.subcontractors !== undefined) {
    const outside = j.value.subcontractors.filter((c) => !isEu(c));
    reasons.push({
      requirement: 'SecNumCloud 19.6.c',
      ok: outside.length === 0,
      message:
        outside.length === 0
          ? `declared subcontractors under EU jurisdictions (${j.value.subcontractors.join(', ') || 'none'})`
          : `declared subcontractors under ${outside.join(', ')} jurisdiction, outside the EU`,
      evidence: j.evidence,
    });
  }
  return reasons;
}

function notApplicableOnSite(
  ctx: Context,
  requirement: Requirement,
  status: QualificationStatus,
  why: string,
): Reason {
  return {
    requirement,
    ok: true,
    message: `${why}; ${ATTESTED}${status.state === 'unknown' ? '' : ` (recorded: ${status.summary})`}`,
    attestation: 'operator',
    ...(status.evidence.length > 0 ? { evidence: status.evidence } : {}),
  };
}

function checkSecNumCloud(ctx: Context, minVersion: string): Reason {
  const status = qualificationStatus(ctx.provider, 'secNumCloud', ctx.now);
  const requirement = 'SecNumCloud qualification';
  if (ctx.onPremises && status.state !== 'current') {
    return notApplicableOnSite(
      ctx,
      requirement,
      status,
      'SecNumCloud qualifies cloud providers, not the operator running its own site',
    );
  }
  const q = ctx.provider.qualifications.secNumCloud;
  if (status.state === 'current' && q !== 'unknown' && q.status === 'held') {
    const enough = compareVersions(q.version, minVersion) >= 0;
    return {
      requirement,
      ok: enough,
      message: enough
        ? `${status.summary} (≥ ${minVersion} required)`
        : `${status.summary}: version below the required ${minVersion}`,
      evidence: status.evidence,
    };
  }
  return {
    requirement,
    ok: false,
    message: absentMessage(status, `SecNumCloud ≥ ${minVersion}`),
    ...evidenceOf(status),
  };
}

function checkHds(ctx: Context, activities: readonly number[]): Reason {
  const status = qualificationStatus(ctx.provider, 'hds', ctx.now);
  const requirement = 'HDS certification';
  const wanted = [...activities].sort((a, b) => a - b);
  if (ctx.onPremises && status.state !== 'current') {
    return notApplicableOnSite(
      ctx,
      requirement,
      status,
      'HDS certification is not required of an operator hosting its own information system (CSP art. L.1111-8 covers hosting on behalf of others)',
    );
  }
  const q = ctx.provider.qualifications.hds;
  if (status.state === 'current' && q !== 'unknown' && q.status === 'held') {
    const missing = wanted.filter((a) => !q.activities.includes(a));
    return {
      requirement,
      ok: missing.length === 0,
      message:
        missing.length === 0
          ? `${status.summary} (activities ${wanted.join(', ')} required)`
          : `${status.summary}: activities ${missing.join(', ')} not covered (${wanted.join(', ')} required)`,
      evidence: status.evidence,
    };
  }
  return {
    requirement,
    ok: false,
    message: absentMessage(status, `an HDS certificate for activities ${wanted.join(', ')}`),
    ...evidenceOf(status),
  };
}

function checkIso27001(ctx: Context): Reason {
  const status = qualificationStatus(ctx.provider, 'iso27001', ctx.now);
  if (ctx.onPremises && status.state !== 'current') {
    return notApplicableOnSite(
      ctx,
      'ISO/IEC 27001',
      status,
      "the operator's own security management covers its site",
    );
  }
  return status.state === 'current'
    ? { requirement: 'ISO/IEC 27001', ok: true, message: status.summary, evidence: status.evidence }
    : {
        requirement: 'ISO/IEC 27001',
        ok: false,
        message: absentMessage(status, 'an ISO/IEC 27001 certificate'),
        ...evidenceOf(status),
      };
}

function checkGaiaX(ctx: Context, minLevel: NonNullable<ClassRule['gaiaX']>['minLevel']): Reason {
  const status = qualificationStatus(ctx.provider, 'gaiaX', ctx.now);
  if (ctx.onPremises && status.state !== 'current') {
    return notApplicableOnSite(
      ctx,
      'Gaia-X label',
      status,
      'Gaia-X labels describe provider offerings, not the operator’s own site',
    );
  }
  const q = ctx.provider.qualifications.gaiaX;
  if (status.state === 'current' && q !== 'unknown' && q.status === 'held') {
    const enough = gaiaXRank(q.level) >= gaiaXRank(minLevel);
    return {
      requirement: 'Gaia-X label',
      ok: enough,
      message: enough
        ? `${status.summary} (≥ ${minLevel} required)`
        : `${status.summary}: below the required ${minLevel}`,
      evidence: status.evidence,
    };
  }
  return {
    requirement: 'Gaia-X label',
    ok: false,
    message: absentMessage(status, `a Gaia-X label ≥ ${minLevel}`),
    ...evidenceOf(status),
  };
}

function checkSealed(store: StoreSealing, dataClass: DataClass): Reason {
  return store.sealed
    ? {
        requirement: 'EHDS Art. 73(1)(b)',
        ok: true,
        message: 'objects are sealed by the hub before they leave it',
      }
    : {
        requirement: 'EHDS Art. 73(1)(b)',
        ok: false,
        message: `the store does not seal objects, and ${dataClass} data must be sealed before it leaves the hub`,
      };
}

function checkKeyHolder(store: StoreSealing, dataClass: DataClass): Reason {
  return store.keyHolder === 'operator'
    ? {
        requirement: 'SecNumCloud 3.3.2',
        ok: true,
        message: 'sealing keys are held by the operator, outside the provider',
      }
    : {
        requirement: 'SecNumCloud 3.3.2',
        ok: false,
        message: `sealing keys are held by the provider, and ${dataClass} data needs keys held by the operator`,
      };
}

function absentMessage(status: QualificationStatus, wanted: string): string {
  switch (status.state) {
    case 'unknown':
      return `${wanted} required; none is recorded`;
    case 'not-held':
      return `${wanted} required; the provider does not hold it`;
    case 'expired':
    case 'not-yet-valid':
      return `${wanted} required; ${status.summary}`;
    case 'current':
      return `${wanted} required; ${status.summary}`;
  }
}

function evidenceOf(status: QualificationStatus): { evidence?: readonly Evidence[] } {
  return status.evidence.length > 0 ? { evidence: status.evidence } : {};
}
