import { describe, expect, it } from 'vitest';
import { isHdhError } from '../core/index.js';
import { DATA_CLASSES, sensitivity, type DataClass } from './data-classes.js';
import {
  allowedClasses,
  assertPlacementAllowed,
  evaluatePlacement,
  type PlacementDecision,
  type StoreSealing,
} from './evaluate.js';
import { DEFAULT_POLICY, resolvePolicy, type Policy } from './policy.js';
import { buildRegistry, shippedProviders } from './registry/registry.js';
import { formatDecision } from './decision-text.js';
import { REQUIREMENTS } from './requirements.js';
import { qualifiedEntry, qualifiedOverride, testEvidence } from './testing/fixtures.js';

const SEALED: StoreSealing = { sealed: true, keyHolder: 'operator' };
const NOW = new Date('2026-12-01T12:00:00Z');
const HEALTH: readonly DataClass[] = ['pseudonymised-health', 'identifying-health'];

function decide(
  provider: Parameters<typeof evaluatePlacement>[0]['provider'],
  dataClass: DataClass,
  options: { store?: StoreSealing; now?: Date; policy?: Policy } = {},
): PlacementDecision {
  return evaluatePlacement({
    provider,
    dataClass,
    policy: options.policy ?? DEFAULT_POLICY,
    store: options.store ?? SEALED,
    now: options.now ?? NOW,
  });
}

function failing(d: PlacementDecision) {
  return d.reasons.filter((r) => !r.ok);
}

describe('every shipped provider × every class, default policy, sealed store with operator keys', () => {
  const registry = buildRegistry();
  for (const provider of shippedProviders()) {
    for (const dataClass of DATA_CLASSES) {
      it(`${provider.id} × ${dataClass}`, () => {
        const d = decide(registry.get(provider.id), dataClass);
        expect(d.reasons.length).toBeGreaterThan(0);
        for (const r of d.reasons) {
          expect(REQUIREMENTS[r.requirement]).toBeDefined();
          expect(r.message.length).toBeGreaterThan(10);
        }
        expect(d.allowed).toBe(d.reasons.every((r) => r.ok));
        if (provider.kind === 'on-premises') {
          // The operator's own site holds everything under the default policy, on its attestations.
          expect(d.allowed).toBe(true);
          if (HEALTH.includes(dataClass)) {
            expect(d.restsOnOperatorAttestation).toBe(true);
          }
        } else if (dataClass === 'public' || dataClass === 'anonymous-aggregate') {
          expect(d.allowed).toBe(true);
        } else {
          // No shipped cloud entry records current SecNumCloud + HDS qualifications: health data and
          // key material are refused, never allowed on unproven facts.
          expect(d.allowed).toBe(false);
          expect(failing(d).length).toBeGreaterThan(0);
        }
      });
    }
  }
});

describe('Azure France Central', () => {
  const azure = buildRegistry().get('azure-france-central');

  it('is refused for pseudonymised health data: residency passes, sovereignty fails on the CLOUD Act and SecNumCloud 19.6', () => {
    const d = decide(azure, 'pseudonymised-health');
    expect(d.allowed).toBe(false);
    const byRequirement = new Map(d.reasons.map((r) => [r.requirement, r]));
    expect(byRequirement.get('SecNumCloud 19.2')).toMatchObject({ ok: true });
    expect(byRequirement.get('SecNumCloud 19.2')!.message).toContain('FR');
    expect(byRequirement.get('SecNumCloud 19.6')).toMatchObject({ ok: false });
    expect(byRequirement.get('SecNumCloud 19.6')!.message).toContain('US CLOUD Act');
    expect(byRequirement.get('SecNumCloud 19.6')!.evidence!.length).toBeGreaterThan(0);
    expect(byRequirement.get('SecNumCloud 19.6.a')).toMatchObject({ ok: false });
    expect(byRequirement.get('SecNumCloud 19.6.b')!.message).toContain('Microsoft Corporation (US)');
    expect(byRequirement.get('SecNumCloud qualification')).toMatchObject({ ok: false });
    expect(byRequirement.get('HDS certification')).toMatchObject({ ok: false });
  });

  it('stays refused even with every qualification recorded current: qualifications do not lift foreign control', () => {
    const registry = buildRegistry({
      'azure-france-central': { qualifications: qualifiedOverride().qualifications! },
    });
    const d = decide(registry.get('azure-france-central'), 'identifying-health');
    expect(d.allowed).toBe(false);
    expect(
      failing(d)
        .map((r) => r.requirement)
        .sort(),
    ).toEqual(['SecNumCloud 19.6', 'SecNumCloud 19.6.a', 'SecNumCloud 19.6.b']);
  });
});

describe('OVHcloud with its qualifications recorded by the operator', () => {
  const registry = buildRegistry({
    ovhcloud: { ...qualifiedOverride({ issued: '2025-01-01', expires: '2027-06-30' }) },
  });
  const ovh = registry.get('ovhcloud');

  it('may hold every class but key material while the qualifications are current', () => {
    expect(allowedClasses(ovh, DEFAULT_POLICY, SEALED, NOW)).toEqual([
      'public',
      'anonymous-aggregate',
      'pseudonymised-health',
      'identifying-health',
    ]);
    const d = decide(ovh, 'pseudonymised-health');
    expect(d.allowed).toBe(true);
    expect(d.restsOnOperatorAttestation).toBe(false);
    expect(d.reasons.map((r) => r.requirement)).toEqual([
      'SecNumCloud 19.2',
      'SecNumCloud 19.6.a',
      'SecNumCloud 19.6.b',
      'SecNumCloud 19.6',
      'SecNumCloud qualification',
      'HDS certification',
      'HDS EXI 28',
      'EHDS Art. 73(1)(b)',
      'SecNumCloud 3.3.2',
    ]);
  });

  it('counts a qualification past its expiry as absent, and says so', () => {
    const later = new Date('2027-07-01T00:00:00Z');
    const d = decide(ovh, 'pseudonymised-health', { now: later });
    expect(d.allowed).toBe(false);
    const snc = d.reasons.find((r) => r.requirement === 'SecNumCloud qualification')!;
    expect(snc.ok).toBe(false);
    expect(snc.message).toContain('expired on 2027-06-30');
    expect(snc.message).toContain('counts as absent');
    expect(d.reasons.find((r) => r.requirement === 'HDS certification')!.message).toContain(
      'expired on 2027-06-30',
    );
  });

  it('still counts the qualification on its last day of validity', () => {
    expect(decide(ovh, 'pseudonymised-health', { now: new Date('2027-06-30T23:59:59Z') }).allowed).toBe(true);
  });

  it('counts a qualification that is not yet valid as absent', () => {
    const d = decide(ovh, 'pseudonymised-health', { now: new Date('2024-12-31T00:00:00Z') });
    expect(d.allowed).toBe(false);
    expect(failing(d).find((r) => r.requirement === 'SecNumCloud qualification')!.message).toContain(
      'valid only from 2025-01-01',
    );
  });

  it('refuses health data in a store that does not seal, or whose keys the provider holds', () => {
    const unsealed = decide(ovh, 'identifying-health', { store: { sealed: false, keyHolder: 'operator' } });
    expect(failing(unsealed).map((r) => r.requirement)).toEqual(['EHDS Art. 73(1)(b)']);
    const providerKeys = decide(ovh, 'identifying-health', {
      store: { sealed: true, keyHolder: 'provider' },
    });
    expect(failing(providerKeys).map((r) => r.requirement)).toEqual(['SecNumCloud 3.3.2']);
    expect(decide(ovh, 'public', { store: { sealed: false, keyHolder: 'provider' } }).allowed).toBe(true);
  });

  it('never holds key material, however qualified: keys stay outside any provider', () => {
    const d = decide(ovh, 'key-material');
    expect(d.allowed).toBe(false);
    expect(failing(d)).toEqual([expect.objectContaining({ requirement: 'SecNumCloud 3.3.2' })]);
  });
});

describe('requirement by requirement', () => {
  it('refuses a SecNumCloud version below the policy minimum', () => {
    const p = qualifiedEntry('old', {
      qualifications: {
        ...qualifiedEntry().qualifications,
        secNumCloud: {
          status: 'held',
          version: '3.1',
          scope: 'IaaS',
          issued: '2025-01-01',
          expires: '2027-12-31',
          evidence: testEvidence(),
        },
      },
    });
    const r = failing(decide(p, 'pseudonymised-health'));
    expect(r).toEqual([expect.objectContaining({ requirement: 'SecNumCloud qualification' })]);
    expect(r[0]!.message).toContain('below the required 3.2');
  });

  it('refuses an HDS certificate missing a required activity, naming it', () => {
    const p = qualifiedEntry('partial', {
      qualifications: {
        ...qualifiedEntry().qualifications,
        hds: {
          status: 'held',
          activities: [1, 2, 3],
          issued: '2025-01-01',
          expires: '2027-12-31',
          evidence: testEvidence(),
        },
      },
    });
    const r = failing(decide(p, 'pseudonymised-health'));
    expect(r).toEqual([expect.objectContaining({ requirement: 'HDS certification' })]);
    expect(r[0]!.message).toContain('activities 4 not covered');
  });

  it('applies the SecNumCloud 19.6 ownership caps', () => {
    const over = qualifiedEntry('owned', {
      control: {
        value: {
          jurisdiction: 'EU',
          controller: 'Holding SA',
          controllerCountry: 'FR',
          nonEuLargestSharePercent: 25,
          nonEuTotalSharePercent: 40,
          nonEuVeto: true,
          nonEuBoardMajority: false,
        },
        evidence: testEvidence(),
      },
    });
    const r = failing(decide(over, 'identifying-health'));
    expect(r.map((x) => x.requirement)).toEqual(['SecNumCloud 19.6.b']);
    expect(r[0]!.message).toContain('25 % (cap 24 %)');
    expect(r[0]!.message).toContain('40 % together (cap 39 %)');
    expect(r[0]!.message).toContain('veto');
  });

  it('lets a current SecNumCloud qualification vouch for unrecorded holdings, and not otherwise', () => {
    const unrecorded = qualifiedEntry('vouched', {
      control: {
        value: { jurisdiction: 'EU', controller: 'Example SAS', controllerCountry: 'FR' },
        evidence: testEvidence(),
      },
    });
    const ok = decide(unrecorded, 'pseudonymised-health').reasons.find(
      (r) => r.requirement === 'SecNumCloud 19.6.b',
    )!;
    expect(ok.ok).toBe(true);
    expect(ok.message).toContain('vouched for by the current qualification');
    const expired = decide(unrecorded, 'pseudonymised-health', { now: new Date('2028-01-01T00:00:00Z') });
    expect(expired.reasons.find((r) => r.requirement === 'SecNumCloud 19.6.b')!.ok).toBe(false);
  });

  it('refuses a provider whose data centres include a country outside the EU', () => {
    const p = qualifiedEntry('split', {
      dataCentreCountries: { value: ['FR', 'CH'], evidence: testEvidence() },
    });
    const r = failing(decide(p, 'pseudonymised-health'));
    expect(r.map((x) => x.requirement)).toEqual(['SecNumCloud 19.2', 'HDS EXI 28']);
    expect(r[0]!.message).toContain('CH: outside the EU');
  });

  it('uses declared jurisdictions: non-EU subcontractors fail 19.6.c, third-country transfers fail the location rule', () => {
    const p = qualifiedEntry('declared', {
      jurisdictions: {
        value: { subcontractors: ['FR', 'US'], dataTransfers: ['IN'] },
        evidence: testEvidence(),
      },
    });
    const r = failing(decide(p, 'pseudonymised-health'));
    expect(r.map((x) => x.requirement).sort()).toEqual(
      ['HDS EXI 28', 'SecNumCloud 19.2', 'SecNumCloud 19.6.c'].sort(),
    );
    expect(r.find((x) => x.requirement === 'SecNumCloud 19.6.c')!.message).toContain('US');
  });

  it('fails closed on unknown facts and says what to record', () => {
    const r = failing(decide(buildRegistry().get('scaleway'), 'pseudonymised-health'));
    expect(r.map((x) => x.requirement)).toEqual(
      expect.arrayContaining([
        'SecNumCloud 19.2',
        'SecNumCloud 19.6.a',
        'SecNumCloud 19.6.b',
        'SecNumCloud 19.6',
        'SecNumCloud qualification',
        'HDS certification',
      ]),
    );
    expect(r[0]!.message).toContain('sovereignty.providers.scaleway.dataCentreCountries');
  });

  it('checks Gaia-X and ISO 27001 when a policy asks for them', () => {
    const policy = resolvePolicy({
      classes: { 'anonymous-aggregate': { gaiaX: { minLevel: 'level-2' }, iso27001: true } },
    });
    const p = qualifiedEntry();
    const d = decide(p, 'anonymous-aggregate', { policy });
    expect(failing(d).map((r) => r.requirement)).toEqual(['Gaia-X label']);
    const labelled = qualifiedEntry('labelled', {
      qualifications: {
        ...p.qualifications,
        gaiaX: {
          status: 'held',
          level: 'level-3',
          issued: '2026-01-01',
          expires: '2027-01-01',
          evidence: testEvidence(),
        },
      },
    });
    expect(decide(labelled, 'anonymous-aggregate', { policy }).allowed).toBe(true);
  });

  it('refuses a class the policy has no rule for, rather than allow it', () => {
    const broken = { classes: { ...DEFAULT_POLICY.classes, public: undefined } } as unknown as Policy;
    const d = decide(qualifiedEntry(), 'public', { policy: broken });
    expect(d.allowed).toBe(false);
    expect(d.reasons[0]).toMatchObject({ requirement: 'hdh policy', ok: false });
  });
});

describe('the operator site', () => {
  it('rests on the operator’s attestations where it records nothing, and says so in each reason', () => {
    const site = buildRegistry().get('on-premises');
    const d = decide(site, 'identifying-health');
    expect(d.allowed).toBe(true);
    expect(d.restsOnOperatorAttestation).toBe(true);
    const attested = d.reasons.filter((r) => r.attestation === 'operator');
    expect(attested.map((r) => r.requirement)).toEqual(
      expect.arrayContaining([
        'SecNumCloud 19.2',
        'SecNumCloud 19.6',
        'SecNumCloud qualification',
        'HDS certification',
      ]),
    );
    for (const r of attested) {
      expect(r.message).toContain("operator's attestation");
    }
  });

  it('enforces what the operator has recorded: a site outside the EU is refused health data', () => {
    const registry = buildRegistry({
      'on-premises': {
        dataCentreCountries: { value: ['US'], evidence: testEvidence('operator attestation') },
      },
    });
    const d = decide(registry.get('on-premises'), 'pseudonymised-health');
    expect(d.allowed).toBe(false);
    expect(failing(d).map((r) => r.requirement)).toEqual(['SecNumCloud 19.2', 'HDS EXI 28']);
  });

  it('still requires sealing under operator keys', () => {
    const site = buildRegistry().get('on-premises');
    expect(decide(site, 'key-material', { store: { sealed: false, keyHolder: 'operator' } }).allowed).toBe(
      false,
    );
  });
});

describe('allowedClasses and the guard error', () => {
  it('lists the classes a store may hold from the least to the most sensitive', () => {
    const classes = allowedClasses(buildRegistry().get('on-premises'), DEFAULT_POLICY, SEALED, NOW);
    expect(classes).toEqual([...DATA_CLASSES]);
    expect(classes.map(sensitivity)).toEqual([0, 1, 2, 3, 4]);
    expect(allowedClasses(buildRegistry().get('aws-eu-west-3'), DEFAULT_POLICY, SEALED, NOW)).toEqual([
      'public',
      'anonymous-aggregate',
    ]);
  });

  it('throws SOVEREIGNTY_PLACEMENT_REFUSED (403) with every reason in its details', () => {
    const d = decide(buildRegistry().get('azure-france-central'), 'pseudonymised-health');
    let thrown: unknown;
    try {
      assertPlacementAllowed(d, { store: 'azure', key: 'cohort/part-0001.parquet' });
    } catch (err) {
      thrown = err;
    }
    expect(isHdhError(thrown, 'SOVEREIGNTY_PLACEMENT_REFUSED')).toBe(true);
    const err = thrown as { status: number; message: string; details: { reasons: unknown[] } };
    expect(err.status).toBe(403);
    expect(err.message).toContain(
      'store azure (provider azure-france-central) may not hold pseudonymised-health data',
    );
    expect(err.message).toContain('[SecNumCloud 19.6]');
    expect(err.details.reasons).toEqual(d.reasons);
    expect(() => {
      assertPlacementAllowed(decide(buildRegistry().get('azure-france-central'), 'public'), {
        store: 'azure',
      });
    }).not.toThrow();
  });
});

describe('formatDecision', () => {
  it('prints the decision and every reason, one per line', () => {
    const d = decide(buildRegistry().get('azure-france-central'), 'pseudonymised-health');
    const text = formatDecision(d, { store: 'azure-old' });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'store azure-old (provider azure-france-central) may not hold pseudonymised-health',
    );
    expect(lines).toHaveLength(d.reasons.length + 1);
    expect(lines).toContain('  ✔ [SecNumCloud 19.2] data centres in FR: inside the EU');
    expect(text).toContain('  ✘ [SecNumCloud 19.6] exposed to US CLOUD Act (18 U.S.C. § 2713)');
    const site = formatDecision(decide(buildRegistry().get('on-premises'), 'identifying-health'), {
      store: 'local',
    });
    expect(site.split('\n').at(-1)).toBe(
      "  This decision rests on the operator's attestations for its own site.",
    );
  });
});
