import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, resolvePolicy } from '../policy.js';
import { buildRegistry, type ProviderRegistry } from '../registry/registry.js';
import { qualifiedOverride } from '../testing/fixtures.js';
import { buildReport, type ReportFacts, type StoreFacts } from './report.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function registry(): ProviderRegistry {
  return buildRegistry({ ovhcloud: qualifiedOverride({ issued: '2025-01-01', expires: '2027-06-30' }) });
}

function localStore(r: ProviderRegistry): StoreFacts {
  return {
    name: 'local',
    kind: 'fs',
    provider: r.get('on-premises'),
    legacy: false,
    sealing: { sealed: true, keyHolder: 'operator' },
    holdings: [
      { dataClass: 'key-material', objects: 2, bytes: 400, sealedObjects: 2 },
      { dataClass: 'identifying-health', dataset: 'cohort-a', objects: 10, bytes: 10_000, sealedObjects: 10 },
    ],
    scan: { sealedObjects: 12, totalObjects: 12 },
  };
}

function ovhStore(r: ProviderRegistry): StoreFacts {
  return {
    name: 'ovh',
    kind: 's3',
    provider: r.get('ovhcloud'),
    providerOrigin: r.origin('ovhcloud'),
    legacy: false,
    sealing: { sealed: true, keyHolder: 'operator' },
    holdings: [
      { dataClass: 'pseudonymised-health', dataset: 'snds-2024', objects: 100, bytes: 5_000_000 },
      { dataClass: 'pseudonymised-health', dataset: 'snds-2025', objects: 50, bytes: 2_000_000 },
      { dataClass: 'public', dataset: 'catalogue', objects: 3, bytes: 900 },
    ],
    scan: { sealedObjects: 153, totalObjects: 153 },
  };
}

function azureLegacy(r: ProviderRegistry): StoreFacts {
  return {
    name: 'old-platform',
    kind: 'azure-blob',
    provider: r.get('azure-france-central'),
    legacy: true,
    sealing: { sealed: false, keyHolder: 'provider' },
    holdings: [
      { dataClass: 'pseudonymised-health', dataset: 'snds-2019', objects: 40, bytes: 4_000 },
      { dataClass: 'unclassified', objects: 7, bytes: 700 },
    ],
    scan: { sealedObjects: 0, totalObjects: 47 },
  };
}

function facts(stores: StoreFacts[], changes: Partial<ReportFacts> = {}): ReportFacts {
  return {
    stores,
    keys: {
      kind: 'pkcs11',
      location: 'HSM token "hdh" (SoftHSM)',
      extractable: false,
      access: 'holder of the token PIN',
    },
    audit: { ok: true, entries: 1234 },
    policy: DEFAULT_POLICY,
    now: NOW,
    hub: { name: 'test hub', version: '0.1.0' },
    ...changes,
  };
}

describe('buildReport', () => {
  it('finds a hub of compliant stores compliant, and says the operator site rests on its attestations', () => {
    const r = registry();
    const report = buildReport(facts([ovhStore(r), localStore(r)]));
    expect(report.summary).toMatchObject({
      compliant: true,
      stores: 2,
      compliantStores: 2,
      violations: 0,
      objects: 165,
      sealedObjects: 165,
    });
    expect(report.violations).toEqual([]);
    expect(report.stores.map((s) => s.name)).toEqual(['local', 'ovh']);
    const local = report.stores[0]!;
    expect(local.restsOnOperatorAttestation).toBe(true);
    expect(local.residency.statement).toContain("operator's attestation");
    expect(report.summary.statement).toContain("operator's attestations");
    const ovh = report.stores[1]!;
    expect(ovh.holdings.map((h) => [h.dataClass, h.objects, h.bytes])).toEqual([
      ['public', 3, 900],
      ['pseudonymised-health', 150, 7_000_000],
    ]);
    expect(ovh.holdings[1]!.datasets.map((d) => d.name)).toEqual(['snds-2024', 'snds-2025']);
    expect(ovh.decisions.map((d) => [d.dataClass, d.allowed])).toEqual([
      ['public', true],
      ['pseudonymised-health', true],
    ]);
    expect(ovh.sealing.sealedShare).toBe(1);
    expect(ovh.provider.origin).toBe('shipped+operator');
    expect(ovh.allowedClasses).toEqual([
      'public',
      'anonymous-aggregate',
      'pseudonymised-health',
      'identifying-health',
    ]);
  });

  it('shows already-stored data as a violation when the policy changes', () => {
    const r = registry();
    const stricter = resolvePolicy({
      classes: {
        'pseudonymised-health': {
          ...DEFAULT_POLICY.classes['pseudonymised-health'],
          gaiaX: { minLevel: 'level-3' },
        },
      },
    });
    const report = buildReport(facts([ovhStore(r)], { policy: stricter }));
    expect(report.summary.compliant).toBe(false);
    expect(report.violations).toEqual([
      expect.objectContaining({
        store: 'ovh',
        dataClass: 'pseudonymised-health',
        objects: 150,
        bytes: 7_000_000,
        datasets: ['snds-2024', 'snds-2025'],
        requirement: 'Gaia-X label',
      }),
    ]);
    expect(report.requirements['Gaia-X label']).toBeDefined();
  });

  it('shows stored data as a violation when a provider entry changes: a qualification expires', () => {
    const r = registry();
    const report = buildReport(facts([ovhStore(r)], { now: new Date('2027-07-15T00:00:00Z') }));
    expect(report.violations.map((v) => v.requirement).sort()).toEqual([
      'HDS certification',
      'SecNumCloud qualification',
    ]);
    expect(report.stores[0]!.expiredQualifications).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'SecNumCloud 3.2 (IaaS and object storage) expired on 2027-06-30: it counts as absent',
        ),
      ]),
    );
    expect(report.summary.expiredQualifications).toBe(3);
    expect(report.stores[0]!.allowedClasses).toEqual(['public', 'anonymous-aggregate']);
  });

  it('reports the old platform: residency in France is not sovereignty; unsealed and unclassified objects are violations', () => {
    const r = registry();
    const report = buildReport(facts([azureLegacy(r)]));
    const store = report.stores[0]!;
    expect(store.legacy).toBe(true);
    expect(store.residency).toMatchObject({ countries: ['FR'], area: 'EU' });
    expect(store.residency.statement).toBe('Data centres in FR: inside the EU.');
    expect(store.sovereignty).toMatchObject({
      control: 'non-EU',
      controller: 'Microsoft Corporation',
      controllerCountry: 'US',
    });
    expect(store.sovereignty.statement).toContain('exposed to US CLOUD Act (18 U.S.C. § 2713)');
    expect(store.sovereignty.statement).toContain('Residency is not sovereignty');
    const requirements = store.violations.map((v) => v.requirement);
    expect(requirements).toEqual(
      expect.arrayContaining([
        'SecNumCloud 19.6',
        'SecNumCloud 19.6.a',
        'SecNumCloud 19.6.b',
        'EHDS Art. 73(1)(b)',
        'SecNumCloud 3.3.2',
        'hdh data classes',
      ]),
    );
    const unsealed = store.violations.find((v) => v.requirement === 'EHDS Art. 73(1)(b)')!;
    expect(unsealed.message).toContain('47 of 47 object(s) in this store not sealed');
    const unclassified = store.violations.find((v) => v.requirement === 'hdh data classes')!;
    expect(unclassified).toMatchObject({ dataClass: 'unclassified', objects: 7, bytes: 700 });
    expect(store.sealing.sealedShare).toBe(0);
  });

  it('uses per-class scan counts when the hub gives them', () => {
    const r = registry();
    const store = ovhStore(r);
    const report = buildReport(
      facts([
        {
          ...store,
          holdings: [
            {
              dataClass: 'pseudonymised-health',
              dataset: 'snds-2024',
              objects: 100,
              bytes: 10,
              sealedObjects: 97,
            },
          ],
          scan: { sealedObjects: 97, totalObjects: 100 },
        },
      ]),
    );
    expect(report.violations).toEqual([
      expect.objectContaining({
        requirement: 'EHDS Art. 73(1)(b)',
        message: expect.stringContaining('3 of 100 pseudonymised-health object(s) not sealed') as unknown,
      }),
    ]);
  });

  it('tolerates unclassified objects only where every class is allowed', () => {
    const r = registry();
    const local = localStore(r);
    const report = buildReport(
      facts([
        {
          ...local,
          holdings: [
            ...local.holdings,
            { dataClass: 'unclassified', objects: 1, bytes: 1, sealedObjects: 1 },
          ],
          scan: { sealedObjects: 13, totalObjects: 13 },
        },
      ]),
    );
    expect(report.violations).toEqual([]);
  });

  it('states key custody and the audit chain; a broken chain makes the hub non-compliant', () => {
    const r = registry();
    const ok = buildReport(facts([localStore(r)]));
    expect(ok.keys.statement).toBe(
      'The master key is held in an HSM (HSM token "hdh" (SoftHSM)); it cannot be read out of it; usable by holder of the token PIN.',
    );
    expect(ok.audit.statement).toContain('1234 entries');
    const broken = buildReport(
      facts([localStore(r)], {
        audit: { ok: false, entries: 10, firstBadEntry: 7, message: 'hash mismatch' },
      }),
    );
    expect(broken.summary.compliant).toBe(false);
    expect(broken.audit.statement).toBe('The audit chain is broken at entry 7: hash mismatch.');
    const local = buildReport(
      facts([localStore(r)], {
        keys: {
          kind: 'local',
          location: 'keyring file keyring.json',
          extractable: true,
          access: 'holder of the keyring passphrase',
        },
      }),
    );
    expect(local.keys.statement).toContain('a passphrase-sealed keyring file');
    expect(local.keys.statement).toContain('it can be read out of it');
  });

  it('shows the provider profile fact by fact with its evidence, and unknown where nothing is recorded', () => {
    const r = registry();
    const report = buildReport(facts([azureLegacy(r), ovhStore(r)]));
    const azure = report.stores.find((s) => s.name === 'old-platform')!;
    const laws = azure.facts.find((f) => f.fact === 'Laws with extraterritorial reach')!;
    expect(laws.value).toBe('US CLOUD Act (18 U.S.C. § 2713)');
    expect(laws.evidence[0]!.checkedBy).toBe('hdh maintainers');
    expect(azure.facts.find((f) => f.fact === 'Legal entity')).toEqual({
      fact: 'Legal entity',
      value: 'unknown',
      evidence: [],
    });
    expect(azure.qualifications.map((q) => q.state)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('is the same report for the same facts', () => {
    const r = registry();
    expect(JSON.stringify(buildReport(facts([ovhStore(r), azureLegacy(r)])))).toBe(
      JSON.stringify(buildReport(facts([azureLegacy(r), ovhStore(r)]))),
    );
  });
});
