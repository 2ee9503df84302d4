import { describe, expect, it } from 'vitest';
import { isHdhError, type HdhError } from '../../core/index.js';
import { qualifiedOverride, testEvidence } from '../testing/fixtures.js';
import { buildRegistry, shippedProviders, validateProviderEntry } from './registry.js';
import { SHIPPED_PROVIDER_FILES } from './shipped.js';

function caught(fn: () => unknown): HdhError {
  try {
    fn();
  } catch (err) {
    if (isHdhError(err)) {
      return err;
    }
    throw err;
  }
  throw new Error('expected an HdhError');
}

function problemPaths(err: HdhError): string[] {
  return (err.details?.['problems'] as { path: string }[]).map((p) => p.path);
}

describe('shipped provider registry', () => {
  it('ships the eight offerings the issue names, each valid against the schema', () => {
    const ids = shippedProviders().map((p) => p.id);
    expect(ids.sort()).toEqual(
      [
        'aws-eu-west-3',
        'azure-france-central',
        'bleu',
        'on-premises',
        'outscale',
        'ovhcloud',
        's3ns',
        'scaleway',
      ].sort(),
    );
    for (const { file, data } of SHIPPED_PROVIDER_FILES) {
      expect(() => validateProviderEntry(data, { file })).not.toThrow();
    }
  });

  it('records every known fact with evidence checked by the hdh maintainers on the date of the source note', () => {
    for (const entry of shippedProviders()) {
      const facts = [
        entry.legalEntity,
        entry.headquartersCountry,
        entry.control,
        entry.extraterritorialLaws,
        entry.dataCentreCountries,
      ];
      for (const fact of facts) {
        if (fact === 'unknown') {
          continue;
        }
        for (const e of fact.evidence) {
          expect(e.checkedBy).toBe('hdh maintainers');
          expect(e.checkedOn).toBe('2026-11-28');
          expect(e.source).toMatch(/^https:\/\//);
        }
      }
    }
  });

  it('claims no qualification the sources do not establish', () => {
    for (const entry of shippedProviders()) {
      for (const q of Object.values(entry.qualifications)) {
        expect(q).toBe('unknown');
      }
    }
  });

  it('keeps the operator site as an on-premises entry whose facts the operator attests', () => {
    const site = shippedProviders().find((p) => p.id === 'on-premises')!;
    expect(site.kind).toBe('on-premises');
    expect(site.dataCentreCountries).toBe('unknown');
  });

  it('records the Azure France Central residency in France and its exposure to the US CLOUD Act', () => {
    const azure = buildRegistry().get('azure-france-central');
    expect(azure.dataCentreCountries !== 'unknown' && azure.dataCentreCountries.value).toEqual(['FR']);
    expect(
      azure.extraterritorialLaws !== 'unknown' && azure.extraterritorialLaws.value.map((l) => l.name),
    ).toContain('US CLOUD Act');
  });
});

describe('buildRegistry with operator entries', () => {
  it('refuses an unknown provider id with SOVEREIGNTY_UNKNOWN_PROVIDER naming it and where it was used', () => {
    const err = caught(() => buildRegistry().get('nimbus', 'stores.archive.provider'));
    expect(err.code).toBe('SOVEREIGNTY_UNKNOWN_PROVIDER');
    expect(err.message).toContain('"nimbus"');
    expect(err.message).toContain('stores.archive.provider');
    expect(err.status).toBe(404);
  });

  it('merges an override over a shipped entry: fields replace, qualifications replace scheme by scheme', () => {
    const registry = buildRegistry({
      ovhcloud: {
        region: 'GRA',
        qualifications: {
          hds: {
            status: 'held',
            activities: [1, 2, 3, 4],
            issued: '2025-03-01',
            expires: '2028-02-28',
            evidence: testEvidence(),
          },
        },
      },
    });
    const ovh = registry.get('ovhcloud');
    expect(ovh.region).toBe('GRA');
    expect(ovh.name).toBe('OVHcloud Object Storage');
    expect(ovh.qualifications.hds).toMatchObject({ status: 'held', activities: [1, 2, 3, 4] });
    expect(ovh.qualifications.secNumCloud).toBe('unknown');
    expect(registry.origin('ovhcloud')).toBe('shipped+operator');
    expect(registry.origin('outscale')).toBe('shipped');
  });

  it('adds a whole new entry under a new id', () => {
    const registry = buildRegistry({
      'my-dc': {
        kind: 'on-premises',
        name: 'Hospital data centre',
        provider: 'CHU',
        service: 'own infrastructure',
        region: 'Lyon',
        ...qualifiedOverride(),
        notes: ['added by the operator'],
      },
    });
    expect(registry.get('my-dc').region).toBe('Lyon');
    expect(registry.origin('my-dc')).toBe('operator');
    expect(registry.list().map((p) => p.id)).toContain('my-dc');
  });

  it('reports every problem at once, each with its path under sovereignty.providers', () => {
    const err = caught(() =>
      buildRegistry(
        {
          ovhcloud: {
            qualifications: {
              secNumCloud: {
                status: 'held',
                version: '3.2',
                scope: 'IaaS',
                issued: '2024-01-01',
                expires: '2027-13-01',
                evidence: [],
              },
            },
          },
          'half-entry': { name: 'only a name' },
          Bad_Id: {},
          scaleway: {
            dataCentreCountries: { value: ['France'], evidence: testEvidence() },
            colour: 'purple',
          },
          outscale: { qualifications: { hds: { status: 'maybe' } } },
          bleu: { headquartersCountry: 'FR' },
        },
        { file: '/srv/hub/hdh.yaml' },
      ),
    );
    expect(err.code).toBe('SOVEREIGNTY_REGISTRY_INVALID');
    expect(err.message).toContain('/srv/hub/hdh.yaml');
    const paths = problemPaths(err);
    expect(paths).toEqual(
      expect.arrayContaining([
        'sovereignty.providers.ovhcloud.qualifications.secNumCloud.expires',
        'sovereignty.providers.ovhcloud.qualifications.secNumCloud.evidence',
        'sovereignty.providers.half-entry.kind',
        'sovereignty.providers.half-entry.qualifications',
        'sovereignty.providers.Bad_Id',
        'sovereignty.providers.scaleway.dataCentreCountries.value[0]',
        'sovereignty.providers.scaleway.colour',
        'sovereignty.providers.outscale.qualifications.hds.status',
        'sovereignty.providers.bleu.headquartersCountry',
      ]),
    );
    expect(err.message).toMatch(
      /half-entry\.kind: is missing \(a provider not in the shipped registry needs a whole entry\)/,
    );
    expect(err.message).toMatch(/expires: must be a calendar date, YYYY-MM-DD, got "2027-13-01"/);
    expect(err.message).toMatch(/headquartersCountry: must be "unknown" or a mapping with value, evidence/);
  });

  it('catches what the schema cannot: impossible dates, validity ending before it starts, EU control by a non-EU company', () => {
    const base = qualifiedOverride();
    const err = caught(() =>
      buildRegistry({
        outscale: {
          ...base,
          headquartersCountry: {
            value: 'FR',
            evidence: [{ source: 'x', checkedBy: 'me', checkedOn: '2026-02-30' }],
          },
          control: {
            value: { jurisdiction: 'EU', controller: 'Parent Inc.', controllerCountry: 'US' },
            evidence: testEvidence(),
          },
          qualifications: {
            secNumCloud: {
              status: 'held',
              version: '3.2',
              scope: 'IaaS',
              issued: '2026-06-01',
              expires: '2025-06-01',
              evidence: testEvidence(),
            },
          },
        },
      }),
    );
    expect(problemPaths(err)).toEqual(
      expect.arrayContaining([
        'sovereignty.providers.outscale.headquartersCountry.evidence[0].checkedOn',
        'sovereignty.providers.outscale.qualifications.secNumCloud.expires',
        'sovereignty.providers.outscale.control.value.jurisdiction',
      ]),
    );
  });

  it('refuses a providers section that is not a mapping', () => {
    const err = caught(() => buildRegistry(['ovhcloud']));
    expect(err.code).toBe('SOVEREIGNTY_REGISTRY_INVALID');
    expect(problemPaths(err)).toEqual(['sovereignty.providers']);
  });

  it('names the shipped file when a shipped entry is malformed', () => {
    const err = caught(() =>
      validateProviderEntry(
        { id: 'x', kind: 'cloud' },
        { file: 'src/sovereignty/registry/providers/x.json' },
      ),
    );
    expect(err.code).toBe('SOVEREIGNTY_REGISTRY_INVALID');
    expect(err.message).toContain('src/sovereignty/registry/providers/x.json');
    expect(problemPaths(err)).toContain('dataCentreCountries');
  });
});
