/**
 * Fixtures for tests of sovereignty and of the code built on it (the hub's placement guard, migration
 * planning): a provider whose every fact is recorded, with evidence, so a test can make one fact
 * wrong at a time. The provider is fictional; its evidence says so.
 * @module
 */
import type { Evidence, ProviderEntry, ProviderOverride } from '../../core/index.js';

/** Evidence for a test fact. */
export function testEvidence(note = 'test fixture'): Evidence[] {
  return [
    { source: 'test fixture, not a real document', checkedBy: 'hdh tests', checkedOn: '2026-01-15', note },
  ];
}

/**
 * Facts that satisfy the default policy for the health classes from `issued` to `expires`: EU
 * location and control within the 19.6 caps, no extraterritorial law, SecNumCloud 3.2, HDS 1–6.
 * Use it as an hdh.yaml override of a shipped entry, or spread it into {@link qualifiedEntry}.
 */
export function qualifiedOverride(
  validity: { issued: string; expires: string } = { issued: '2025-01-01', expires: '2027-12-31' },
): ProviderOverride {
  return {
    legalEntity: { value: 'Example Cloud SAS', evidence: testEvidence() },
    headquartersCountry: { value: 'FR', evidence: testEvidence() },
    control: {
      value: {
        jurisdiction: 'EU',
        controller: 'Example Cloud SAS',
        controllerCountry: 'FR',
        nonEuLargestSharePercent: 0,
        nonEuTotalSharePercent: 0,
        nonEuVeto: false,
        nonEuBoardMajority: false,
      },
      evidence: testEvidence(),
    },
    extraterritorialLaws: { value: [], evidence: testEvidence() },
    dataCentreCountries: { value: ['FR'], evidence: testEvidence() },
    qualifications: {
      secNumCloud: {
        status: 'held',
        version: '3.2',
        scope: 'IaaS and object storage',
        ...validity,
        evidence: testEvidence(),
      },
      hds: { status: 'held', activities: [1, 2, 3, 4, 5, 6], ...validity, evidence: testEvidence() },
      iso27001: { status: 'held', scope: 'all sites', ...validity, evidence: testEvidence() },
      gaiaX: 'unknown',
    },
  };
}

/** A whole entry for a fictional EU provider qualified from 2025-01-01 to 2027-12-31. */
export function qualifiedEntry(id = 'example-cloud', changes: Partial<ProviderEntry> = {}): ProviderEntry {
  const o = qualifiedOverride();
  return {
    id,
    kind: 'cloud',
    name: 'Example Cloud object storage',
    provider: 'Example Cloud',
    service: 'object storage',
    region: 'fr-par',
    legalEntity: o.legalEntity!,
    headquartersCountry: o.headquartersCountry!,
    control: o.control!,
    extraterritorialLaws: o.extraterritorialLaws!,
    dataCentreCountries: o.dataCentreCountries!,
    qualifications: {
      secNumCloud: 'unknown',
      hds: 'unknown',
      iso27001: 'unknown',
      gaiaX: 'unknown',
      ...o.qualifications,
    },
    ...changes,
  };
}
